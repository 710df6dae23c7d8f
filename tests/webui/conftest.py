"""Fixtures for the web UI tests: real session data from the engine, a small static
server that templates index.html like the real hosts do (nonce + strict CSP), a fake
VS Code host injected into the page, and headless Debian Chromium driven by Playwright.

Chromium comes from scripts/install-chromium.sh (never `playwright install`).
"""

from __future__ import annotations

import html
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sessionprof_ls import importers
from sessionprof_ls.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "editor-clients" / "web"
ARTIFACTS = ROOT / ".artifacts"
FIXTURES = Path(os.environ.get("SESSIONPROF_FIXTURES", Path(__file__).resolve().parents[2] / "tests" / "fixtures"))
from sp_fixtures import CHROMIUM, CHROMIUM_ARGS, send_response  # noqa: E402

MODES = {"time": ("time", "time"), "aggregate": ("aggregate", "time"), "tokens": ("time", "tokens")}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".md": "text/markdown"}


# ------------------------------------------------------------------ session data


@dataclass
class SessionData:
    """Everything a host would answer for the sessions of one engine."""

    session_id: str
    sessions: list[dict]
    performance: dict[str, dict]
    flame: dict[str, dict[str, dict]]  # sid -> mode -> FlameGraph
    events: dict[str, dict[str, dict]]  # sid -> event id -> TimedEvent
    extra: dict[str, Any] = field(default_factory=dict)

    def to_js(self) -> dict:
        return {
            "sessions": self.sessions,
            "performance": self.performance,
            "flame": {sid: {"/".join(MODES[m]): fg for m, fg in d.items()} for sid, d in self.flame.items()},
            "events": self.events,
        }

    @property
    def perf(self) -> dict:
        return self.performance[self.session_id]

    def fg(self, mode: str = "time") -> dict:
        return self.flame[self.session_id][mode]


def session_data_from(engine: Engine, session_ids: list[str] | None = None) -> SessionData:
    sessions = engine.sessions()
    sids = session_ids or [s["sessionId"] for s in sessions]
    perf, flame, events = {}, {}, {}
    for sid in sids:
        perf[sid] = engine.performance(sid, include_events=False)
        flame[sid] = {m: engine.flame_graph(sid, v, w) for m, (v, w) in MODES.items()}
        ids = {i for i in flame[sid]["time"]["frames"]["id"] if i}
        events[sid] = {i: ev for i in ids if (ev := engine.event(sid, i)) is not None}
    return SessionData(sids[0], sessions, perf, flame, events)


def import_events(path: Path) -> list[dict]:
    result = importers.import_file(path)
    assert result.events, f"no events imported from {path}: {result.errors[:3]}"
    return result.events


def engine_with(tmp_path: Path, events: list[dict]) -> Engine:
    engine = Engine(str(tmp_path / "store.sqlite"))
    res = engine.ingest(events)
    assert not res["rejected"], res["rejected"][:3]
    return engine


FIXTURE = FIXTURES / "claude-code" / "spotter-subagent.jsonl"


@pytest.fixture(scope="session")
def fixture_events() -> list[dict]:
    return import_events(FIXTURE)


@pytest.fixture(scope="session")
def fixture_engine(tmp_path_factory, fixture_events) -> Engine:
    return engine_with(tmp_path_factory.mktemp("store"), fixture_events)


@pytest.fixture(scope="session")
def fixture_data(fixture_engine) -> SessionData:
    return session_data_from(fixture_engine)


# ------------------------------------------------------------------ static server


class UIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.config: dict = {"mode": "vscode"}
        self.engine: Engine | None = None
        self.token = secrets.token_urlsafe(16)
        self.rpc_log: list[dict] = []
        self.unauthorized = 0
        self.summaries: list[dict] = []  # sent on /v1/stream

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def render_index(config: dict, base: str = "/static") -> tuple[str, str]:
    """index.html as a host serves it: a fresh nonce, a strict CSP, escaped config JSON."""
    nonce = secrets.token_urlsafe(16)
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "img-src data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )
    text = (WEB / "index.html").read_text(encoding="utf-8")
    text = (
        text.replace("{{csp}}", html.escape(csp, quote=True))
        .replace("{{nonce}}", nonce)
        .replace("{{base}}", base)
        .replace("{{config}}", html.escape(json.dumps(config), quote=True))
    )
    return text, csp


