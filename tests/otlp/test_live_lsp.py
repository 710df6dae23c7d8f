"""The server forwards live over OTLP when `sessionprof.otlp` is set, under a real
Neovim's and VS Code's capabilities (initializationOptions for one, the pulled
workspace/configuration for the other); turning it off stops it; a bad value is one
warning. The collector is a protobuf-decoding stand-in that counts every span."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lsp_harness import EDITORS, start, stop
from lsprotocol import types as lsp
from sp_fixtures import FIXTURES

from sessionprof_ls import protocol as P
from sessionprof_ls.importers import import_file


class Collector:
    def __init__(self):
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        self.spans: list[dict] = []
        col = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                req = ExportTraceServiceRequest()
                req.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
                for rs in req.resource_spans:
                    for ss in rs.scope_spans:
                        for sp in ss.spans:
                            attrs = {kv.key: kv.value.string_value for kv in sp.attributes}
                            col.spans.append(
                                {
                                    "name": sp.name,
                                    "event": attrs.get("sessionprof.event_id"),
                                    "auth": self.headers.get("x-team"),
                                }
                            )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def change(client, editor: str, settings: dict) -> None:
    """A settings change as each editor makes it: VS Code's is pulled (workspace/configuration)."""
    if editor != "neovim":
        client.set_configuration({"sessionprof": settings})
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"sessionprof": settings}))


async def _until(predicate, timeout=30.0):
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("editor", EDITORS)
async def test_live_forwarding_follows_the_setting(editor, tmp_path):
    col = Collector()
    ws = tmp_path / "ws"
    ws.mkdir()
    otlp = {"otlp": {"endpoint": col.url, "headers": {"x-team": "t1"}}}
    if editor == "neovim":
        client, rec = await start(editor, tmp_path, ws, settings=otlp)
    else:
        client, rec = await start(editor, tmp_path, ws, configuration={"sessionprof": otlp})
    try:
        events = import_file(FIXTURES / "claude-code/agentlogs-crud.jsonl").events
        client.protocol.notify(P.INGEST, {"events": events[:12]})
        client.protocol.notify(P.INGEST, {"events": events[12:]})
        want = {e["id"] for e in events}
        await _until(lambda: {s["event"] for s in col.spans if s["event"]} >= want)
        got = [s["event"] for s in col.spans if s["event"]]
        assert sorted(got) == sorted(want)  # each event span once
        assert {s["auth"] for s in col.spans} == {"t1"}
        assert any(s["name"].startswith("chat ") for s in col.spans)
        # off: nothing more leaves the machine
        change(client, editor, {"otlp": {"endpoint": ""}})
        await asyncio.sleep(0.5)
        before = len(col.spans)
        more = [dict(e, id=e["id"] + "-2", sessionId="other") for e in events[:5]]
        client.protocol.notify(P.INGEST, {"events": more})
        await rec.wait(lambda: any(s.get("sessionId") == "other" for s in rec.summaries), what="the new session")
        await asyncio.sleep(1.5)
        assert len(col.spans) == before
        # a bad value: one warning naming it, the server keeps going
        change(client, editor, {"otlp": {"endpoint": "collector:4318"}})
        await _until(lambda: any("sessionprof.otlp.endpoint" in m.message for m in client.messages), timeout=10)
        assert sum("sessionprof.otlp.endpoint" in m.message for m in client.messages) == 1
    finally:
        await stop(client)
