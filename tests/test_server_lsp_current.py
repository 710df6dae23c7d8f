"""Which session is current (current_session.py), over real stdio with Neovim's and
VS Code's capabilities: a cold start and a restart agree, the selected one wins, a
live one beats a finished one sent later from another workspace, a session started
in a subfolder is the workspace's; a file only a recent session read gets its hint
labelled with the session's age."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from lsp_harness import EDITORS, hints, open_doc, request, start, stop
from lsprotocol import types as lsp
from sp_fixtures import FIXTURES, claude_project_name, turn_events

from sessionprof_ls import protocol as P
from sessionprof_ls.analysis.limits import LIVE_WINDOW_MS
from sessionprof_ls.current_session import LIVE_WINDOW_MS as RULE_LIVE_WINDOW_MS
from sessionprof_ls.importers import import_file

NEWER = FIXTURES / "claude-code" / "spotter-tool_heavy.jsonl"  # its last event is the latest of the two
OLDER = FIXTURES / "claude-code" / "spotter-short.jsonl"


@pytest.fixture(params=EDITORS)
def editor(request):
    return request.param


def session_of(path: Path) -> str:
    return str(import_file(path).events[0]["sessionId"])


def label_text(hint: lsp.InlayHint) -> str:
    return hint.label if isinstance(hint.label, str) else "".join(part.value for part in hint.label)


async def current_of(client) -> str | None:
    rows = await request(client, P.SESSIONS, {})
    current = [r["sessionId"] for r in rows if r["current"]]
    assert len(current) <= 1, rows
    return current[0] if current else None


async def wait_current(client, rec, want: str, what: str) -> None:
    await rec.wait(lambda: bool(rec.summaries) and rec.summaries[-1]["sessionId"] == want, what=what)
    assert await current_of(client) == want


async def ingest_current(client, rec, evs: list[dict], want: str, what: str) -> None:
    """Send `evs`, then wait until `want` is the current session."""
    client.protocol.notify(P.INGEST, {"events": evs})
    await wait_current(client, rec, want, what)


async def current_after_restart(editor, tmp_path: Path, ws: Path, want: str) -> None:
    """A new server on the same store, nothing ingested: the store's rows make `want` current."""
    client, rec = await start(editor, tmp_path, ws)
    try:
        await wait_current(client, rec, want, "restart")
    finally:
        await stop(client)


def events(session: str, workspace: str | None, t0: float, file_path: str, tokens: int = 900) -> list[dict]:
    first = {"input": 1000, "output": 100, "cacheRead": 0, "cacheWrite": 0}
    second = {"input": 200, "output": 50, "cacheRead": 1000, "cacheWrite": 0}
    return turn_events(session, workspace, t0, file_path, tokens, (first, second), title=session)


def test_the_rule_uses_the_analysis_live_window():
    assert RULE_LIVE_WINDOW_MS == LIVE_WINDOW_MS


async def test_cold_start_and_restart_pick_the_session_with_the_latest_event(editor, tmp_path):
    """Two transcripts of the workspace, the one with the older events read last: both the
    cold start and a restart (nothing new to read) pick the one with the latest event."""
    ws = tmp_path / "ws"
    ws.mkdir()
    claude = tmp_path / "claude"
    project = claude / "projects" / claude_project_name(ws)
    project.mkdir(parents=True)
    shutil.copy(NEWER, project / "a-newer.jsonl")  # the first scan reads files by name
    shutil.copy(OLDER, project / "z-older.jsonl")
    newer, older = session_of(NEWER), session_of(OLDER)
    client, rec = await start(editor, tmp_path, ws, claude_dir=claude)
    try:
        await wait_current(client, rec, newer, "cold start's summary")
        rows = await request(client, P.SESSIONS, {})
        assert {r["sessionId"] for r in rows} == {newer, older}
    finally:
        await stop(client)
    # the agent's transcripts recorded another folder as their cwd: the restart still knows them
    assert all(e["metadata"].get("workspace") != str(ws) for e in import_file(NEWER).events if e.get("metadata"))
    client, rec = await start(editor, tmp_path, ws, claude_dir=claude)
    try:
        await wait_current(client, rec, newer, "restart's summary")
        assert not [s for s in rec.summaries if s["sessionId"] == older]
    finally:
        await stop(client)


async def test_selected_session_wins_over_a_live_one(editor, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    now = time.time() * 1000
    client, rec = await start(editor, tmp_path, ws)
    try:
        await ingest_current(client, rec, events("old", str(ws), now - 5 * 3600_000, "a.py"), "old", "first session")
        await ingest_current(client, rec, events("live", str(ws), now - 60_000, "b.py"), "live", "the live session")
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=P.CMD_SELECT_SESSION, arguments=["old"])
        )
        assert (result if isinstance(result, dict) else result._asdict()) == {"sessionId": "old"}
        await wait_current(client, rec, "old", "the selected session")
        # the live one keeps growing: the selection still wins
        more = events("live", str(ws), now - 30_000, "b.py")
        for e in more:
            e["id"] += "-more"
        client.protocol.notify(P.INGEST, {"events": more})
        await rec.wait(lambda: rec.summaries[-1]["sessionId"] == "old", what="summary")
        for _ in range(10):
            assert await current_of(client) == "old"
        # one argument check for LSP and HTTP: a wrong argument is refused the same way both ways
        with pytest.raises(Exception, match="usage: sessionprof.selectSession"):
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=P.CMD_SELECT_SESSION, arguments=[7])
            )
        from test_server_lsp import http

        url, token = rec.ready["endpoint"]["url"], rec.ready["endpoint"]["token"]
        status, body = http(
            url + P.HTTP_RPC,
            b'{"method": "workspace/executeCommand", "params": {"command": "sessionprof.selectSession", '
            b'"arguments": [7]}}',
            token=token,
        )
        assert status == 400 and body["error"]["message"].startswith("usage: sessionprof.selectSession")
        with pytest.raises(Exception, match="unknown session: nope"):
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=P.CMD_SELECT_SESSION, arguments=["nope"])
            )
        assert await current_of(client) == "old"
    finally:
        await stop(client)


