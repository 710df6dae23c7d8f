"""The loopback HTTP endpoint (aiohttp, on the language server's event loop).

Agents post events here (our JSON, OTLP/JSON); browsers get the web UI. Every route but
the UI shell (GET / and /static/*, which hold no data and no secret) needs the per-start
secret token in `Authorization: Bearer`, compared in constant time. No cookie and no query
token: those are ambient credentials that a page on another local port (another origin,
the same "site") could make the browser send. The browser page takes the token from the
URL fragment (transport.js). http_guard.py checks Host and Origin first. It binds 127.0.0.1
only. A body over the limit gets 413, an unreadable one 400 with the reason, and valid
events in a batch are kept while bad ones are listed by index.
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
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError
from pygls.exceptions import JsonRpcException

from . import http_guard
from . import protocol as P
from .events import EventError
from .flame_columns import http_answer_async

if TYPE_CHECKING:
    from .endpoint_host import EndpointHost  # the server's methods it uses, not the server class (issue 20)

MAX_PENDING_BYTES = 256 * 1024 * 1024  # body bytes held at once; past this, 503
BODY_TIMEOUT = 60.0  # seconds to receive a whole body: a stalled client cannot hold a handler forever
BODY_IDLE_TIMEOUT = 15.0  # seconds without a byte of body
PUBLIC = frozenset({("GET", P.HTTP_UI)})  # plus GET /static/*: the bundle, no data
STATIC_FILES = (".js", ".css", ".svg", ".woff2", ".map")  # /static/*: the UI (a .map: for devtools)


def webui_dir() -> Path:
    """The web UI bundle: inside the installed package, else the source tree's."""
    packaged = Path(__file__).parent / "webui"
    if (packaged / "index.html").exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "editor-clients" / "web"


def csp(nonce: str) -> str:
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def render_index(template: str, nonce: str, base: str, config: dict[str, Any], policy: str) -> str:
    """Fill the bundle's index.html template; every value is escaped for its place."""
    cfg = html.escape(json.dumps(config), quote=True)
    # issue 13: frame-ancestors only works as a header; in the <meta> copy Chromium logs an error
    policy = "; ".join(d for d in policy.split("; ") if not d.startswith("frame-ancestors"))
    return (
        template.replace("{{csp}}", html.escape(policy, quote=True))
        .replace("{{nonce}}", nonce)
        .replace("{{base}}", html.escape(base, quote=True))
        .replace("{{config}}", cfg)
    )


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


