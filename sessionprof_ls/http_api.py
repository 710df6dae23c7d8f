"""The loopback HTTP endpoint (aiohttp, on the language server's event loop).

Agents post events here (our JSON, OTLP/JSON); browsers get the web UI. Every
route needs the per-start secret token, compared in constant time, from the
Authorization header, `?token=` or the cookie GET / sets. It binds 127.0.0.1
only. A body over the limit gets 413, an unreadable one 400 with the reason,
and valid events in a batch are kept while bad ones are listed by index.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import secrets
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from . import protocol as P
from .events import EventError

if TYPE_CHECKING:
    from .server import SessionProfServer

COOKIE = "sessionprof_token"
MAX_PENDING_BYTES = 256 * 1024 * 1024  # bodies being read at once; past this, 503
BODY_TIMEOUT = 60.0  # seconds to receive a body: a stalled client cannot hold a handler forever


def webui_dir() -> Path:
    """The web UI bundle: inside the installed package, else the source tree's."""
    packaged = Path(__file__).parent / "webui"
    if (packaged / "index.html").exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "editor-clients" / "web"


def csp(nonce: str) -> str:
    return ("default-src 'none'; "
            f"script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def render_index(template: str, nonce: str, base: str, config: dict, policy: str) -> str:
    """Fill the bundle's index.html template; every value is escaped for its place."""
    cfg = html.escape(json.dumps(config), quote=True)
    return (template.replace("{{csp}}", html.escape(policy, quote=True))
            .replace("{{nonce}}", nonce).replace("{{base}}", html.escape(base, quote=True))
            .replace("{{config}}", cfg))


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


class HttpEndpoint:
    def __init__(self, server: "SessionProfServer", max_body: int):
        self.server = server
        self.token = secrets.token_urlsafe(32)
        self.max_body = max_body
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.port = 0
        self.pending_bytes = 0
        self.streams: set[asyncio.Queue] = set()
        self.static = webui_dir()

    # ------------------------------------------------------------ lifecycle

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=self.max_body, middlewares=[self._auth])
        app.router.add_post(P.HTTP_EVENTS, self.post_events)
        app.router.add_post(P.HTTP_TRACES, self.post_otlp)
        app.router.add_post(P.HTTP_LOGS, self.post_otlp)
        app.router.add_post(P.HTTP_RPC, self.post_rpc)
        app.router.add_get(P.HTTP_STREAM, self.get_stream)
        app.router.add_get(P.HTTP_UI, self.get_index)
        app.router.add_get("/static/{name}", self.get_static)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False, auto_decompress=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self.url

    async def stop(self) -> None:
        for q in list(self.streams):
            q.put_nowait(None)
        if self.runner:
            await self.runner.cleanup()
            self.runner = None

    def publish(self, event: str, data: dict) -> None:
        """Send a server-sent event to every open /v1/stream."""
        payload = f"event: {event}\ndata: {orjson.dumps(data).decode()}\n\n".encode()
        for q in list(self.streams):
            if q.qsize() < 100:  # a stalled browser must not grow memory
                q.put_nowait(payload)

    # ------------------------------------------------------------ auth

    def token_ok(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        candidates = []
        if header.lower().startswith("bearer "):
            candidates.append(header[7:].strip())
        if "token" in request.query:
            candidates.append(request.query["token"])
        if COOKIE in request.cookies:
            candidates.append(request.cookies[COOKIE])
        good = self.token.encode()
        ok = False
        for c in candidates:
            ok |= hmac.compare_digest(c.encode("utf-8", "replace"), good)
        return ok

    @web.middleware
    async def _auth(self, request: web.Request, handler):
        if not self.token_ok(request):
            return _error(401, "missing or wrong token: send Authorization: Bearer <token>")
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"body too large: the limit is {self.max_body:,} bytes")
        except web.HTTPException:
            raise
        except Exception as exc:  # never a crash; the reason goes back
            self.server.log_error(f"HTTP {request.path}: {exc!r}")
            return _error(500, f"internal error: {type(exc).__name__}")

    async def _read(self, request: web.Request) -> bytes | web.Response:
        length = request.content_length
        if length is not None and length > self.max_body:
            return _error(413, f"body too large: {length:,} bytes, the limit is {self.max_body:,}")
        if self.pending_bytes > MAX_PENDING_BYTES:
            return web.Response(status=503, headers={"Retry-After": "1"},
                                body=orjson.dumps({"error": "busy: too many bodies in flight, retry"}),
                                content_type="application/json")
        # a chunked body (no Content-Length) may grow to the limit: count it as that much
        claimed = length if length is not None else self.max_body
        self.pending_bytes += claimed
        try:
            raw = await asyncio.wait_for(request.read(), BODY_TIMEOUT)
        except asyncio.TimeoutError:
            return _error(408, f"body: not received within {BODY_TIMEOUT:.0f} s")
        except (RequestPayloadError, HttpProcessingError) as exc:  # broken chunking: say what it was
            return _error(400, f"body: cannot read it: {exc}")
        finally:
            self.pending_bytes -= claimed
        return self._decode(raw, request.headers.get("Content-Encoding", ""))

    def _decode(self, raw: bytes, encoding: str) -> bytes | web.Response:
        """Inflate gzip/deflate ourselves (aiohttp's auto-decompression is off): the inflated
        size is capped by the body limit (no zip bombs) and a corrupt stream gets a 400."""
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            return raw
        if enc not in ("gzip", "x-gzip", "deflate"):
            return _error(415, f"Content-Encoding {encoding!r} is not supported: use gzip, deflate or none")
        wbits = 31 if enc != "deflate" else (15 if raw[:1] == b"\x78" else -15)  # deflate: zlib or raw
        d = zlib.decompressobj(wbits)
        try:
            out = d.decompress(raw, self.max_body + 1)
        except zlib.error as exc:
            return _error(400, f"body: not valid {enc} data ({exc})")
        if len(out) > self.max_body:
            return _error(413, f"body too large once inflated: the limit is {self.max_body:,} bytes")
        if not d.eof:
            return _error(400, f"body: truncated {enc} data ({len(raw):,} bytes sent)")
        return out

    # ------------------------------------------------------------ routes

    async def post_events(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if isinstance(body, web.Response):
            return body
        if not body.strip():
            return _error(400, "body: empty; expected a JSON array of events, {\"events\": [...]}, or NDJSON")
        try:
            result = await self.server.ingest_body(body, request.content_type or "")
        except EventError as exc:
            return _error(400, str(exc))
        return _json({"accepted": result["accepted"], "rejected": result["rejected"]})

    async def post_otlp(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if isinstance(body, web.Response):
            return body
        kind = "traces" if request.path == P.HTTP_TRACES else "logs"
        if "protobuf" in (request.content_type or ""):
            return _error(415, "OTLP protobuf is not supported: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return _error(400, f"body: malformed JSON: {exc}")
        if not isinstance(data, dict):
            return _error(400, "body: an OTLP export request must be a JSON object")
        from .importers import otlp_to_events

        try:
            events, errors = otlp_to_events(data, kind)
        except (TypeError, AttributeError, ValueError) as exc:  # a part of the body has the wrong shape
            return _error(400, f"body: not an OTLP/JSON {kind} export request: {exc}")
        result = await self.server.ingest_async(events)
        errors = errors + [f"event {r['index']}: {r['error']}" for r in result["rejected"]]
        answer: dict = {}
        if errors:
            key = "rejectedSpans" if kind == "traces" else "rejectedLogRecords"
            answer["partialSuccess"] = {key: len(errors), "errorMessage": "; ".join(errors[:20])}
        return _json(answer)

    async def post_rpc(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if isinstance(body, web.Response):
            return body
        try:
            msg = orjson.loads(body)
            method = msg["method"]
            params = msg.get("params") or {}
            if not isinstance(method, str) or not isinstance(params, dict):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(400, 'body: expected {"method": string, "params": object}')
        try:
            result = await self.server.rpc(method, params)
        except (KeyError, ValueError, TypeError) as exc:
            return _json({"error": {"message": str(exc).strip("'\"")}}, 400)
        return _json({"result": result})

    async def get_stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await resp.prepare(request)
        q: asyncio.Queue = asyncio.Queue()
        self.streams.add(q)
        try:
            summary = self.server.current_summary()
            if summary:
                await resp.write(f"event: summary\ndata: {orjson.dumps(summary).decode()}\n\n".encode())
            while True:
                try:
                    item = await asyncio.wait_for(q.get(), timeout=15)
                except asyncio.TimeoutError:
                    item = b": keep-alive\n\n"
                if item is None:
                    break
                await resp.write(item)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.streams.discard(q)
        return resp

    async def get_index(self, request: web.Request) -> web.Response:
        index = self.static / "index.html"
        if not index.exists():
            return _error(404, "the web UI bundle is not installed")
        nonce = secrets.token_urlsafe(16)
        policy = csp(nonce)
        config = {"mode": "http"}
        for key in ("sessionId", "eventId"):
            if key in request.query:
                config[key] = request.query[key][:200]
        text = render_index(index.read_text(encoding="utf-8"), nonce, "/static", config, policy)
        resp = web.Response(text=text, content_type="text/html", headers={
            "Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
        resp.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict", path="/")
        return resp

    async def get_static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        allowed = {p.name for p in self.static.iterdir() if p.is_file() and p.suffix in (".js", ".css", ".svg", ".woff2")}
        if name not in allowed:
            return _error(404, "not found")
        return web.FileResponse(self.static / name, headers={"X-Content-Type-Options": "nosniff",
                                                             "Cache-Control": "no-store"})
