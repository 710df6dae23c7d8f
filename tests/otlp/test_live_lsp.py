"""The server forwards live over OTLP when `sessionprof.otlp` is set, under a real
Neovim's and VS Code's capabilities (initializationOptions for one, the pulled
workspace/configuration for the other); turning it off stops it; a bad value is one
warning. The collector is a protobuf-decoding stand-in that counts every span."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import EDITORS, start, stop
from lsprotocol import types as lsp
from sp_fixtures import FIXTURES, SpanSink

from sessionprof_ls import protocol as P
from sessionprof_ls.importers import import_file


class Collector(SpanSink):
    """Keeps each span's name, event id and the x-team header it came with."""

    def __init__(self):
        self.spans: list[dict] = []
        super().__init__()

    def received(self, req, headers, nbytes):
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for sp in ss.spans:
                    attrs = {kv.key: kv.value.string_value for kv in sp.attributes}
                    self.spans.append(
                        {"name": sp.name, "event": attrs.get("sessionprof.event_id"), "auth": headers.get("x-team")}
                    )


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
        # a later session (the current-session rule follows the latest event), so its summary comes
        day = 86_400_000.0
        more = [
            dict(e, id=e["id"] + "-2", sessionId="other", startTime=e["startTime"] + day)
            | ({"endTime": e["endTime"] + day} if e.get("endTime") is not None else {})
            for e in events[:5]
        ]
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