class HttpEndpoint:
    def __init__(self, server: EndpointHost, max_body: int):
        self.server = server
        self.token = secrets.token_urlsafe(32)
        self.max_body = max_body
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.port = 0
        self.pending_bytes = 0
        self.streams: set[asyncio.Queue[bytes | None]] = set()
        self.static = webui_dir()

    # ------------------------------------------------------------ lifecycle

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=self.max_body, middlewares=[self._guard])
        app.router.add_post(P.HTTP_EVENTS, self.post_events)
        app.router.add_post(P.HTTP_TRACES, self.post_otlp)
        app.router.add_post(P.HTTP_LOGS, self.post_otlp)
        app.router.add_post(P.HTTP_RPC, self.post_rpc)
        app.router.add_get(P.HTTP_STREAM, self.get_stream)
        app.router.add_get(P.HTTP_UI, self.get_index)
        app.router.add_get("/static/{name}", self.get_static)
        # aiohttp's own limits: a connection that has not sent a whole request head within
        # keepalive_timeout (silent, slowloris, or idle between requests) is closed
        self.runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            auto_decompress=False,
            keepalive_timeout=http_guard.HEADER_IDLE_TIMEOUT,
            max_line_size=8190,
            max_field_size=8190,
            max_headers=100,
            lingering_time=2.0,
        )
        await self.runner.setup()
        http_guard.rate_limit_noisy_logs()
        http_guard.cap_connections(self.runner.server, http_guard.max_connections())
        http_guard.scrub_token_from_logs(self.token)
        site = web.TCPSite(self.runner, "127.0.0.1", port, reuse_address=True, backlog=http_guard.ACCEPT_BACKLOG)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)  # a TCP site's: it has sockets
        self.port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self.url

    async def stop(self) -> None:
        for q in list(self.streams):
            q.put_nowait(None)
        if self.runner:
            await self.runner.cleanup()
            self.runner = None

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Send a server-sent event to every open /v1/stream."""
        payload = f"event: {event}\ndata: {orjson.dumps(data).decode()}\n\n".encode()
        for q in list(self.streams):
            if q.qsize() < 100:  # a stalled browser must not grow memory
                q.put_nowait(payload)

    # ------------------------------------------------------------ auth

    def token_ok(self, request: web.Request) -> bool:
        """The token from `Authorization: Bearer` only (never a cookie or the query)."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return False
        return hmac.compare_digest(header[7:].strip().encode("utf-8", "replace"), self.token.encode())

    @staticmethod
    def is_public(request: web.Request) -> bool:
        path = request.path
        return request.method in ("GET", "HEAD") and (
            path == P.HTTP_UI or (path.startswith("/static/") and path.count("/") == 2 and ".." not in path)
        )

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        problem = http_guard.host_problem(request.headers.get("Host"), self.port) or http_guard.origin_problem(
            request.headers.get("Origin"), self.port
        )
        if problem:
            return _error(403, problem)
        if not self.is_public(request) and not self.token_ok(request):
            return _error(401, "missing or wrong token: send Authorization: Bearer <token>")
        if request.path == P.HTTP_RPC and request.content_type != "application/json":
            return _error(415, "/v1/rpc takes Content-Type: application/json only")
        try:
            resp = await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"body too large: the limit is {self.max_body:,} bytes")
        except web.HTTPException:
            raise
        except Exception as exc:  # never a crash; the reason goes back
            resp = self._failure(request, exc)
        resp.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return resp

    def _failure(self, request: web.Request, exc: Exception) -> web.Response:
        """A storage failure says what it is (507 when the disk is full: nothing was acknowledged);
        anything else is a 500 naming the exception type, with the details in the log."""
        from .safepath import DiskFull
        from .store import StoreFull, StoreUnavailable

        if isinstance(exc, (StoreFull, DiskFull)):
            return _error(507, str(exc.args[-1] if isinstance(exc, DiskFull) else exc))
        if isinstance(exc, StoreUnavailable):
            return _error(503, str(exc))
        self.server.log_error(f"HTTP {request.path}: {exc!r}")
        return _error(500, f"internal error: {type(exc).__name__}")

    async def _read(self, request: web.Request) -> bytes | web.Response:
        """The body, counted against MAX_PENDING_BYTES as it arrives (a stalled chunked upload
        holds only what it sent), within BODY_TIMEOUT overall and BODY_IDLE_TIMEOUT per chunk."""
        length = request.content_length
        if length is not None and length > self.max_body:
            return _error(413, f"body too large: {length:,} bytes, the limit is {self.max_body:,}")
        if self.pending_bytes + (length or 0) > MAX_PENDING_BYTES:
            return web.Response(
                status=503,
                headers={"Retry-After": "1"},
                body=orjson.dumps({"error": "busy: too many bodies in flight, retry"}),
                content_type="application/json",
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BODY_TIMEOUT
        parts: list[bytes] = []
        held = 0
        try:
            while True:
                left = min(BODY_IDLE_TIMEOUT, deadline - loop.time())
                if left <= 0:
                    raise TimeoutError
                chunk = await asyncio.wait_for(request.content.readany(), left)
                if not chunk:
                    break
                parts.append(chunk)
                held += len(chunk)
                self.pending_bytes += len(chunk)
                if held > self.max_body:
                    return _error(413, f"body too large: the limit is {self.max_body:,} bytes")
                if self.pending_bytes > MAX_PENDING_BYTES:
                    return web.Response(
                        status=503,
                        headers={"Retry-After": "1"},
                        body=orjson.dumps({"error": "busy: too many bodies in flight, retry"}),
                        content_type="application/json",
                    )
        except TimeoutError:
            return _error(
                408, f"body: not received within {BODY_TIMEOUT:.0f} s (or {BODY_IDLE_TIMEOUT:.0f} s without data)"
            )
        except (RequestPayloadError, HttpProcessingError) as exc:  # broken chunking: say what it was
            return _error(400, f"body: cannot read it: {exc}")
        finally:
            self.pending_bytes -= held
        return self._decode(b"".join(parts), request.headers.get("Content-Encoding", ""))

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
            return _error(400, 'body: empty; expected a JSON array of events, {"events": [...]}, or NDJSON')
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
        from .otlp_decode import decode_protobuf, to_events  # protobuf, and our own spans back whole (issue 17)

        if "protobuf" in (request.content_type or ""):
            try:
                data = decode_protobuf(body, kind)
            except ValueError as exc:
                return _error(400, str(exc))
        else:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                return _error(400, f"body: malformed JSON: {exc}")
        if not isinstance(data, dict):
            return _error(400, "body: an OTLP export request must be a JSON object")

        try:
            events, errors = to_events(data, kind)
        except (TypeError, AttributeError, ValueError) as exc:  # a part of the body has the wrong shape
            return _error(400, f"body: not an OTLP/JSON {kind} export request: {exc}")
        result = await self.server.ingest_async(events)
        errors = errors + [f"event {r['index']}: {r['error']}" for r in result["rejected"]]
        answer: dict[str, Any] = {}
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
        except JsonRpcException:
            # a request that needs the editor (workspace/applyEdit, showDocument) when none is
            # connected, or it answered with an error: the page's request is fine, so no 500
            return _json(
                {
                    "error": {
                        "message": "no editor could do this: open the workspace in VS Code or "
                        "Neovim with sessionprof, or copy the change from the preview"
                    }
                },
                409,
            )
        body, encoding, ctype = await http_answer_async(result, request.headers)  # issue 13: JSON or raw columns
        headers = {"Content-Encoding": encoding} if encoding else None
        return web.Response(body=body, content_type=ctype, headers=headers)

    async def get_stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await resp.prepare(request)
        q: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.streams.add(q)
        try:
            degraded = self.server.degraded() if hasattr(self.server, "degraded") else None
            if degraded:  # the page shows it: the store in use is not the configured one
                await resp.write(f"event: status\ndata: {orjson.dumps({'degraded': degraded}).decode()}\n\n".encode())
            summary = self.server.current_summary()
            if summary:
                await resp.write(f"event: summary\ndata: {orjson.dumps(summary).decode()}\n\n".encode())
            while True:
                try:
                    item = await asyncio.wait_for(q.get(), timeout=15)
                except TimeoutError:
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
        resp = web.Response(
            text=text,
            content_type="text/html",
            headers={
                "Content-Security-Policy": policy,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
                "Cross-Origin-Opener-Policy": "same-origin",
            },
        )
        return resp

    async def get_static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        allowed = {p.name for p in self.static.iterdir() if p.is_file() and p.suffix in STATIC_FILES}
        if name not in allowed:
            return _error(404, "not found")
        return web.FileResponse(
            self.static / name, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        )