class _Handler(BaseHTTPRequestHandler):
    server: UIServer

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None):
        send_response(self, status, body, ctype, headers)

    def _authorized(self) -> bool:
        token = self.server.token
        return (
            self.headers.get("Authorization") == f"Bearer {token}"
            or f"sessionprof_token={token}" in (self.headers.get("Cookie") or "")
            or f"token={token}" in self.path
        )

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/":
            text, csp = render_index(self.server.config)
            headers = {"Content-Security-Policy": csp}
            if self.server.config.get("mode") == "http":
                headers["Set-Cookie"] = f"sessionprof_token={self.server.token}; HttpOnly; SameSite=Strict; Path=/"
            self._send(200, text.encode(), "text/html; charset=utf-8", headers)
        elif path.startswith("/static/"):
            f = (WEB / path[len("/static/") :]).resolve()
            if f.parent != WEB.resolve() or not f.is_file():
                self._send(404, b"not found", "text/plain")
                return
            self._send(200, f.read_bytes(), CONTENT_TYPES.get(f.suffix, "application/octet-stream"))
        elif path == "/v1/stream":
            if not self._authorized():
                self.server.unauthorized += 1
                self._send(401, b"unauthorized", "text/plain")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            body = "".join(f"event: summary\ndata: {json.dumps(s)}\n\n" for s in self.server.summaries)
            self.wfile.write(body.encode())
            self.wfile.flush()
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self):
        if self.path != "/v1/rpc":
            self._send(404, b"not found", "text/plain")
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.server.unauthorized += 1
            self._send(401, b'{"error":{"message":"unauthorized"}}', "application/json")
            return
        req = json.loads(raw)
        self.server.rpc_log.append(req)
        try:
            result = self._rpc(req["method"], req.get("params") or {})
            body = {"result": result}
        except Exception as exc:  # reported to the page like the real server does
            body = {"error": {"message": str(exc)}}
        self._send(200, json.dumps(body).encode(), "application/json")

    def _rpc(self, method: str, params: dict):
        eng = self.server.engine
        if method == "sessionprof/sessions":
            return eng.sessions()
        if method == "sessionprof/performance":
            return eng.performance(
                params["sessionId"],
                include_events=params.get("includeEvents", True),
                include_messages=params.get("includeMessages", True),
            )
        if method == "sessionprof/flameGraph":
            # the browser page gets base64 columns as from the real server (the fake VS Code
            # host answers with JSON arrays: both decodings are exercised)
            return eng.flame_graph(
                params["sessionId"],
                params.get("view", "time"),
                params.get("weight", "time"),
                params.get("encoding", "json"),
            )
        if method == "sessionprof/event":
            return eng.event(params["sessionId"], params["eventId"])
        if method == "workspace/executeCommand":
            return {"applied": True, "message": f"applied {params['arguments'][1]}"}
        if method == "sessionprof/openFile":
            return None
        if method in ("sessionprof/previewSuggestion", "sessionprof/suggestionEffects"):  # issue 14
            return suggestion_answer(eng, method, params)
        raise ValueError(f"unknown method {method}")


def suggestion_answer(eng: Engine, method: str, params: dict) -> dict:
    """What the real server answers for a suggestion preview (a plan for an empty workspace)."""
    import tempfile

    from sessionprof_ls import apply as apply_mod

    if method == "sessionprof/suggestionEffects":
        return {"workspace": "", "effects": []}
    sid = params["sessionId"]
    s = next(x for x in eng.performance(sid, include_events=False)["suggestions"] if x["id"] == params["suggestionId"])
    root = Path(tempfile.mkdtemp())
    edits, what = apply_mod.plan(s, root, eng.tree(sid).source, None, lambda p: None)
    return {
        "sessionId": sid,
        "suggestionId": s["id"],
        "kind": s["kind"],
        "title": s["title"],
        "message": what,
        "root": str(root),
        "files": apply_mod.preview(edits, root),
        "editor": False,
    }


@pytest.fixture
def ui_server():
    srv = UIServer()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


# ------------------------------------------------------------------ fake VS Code host

