"""Issue 19 item 1: the browser holds no ambient credential.

The web UI is opened the way the editors open it (`/?sessionId=..#token=..`) in a real
Chromium; then a page served by another local process (another loopback port, and
`localhost`) tries everything a page can: no-cors text/plain posts, credentialed
fetches, a form post, reading its own storage and cookies, reading the UI's window.
None of it reads the token or gets an authenticated request through. Also: Host and
Origin checks (DNS rebinding), /v1/rpc only as application/json."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from relutil import T0, http, start_quiet_server, store_event_ids
from sp_fixtures import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_quiet_server(tmp_path_factory.mktemp("browser-auth"))
    events = [
        {
            "sessionId": "real",
            "id": f"e{i}",
            "type": "tool_execution",
            "name": f"Bash {i}",
            "startTime": T0 + i * 100,
            "endTime": T0 + i * 100 + 50,
            "metadata": {"toolName": "Bash"},
        }
        for i in range(5)
    ]
    assert http(srv.url, "/v1/events", orjson.dumps(events), token=srv.token)[0] == 200
    yield srv
    srv.stop()


def test_host_and_origin_are_checked(server):
    ok = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    body = b'{"method": "sessionprof/sessions"}'
    port = server.url.rsplit(":", 1)[1]
    assert http(server.url, "/v1/rpc", body, headers=ok)[0] == 200
    assert http(server.url, "/v1/rpc", body, headers=dict(ok, Host=f"localhost:{port}"))[0] == 200
    for host in (
        "evil.example",
        f"evil.example:{port}",
        "127.0.0.1",
        f"127.0.0.1:{int(port) + 1}",
        "",
        f"127.0.0.2:{port}",
        f"0.0.0.0:{port}",
    ):
        for method, path in (("POST", "/v1/rpc"), ("GET", "/"), ("GET", "/static/app.js"), ("POST", "/v1/events")):
            status, _, text = http(
                server.url, path, body if method == "POST" else None, method=method, headers=dict(ok, Host=host)
            )
            assert status == 403 and b"Host" in text, (host, path, status)
    for origin in (
        "http://127.0.0.1:1",
        "http://evil.example",
        "null",
        f"https://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}.evil.example",
    ):
        status, _, text = http(server.url, "/v1/rpc", body, headers=dict(ok, Origin=origin))
        assert status == 403 and b"Origin" in text, (origin, status)
    assert http(server.url, "/v1/rpc", body, headers=dict(ok, Origin=f"http://127.0.0.1:{port}"))[0] == 200
    # /v1/rpc: application/json only (a simple request type never reaches a handler)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        status, _, _ = http(server.url, "/v1/rpc", body, headers=dict(ok, **{"Content-Type": ctype}))
        assert status == 415, (ctype, status)


ATTACK_JS = r"""
async (target) => {
  const out = {tries: [], storage: "", cookie: document.cookie};
  const exportBody = JSON.stringify({method: "workspace/executeCommand",
      params: {command: "sessionprof.export", arguments: ["real", "json"]}});
  const event = JSON.stringify([{sessionId: "pwned", id: "x", type: "agent", name: "x", startTime: 1760000000000}]);
  const tries = [
    ["rpc no-cors text/plain", target + "/v1/rpc", {method: "POST", mode: "no-cors", credentials: "include",
        headers: {"Content-Type": "text/plain"}, body: exportBody}],
    ["events no-cors text/plain", target + "/v1/events", {method: "POST", mode: "no-cors", credentials: "include",
        headers: {"Content-Type": "text/plain"}, body: event}],
    ["rpc cors json", target + "/v1/rpc", {method: "POST", credentials: "include",
        headers: {"Content-Type": "application/json"}, body: exportBody}],
    ["sessions cors", target + "/v1/rpc", {method: "POST", credentials: "include",
        headers: {"Content-Type": "application/json"}, body: '{"method":"sessionprof/sessions"}'}],
    ["page read", target + "/", {credentials: "include"}],
    ["stream read", target + "/v1/stream", {credentials: "include"}],
  ];
  for (const [name, url, init] of tries) {
    try {
      const r = await fetch(url, init);
      let text = "";
      try { text = await r.text(); } catch (e) { text = "unreadable"; }
      out.tries.push([name, r.type, r.status, text.slice(0, 300)]);
    } catch (e) {
      out.tries.push([name, "error", 0, String(e)]);
    }
  }
  // a form post (navigation, text/plain, cookies of the target included if there were any)
  const frame = document.createElement("iframe");
  frame.name = "sink";
  document.body.appendChild(frame);
  const form = document.createElement("form");
  form.method = "POST"; form.action = target + "/v1/events"; form.enctype = "text/plain"; form.target = "sink";
  const input = document.createElement("input");
  input.name = event.slice(0, -2); input.value = '"}]';
  form.appendChild(input); document.body.appendChild(form); form.submit();
  await new Promise((r) => setTimeout(r, 1000));
  // the UI's own window: another origin, so its storage and URL cannot be read
  const w = window.open(target + "/", "ui");
  await new Promise((r) => setTimeout(r, 1500));
  try { out.uiStorage = JSON.stringify(w.sessionStorage); } catch (e) { out.uiStorage = "blocked: " + e.name; }
  try { out.uiHref = w.location.href; } catch (e) { out.uiHref = "blocked: " + e.name; }
  out.storage = JSON.stringify(sessionStorage) + JSON.stringify(localStorage);
  return out;
}
"""


class _Attacker(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"<!doctype html><title>other local server</title><body>hello</body>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_page_on_another_loopback_port_gets_nothing(server):
    from playwright.sync_api import sync_playwright

    attacker = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    export_dir = server.ws / ".sessionprof"
    before = set(export_dir.iterdir()) if export_dir.exists() else set()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                ctx = browser.new_context()
                ui = ctx.new_page()
                ui.goto(f"{server.url}/?sessionId=real#token={server.token}")
                deadline = time.monotonic() + 30
                while not ui.evaluate("window.__sessionprof && window.__sessionprof.frameCount() > 0"):
                    assert time.monotonic() < deadline, "the UI did not load its data with the fragment token"
                    ui.wait_for_timeout(50)
                # the token left the address bar and the history entry; it is in this tab's sessionStorage
                assert server.token not in ui.url and "token" not in ui.url, ui.url
                assert ui.evaluate("sessionStorage.getItem('sessionprof.token')") == server.token
                ui.reload()  # a reload still works from sessionStorage
                deadline = time.monotonic() + 30
                while not ui.evaluate("window.__sessionprof && window.__sessionprof.frameCount() > 0"):
                    assert time.monotonic() < deadline, "the UI did not reload"
                    ui.wait_for_timeout(50)
                assert ctx.cookies() == [], "no cookie at all"
                port = attacker.server_address[1]
                for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
                    evil = ctx.new_page()
                    evil.goto(origin + "/")
                    out = evil.evaluate(ATTACK_JS, server.url)
                    text = json.dumps(out)
                    assert server.token not in text, "the attacker page read the token"
                    for name, kind, status, body in out["tries"]:
                        # an opaque answer (status 0) or a refusal; never a readable 200
                        assert kind in ("opaque", "error") or status in (401, 403, 415), (name, kind, status, body)
                        assert not (kind != "opaque" and status == 200), (name, status, body)
                    assert out["uiStorage"].startswith("blocked"), out["uiStorage"]
                    assert out["uiHref"].startswith("blocked"), out["uiHref"]
                    evil.close()
            finally:
                browser.close()
    finally:
        attacker.shutdown()
    # nothing the attacker sent was stored, no export was written
    assert all(sid != "pwned" for sid, _ in store_event_ids(server.store))
    after = set(export_dir.iterdir()) if export_dir.exists() else set()
    assert after == before, f"an export ran: {after - before}"