async def test_live_session_beats_a_finished_one_sent_later_from_another_workspace(editor, tmp_path):
    """Sent last and started last, but finished 20 minutes ago in another folder: the
    workspace's live session stays current, now and after a restart."""
    ws = tmp_path / "ws"
    ws.mkdir()
    now = time.time() * 1000
    client, rec = await start(editor, tmp_path, ws)
    try:
        client.protocol.notify(P.INGEST, {"events": events("live", str(ws), now - 3 * 3600_000, "a.py")})
        late = events("live", str(ws), now - 90_000, "a.py")
        for e in late:
            e["id"] += "-late"
        await ingest_current(client, rec, late, "live", "live session")
        finished = events("elsewhere", str(tmp_path / "other"), now - 2 * 3600_000, "x.py")
        finished[-1]["endTime"] = now - 20 * 60_000
        client.protocol.notify(P.INGEST, {"events": finished})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            rows = await request(client, P.SESSIONS, {})
            if any(r["sessionId"] == "elsewhere" for r in rows):
                break
            await asyncio.sleep(0.1)
        assert any(r["sessionId"] == "elsewhere" for r in rows)
        assert await current_of(client) == "live"
        assert all(s["sessionId"] == "live" for s in rec.summaries)
    finally:
        await stop(client)
    await current_after_restart(editor, tmp_path, ws, "live")


async def test_session_started_in_a_subfolder_is_the_workspaces_after_a_restart(editor, tmp_path):
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    now = time.time() * 1000
    client, rec = await start(editor, tmp_path, ws)
    try:
        await ingest_current(client, rec, events("root", str(ws), now - 7 * 3600_000, "a.py"), "root", "root session")
        await ingest_current(
            client, rec, events("sub", str(ws / "pkg"), now - 6 * 3600_000, "b.py"), "sub", "subfolder session"
        )
    finally:
        await stop(client)
    await current_after_restart(editor, tmp_path, ws, "sub")


async def test_file_only_a_recent_session_read_gets_its_hint_with_its_age(editor, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "old.py").write_text("import os\n")
    (ws / "new.py").write_text("x = 1\n")
    (ws / "none.py").write_text("y = 2\n")
    now = time.time() * 1000
    client, rec = await start(editor, tmp_path, ws)
    try:
        earlier = events("earlier", str(ws), now - 3 * 3600_000 - 4000, str(ws / "old.py"), tokens=4321)
        await ingest_current(client, rec, earlier, "earlier", "earlier session")
        await ingest_current(
            client, rec, events("current", str(ws), now - 60_000, str(ws / "new.py")), "current", "current session"
        )
        old_uri = open_doc(client, ws / "old.py")
        new_uri = open_doc(client, ws / "new.py")
        got: list[lsp.InlayHint] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = await hints(client, old_uri)
            if got and "from a session" in label_text(got[0]):
                break
            await asyncio.sleep(0.2)
        (hint,) = got
        assert label_text(hint).startswith("4,321 tk")
        # the age is the label's last part, after the emphasis mark (the mark is about the file)
        assert label_text(hint).endswith("▲ · from a session 3 h ago"), label_text(hint)
        assert hint.data["sessionId"] == "earlier" and 3 * 3600_000 <= hint.data["ageMs"] < 4 * 3600_000
        (own,) = await hints(client, new_uri)
        assert label_text(own).startswith("900 tk") and "from a session" not in label_text(own)
        assert own.data["sessionId"] == "current" and "ageMs" not in own.data
        assert await hints(client, open_doc(client, ws / "none.py")) == []
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=old_uri), position=lsp.Position(0, 0))
        )
        assert "did not read this file; a session 3 h ago did" in hover.contents.value
    finally:
        await stop(client)


def test_workspace_membership_by_folder_subfolder_and_symlink(tmp_path):
    from sessionprof_ls.current_session import in_workspace, pick

    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (tmp_path / "ws2").mkdir()
    link = tmp_path / "link"
    link.symlink_to(ws)
    assert in_workspace(str(ws), [str(ws)]) and in_workspace(str(ws / "sub") + "/", [str(ws)])
    assert in_workspace(str(link / "sub"), [str(ws)]) and in_workspace(str(ws), [str(link)])
    assert not in_workspace(str(tmp_path / "ws2"), [str(ws)])  # a prefix, not a subfolder
    assert not in_workspace(None, [str(ws)]) and not in_workspace(str(ws), [])
    rows = [
        {"sessionId": "a", "workspace": str(ws), "startTime": 1.0, "endTime": 5.0},
        {"sessionId": "b", "workspace": str(tmp_path / "ws2"), "startTime": 2.0, "endTime": 9.0},
        {"sessionId": "c", "workspace": None, "startTime": 3.0, "endTime": None},
    ]
    assert pick(rows, [str(ws)], now_ms=1e13) == "a"
    assert pick(rows, None, now_ms=1e13) == "b"  # no folder (the CLI): the latest event of all
    assert pick(rows, [str(ws)], arrived={"c": 1.0}, now_ms=1e13) == "a"  # arrived long ago, older events
    assert pick(rows, [str(ws)], arrived={"c": 1e13 / 1000}, now_ms=1e13) == "c"  # arriving now: live
    assert pick(rows, [str(ws)], selected="b", now_ms=1e13) == "b"
    assert pick(rows, [str(ws)], followed={"b"}, now_ms=1e13) == "b"