FAKE_HOST_JS = """
(() => {
  const data = %s;
  window.__fakeData = data;
  window.__hostLog = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
  function answer(method, p) {
    const d = window.__fakeData;
    if (method === 'sessionprof/sessions') return {result: d.sessions};
    if (method === 'sessionprof/performance') {
      const r = d.performance[p.sessionId];
      return r ? {result: r} : {error: {message: 'unknown session: ' + p.sessionId}};
    }
    if (method === 'sessionprof/flameGraph') {
      const s = d.flame[p.sessionId];
      const r = s && s[p.view + '/' + p.weight];
      return r ? {result: r} : {error: {message: 'no flame graph for ' + p.sessionId}};
    }
    if (method === 'sessionprof/event') {
      const s = d.events[p.sessionId] || {};
      return {result: s[p.eventId] || null};
    }
    return {error: {message: 'unknown method ' + method}};
  }
  window.acquireVsCodeApi = () => ({
    postMessage(msg) {
      window.__hostLog.push(JSON.parse(JSON.stringify(msg)));
      if (msg.type === 'request') {
        const r = answer(msg.method, msg.params || {});
        setTimeout(() => window.postMessage(Object.assign({type: 'response', id: msg.id}, r), '*'), 0);
      }
    },
    getState() { return undefined; },
    setState() {},
  });
})();
"""

CSP_WATCH_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")  # sync Playwright holds an event loop: release it before async tests run
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class UI:
    """One loaded page of the web UI plus helpers to read its state."""

    def __init__(self, page, server: UIServer):
        self.page = page
        self.server = server
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def wait(self, expr: str, timeout: float = 10.0):
        """Polls a JS expression until truthy. (page.wait_for_function evaluates strings
        with eval in the page, which the strict CSP forbids, as it should.)"""
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(expr)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {expr}")
            self.page.wait_for_timeout(30)

    def hook(self, expr: str):
        return self.page.evaluate(f"window.__sessionprof.{expr}")

    def settle(self):
        """Waits until the flame graph has data, no paint is pending and the analysis (drawn
        after the graph's first paint, issue 13) and the message table are on the page."""
        self.wait(
            "window.__sessionprof && window.__sessionprof.frameCount() > 0 && !window.__sessionprof.pending()"
            " && window.__sessionprof.loaded()"
        )
        self.page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def rows(self) -> list[int]:
        """The row (lane) of every frame, as the page laid them out."""
        return self.page.evaluate(
            "Array.from({length: __sessionprof.frameCount()}, (_, i) => __sessionprof.frameRow(i))"
        )

    def canvas_box(self) -> dict:
        return self.page.locator("#flame-canvas").bounding_box()

    def host_log(self) -> list[dict]:
        return self.page.evaluate("window.__hostLog")


@pytest.fixture
def open_ui(browser, ui_server):
    contexts = []

    def _open(
        data: SessionData | None,
        config: dict | None = None,
        color_scheme: str = "light",
        init_js: str = "",
        width: int = 1280,
        height: int = 900,
    ):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=1, color_scheme=color_scheme
        )
        contexts.append(ctx)
        page = ctx.new_page()
        cfg = {"mode": "vscode"} | (config or {})
        ui_server.config = cfg
        if data is not None:
            page.add_init_script(FAKE_HOST_JS % json.dumps(data.to_js()))
        else:
            page.add_init_script(CSP_WATCH_JS)
        if init_js:
            page.add_init_script(init_js)
        ui = UI(page, ui_server)
        query = f"?token={ui_server.token}" if cfg.get("mode") == "http" else ""
        page.goto(ui_server.url + "/" + query)
        return ui

    yield _open
    for ctx in contexts:
        ctx.close()


# ------------------------------------------------------------------ expectations


def expected_visible(
    fg: dict, vs: float, ve: float, width: float, rows: int, min_px: float, row_of: list[int] | None = None
) -> int:
    """Frames a correct renderer draws individually: in view, in a shown row, >= min_px wide."""
    f = fg["frames"]
    scale = width / (ve - vs)
    n = 0
    for s, v, d in zip(f["start"], f["value"], row_of or f["depth"], strict=True):
        e = s + v
        if d >= rows or s >= ve or e <= vs:
            continue
        if (e - vs) * scale - (s - vs) * scale >= min_px:
            n += 1
    return n


def uncovered_center(
    fg: dict, i: int, vs: float, ve: float, width: float, row_of: list[int] | None = None
) -> float | None:
    """Pixel x of frame i's center if no other frame of its row covers that point."""
    f = fg["frames"]
    rows = row_of or f["depth"]
    s, v = f["start"][i], f["value"][i]
    u = s + v / 2
    for j in range(len(f["start"])):
        if j != i and rows[j] == rows[i] and f["start"][j] <= u < f["start"][j] + f["value"][j]:
            return None
    return (u - vs) * width / (ve - vs)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
