"""The real server over stdio, driven by pytest-lsp with Neovim's and VS Code's
capabilities: events in over LSP, HTTP and followed transcripts; the summary
notification, inlay hints, code lenses, commands and configuration out."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lsp_harness import EDITORS, hints, lenses, open_doc, request, start, stop
from lsprotocol import types as lsp
from sp_fixtures import FIXTURES, make_fixture_workspace

from sessionprof_ls import protocol as P
from sessionprof_ls.analysis import fmt_ms, time_parts
from sessionprof_ls.models import FlameGraph, PerformanceData, SessionInfo, Summary

T0 = 1_760_000_000_000


def http(
    url: str,
    body: bytes | None = None,
    token: str | None = None,
    content_type: str = "application/json",
    method: str | None = None,
) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"))
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def synthetic_events(session: str, file_path: str) -> list[dict]:
    return [
        {
            "sessionId": session,
            "id": "r1",
            "type": "ai_response",
            "name": "Response #1",
            "startTime": T0,
            "endTime": T0 + 4000,
            "metadata": {
                "model": "claude-sonnet-4-5-20250929",
                "sessionTitle": "HTTP session",
                "tokens": {"input": 1200, "output": 300, "cacheRead": 0, "cacheWrite": 0},
            },
        },
        {
            "sessionId": session,
            "id": "t1",
            "type": "tool_execution",
            "name": "read_file",
            "startTime": T0 + 4000,
            "endTime": T0 + 10_500,
            "metadata": {"toolName": "read_file", "filePath": file_path, "startLine": 3},
        },
        {
            "sessionId": session,
            "id": "f1",
            "parentId": "t1",
            "type": "file_read",
            "name": "app.py",
            "startTime": T0 + 4000,
            "endTime": T0 + 10_500,
            "metadata": {"filePath": file_path, "fileTokens": 1234},
        },
        {
            "sessionId": session,
            "id": "r2",
            "type": "ai_response",
            "name": "Response #2",
            "startTime": T0 + 10_500,
            "endTime": T0 + 12_000,
            "metadata": {
                "model": "claude-sonnet-4-5-20250929",
                "tokens": {"input": 50, "output": 80, "cacheRead": 2400, "cacheWrite": 0},
            },
        },
    ]


def label_text(hint: lsp.InlayHint) -> str:
    """The hint's label: a string, or label parts (the file's figures, then its emphasis mark)."""
    return hint.label if isinstance(hint.label, str) else "".join(part.value for part in hint.label)


@pytest.fixture(params=EDITORS)
def editor(request):
    return request.param


async def test_transcript_session_gives_summary_hint_and_lens(editor, tmp_path):
    """A real Claude Code transcript of the workspace, followed: summary, hint, lens."""
    fw = make_fixture_workspace(tmp_path)
    client, rec = await start(
        editor, tmp_path, fw.root, claude_dir=fw.claude_dir, codex_dir=fw.codex_dir, settings={"slowThresholdMs": 1}
    )
    try:
        await rec.wait(lambda: any(s["sessionId"] == fw.session_id for s in rec.summaries), what="summary")
        summary = rec.summaries[-1]
        Summary.model_validate(summary)
        # the reference totals of the fixture (shared/fixtures/README.md, ccusage 20)
        assert (
            summary["inputTokens"],
            summary["outputTokens"],
            summary["cacheWriteTokens"],
            summary["cacheReadTokens"],
        ) == (1576, 1586, 25842, 427286)
        assert summary["totalTokens"] == 1576 + 1586 + 25842 + 427286
        # the first import of the workspace's transcripts reported $/progress
        (reports,) = [r for tok, r in client.progress_reports.items() if str(tok).startswith("sessionprof-import")]
        assert [type(r).__name__ for r in reports] == [
            "WorkDoneProgressBegin",
            "WorkDoneProgressReport",
            "WorkDoneProgressEnd",
        ]
        assert reports[1].message == f"1/1 {fw.transcript.name}"

        perf = await request(client, P.PERFORMANCE, {"includeEvents": False})
        rows = {r["filePath"]: r for r in perf["tokensByFile"]}
        rel, info = max(fw.files.items(), key=lambda kv: kv[1]["tokens"])
        row = next(r for p, r in rows.items() if p.endswith("/" + rel))
        uri = open_doc(client, fw.root / rel)
        got = await hints(client, uri)
        assert len(got) == 1
        assert label_text(got[0]).startswith(f"{info['tokens']:,} tk · {row['shareOfInput']:.1f}% of input")
        first_line = (fw.root / rel).read_text().splitlines()[0]
        assert got[0].position == lsp.Position(0, len(first_line))

        # with a 1 ms threshold every tool call on the file is "slow": one lens each
        got_lenses = await lenses(client, uri)
        assert got_lenses, "no code lens on a file the session read"
        for lens in got_lenses:
            assert lens.command.command == P.CMD_SHOW_EVENT
            sid, eid = lens.command.arguments
            assert sid == fw.session_id
            ev = await request(client, P.EVENT, {"sessionId": sid, "eventId": eid})
            assert lens.command.title.startswith(ev["metadata"].get("toolName", ev["name"]))
            assert fmt_ms(ev["duration"]) in lens.command.title
    finally:
        await stop(client)


async def test_http_and_lsp_ingest(editor, tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("import os\nprint(1)\nprint(2)\nprint(3)\n")
    client, rec = await start(editor, tmp_path, ws)
    try:
        url, token = rec.ready["endpoint"]["url"], rec.ready["endpoint"]["token"]
        assert url.startswith("http://127.0.0.1:")
        events = synthetic_events("http-1", "src/app.py")

        # a wrong or missing token changes nothing
        assert http(url + P.HTTP_EVENTS, json.dumps(events).encode(), token="wrong")[0] == 401
        assert http(url + P.HTTP_EVENTS, json.dumps(events).encode())[0] == 401
        assert http(url + P.HTTP_RPC, b'{"method": "sessionprof/sessions"}')[0] == 401
        # a malformed body: 400 with the reason
        status, body = http(url + P.HTTP_EVENTS, b'[{"sessionId": "x",', token=token)
        assert status == 400 and "malformed JSON" in body["error"]
        # one bad event is rejected by index, the rest kept
        bad = {"sessionId": "http-1", "id": "bad", "type": "tool_execution", "name": 7, "startTime": T0}
        status, body = http(
            url + P.HTTP_EVENTS, json.dumps({"events": events[:2] + [bad] + events[2:]}).encode(), token=token
        )
        assert status == 200
        assert body["accepted"] == 4
        assert body["rejected"] == [{"index": 2, "error": "Expected `str`, got `int` - at `name`"}]
        await rec.wait(
            lambda: any(s["sessionId"] == "http-1" and s["eventCount"] == 4 for s in rec.summaries),
            what="summary after HTTP",
        )
        s = rec.summaries[-1]
        assert s["title"] == "HTTP session"
        assert s["totalTokens"] == 1200 + 300 + 50 + 80 + 2400
        assert s["totalDuration"] == 12_000
        assert time_parts(s) == pytest.approx(12_000)  # every bucket, idle included (null: not recorded)
        assert s["toolCallCount"] == 1 and s["messageCount"] == 2

        uri = open_doc(client, ws / "src" / "app.py")
        await rec.wait(lambda: rec.hint_refreshes > 0 and rec.lens_refreshes > 0, what="refresh requests")
        got = await hints(client, uri)
        assert [label_text(h).split(" · ")[0] for h in got] == ["1,234 tk"]
        got_lenses = await lenses(client, uri)
        assert [(lz.range.start.line, lz.command.title) for lz in got_lenses] == [
            (2, "read_file: src/app.py 6.5s · slowest #1")
        ]
        assert list(got_lenses[0].command.arguments) == ["http-1", "t1"]

        # over LSP: a newer session becomes the current one
        client.protocol.notify(
            P.INGEST,
            {
                "events": [
                    {
                        "sessionId": "lsp-1",
                        "id": "a",
                        "type": "ai_response",
                        "name": "hello",
                        "startTime": T0 + 60_000,
                        "endTime": T0 + 61_000,
                        "metadata": {"model": "not-a-real-model-xyz", "tokens": {"input": 5, "output": 7}},
                    },
                    {"sessionId": "lsp-1", "id": "b", "type": "no_such_type", "name": "x", "startTime": T0},
                ]
            },
        )
        await rec.wait(lambda: rec.summaries and rec.summaries[-1]["sessionId"] == "lsp-1", what="LSP summary")
        s = rec.summaries[-1]
        assert s["totalTokens"] == 12 and s["eventCount"] == 1
        assert s["totalCost"] is None and s["unpricedModels"] == ["not-a-real-model-xyz"]

        sessions = await request(client, P.SESSIONS, {})
        assert [r["sessionId"] for r in sessions][:2] == ["lsp-1", "http-1"]
        for r in sessions:
            SessionInfo.model_validate(r)
        # the same over HTTP /v1/rpc, as the browser page asks
        status, body = http(
            url + P.HTTP_RPC,
            json.dumps(
                {"method": P.FLAME_GRAPH, "params": {"sessionId": "http-1", "view": "aggregate", "weight": "time"}}
            ).encode(),
            token=token,
        )
        assert status == 200
        fg = FlameGraph.model_validate(body["result"])
        assert fg.frames.count[0] == 1 and fg.total >= 12_000
    finally:
        await stop(client)


async def test_apply_suggestion_edits_instruction_file(editor, tmp_path):
    fw = make_fixture_workspace(tmp_path)
    (fw.root / "CLAUDE.md").write_text("# Project notes\n\nUse mix.\n")
    client, rec = await start(editor, tmp_path, fw.root, claude_dir=fw.claude_dir, codex_dir=fw.codex_dir)
    try:
        await rec.wait(lambda: rec.summaries, what="summary")
        perf = await request(client, P.PERFORMANCE, {"sessionId": fw.session_id, "includeEvents": False})
        PerformanceData.model_validate(perf)
        suggestion = next(s for s in perf["suggestions"] if s["kind"] == "new_session")  # guidance only
        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=P.CMD_APPLY_SUGGESTION, arguments=[fw.session_id, suggestion["id"]])
        )
        result = result if isinstance(result, dict) else result._asdict()
        if editor == "neovim":  # issue 14: Neovim would apply unseen; its plugin previews instead
            assert result["applied"] is False and ":SessionProf apply" in result["message"], result
            assert not rec.edits and (fw.root / "CLAUDE.md").read_text() == "# Project notes\n\nUse mix.\n"
            return
        assert result["applied"] is True, result
        assert "CLAUDE.md" in result["message"]
        edit = rec.edits[-1].edit
        changes = edit.document_changes
        assert len(changes) == 1
        doc_edit = changes[0]
        assert doc_edit.text_document.uri == (fw.root / "CLAUDE.md").as_uri()
        (text_edit,) = doc_edit.edits
        assert rec.edits[-1].label == f"sessionprof: {suggestion['title']}"
        # appended at the end of the file, so the user's text is untouched
        assert text_edit.range.start == lsp.Position(3, 0)
        assert "## Guidance from sessionprof" in text_edit.new_text
        assert suggestion["guidance"] in text_edit.new_text
        # the file on disk is the editor's to change: the server never writes it
        assert (fw.root / "CLAUDE.md").read_text() == "# Project notes\n\nUse mix.\n"

        bad = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=P.CMD_APPLY_SUGGESTION, arguments=[fw.session_id, "no-such-suggestion"])
        )
        bad = bad if isinstance(bad, dict) else bad._asdict()
        assert bad["applied"] is False and "no-such-suggestion" in bad["message"]
    finally:
        await stop(client)


async def test_appended_transcript_updates_hints(editor, tmp_path):
    """The transcript grows while the server runs: the hint appears when its read arrives."""
    fw = make_fixture_workspace(tmp_path, follow=False)
    src = FIXTURES / "claude-code" / "spotter-subagent.jsonl"
    lines = src.read_bytes().splitlines(keepends=True)
    rel, info = max(fw.files.items(), key=lambda kv: kv[1]["tokens"])
    # everything before the first line that names the file goes in first
    cut = next(i for i, line in enumerate(lines) if rel.encode() in line)
    fw.transcript.write_bytes(b"".join(lines[:cut]))
    client, rec = await start(editor, tmp_path, fw.root, claude_dir=fw.claude_dir, codex_dir=fw.codex_dir)
    try:
        await rec.wait(lambda: rec.summaries, what="first summary")
        uri = open_doc(client, fw.root / rel)
        assert await hints(client, uri) == []
        before = rec.hint_refreshes
        with fw.transcript.open("ab") as f:
            f.write(b"".join(lines[cut:]))
        # each refresh the server asks for, the client re-requests hints (as editors do),
        # until the one that carries the appended read
        got = []
        deadline = time.monotonic() + 30
        while not got and time.monotonic() < deadline:
            seen = rec.hint_refreshes
            await rec.wait(lambda seen=seen: rec.hint_refreshes > seen, timeout=30, what="hint refresh after append")
            got = await hints(client, uri)
        assert rec.hint_refreshes > before
        assert len(got) == 1 and label_text(got[0]).startswith(f"{info['tokens']:,} tk")
        assert rec.summaries[-1]["totalTokens"] == 1576 + 1586 + 25842 + 427286
    finally:
        await stop(client)


async def test_configuration_turns_features_off(editor, tmp_path):
    """initializationOptions first, then workspace/configuration, re-read on change."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "app.py").write_text("x = 1\n")
    client, rec = await start(
        editor, tmp_path, ws, settings={"slowThresholdMs": 100_000}, configuration={"sessionprof": {"codeLens": True}}
    )
    try:
        client.protocol.notify(P.INGEST, {"events": synthetic_events("cfg", "app.py")})
        await rec.wait(lambda: rec.summaries, what="summary")
        uri = open_doc(client, ws / "app.py")
        await rec.wait(lambda: rec.hint_refreshes, what="refresh")
        assert len(await lenses(client, uri)) == 1  # among the slowest, though under the threshold
        assert len(await hints(client, uri)) == 1
        client.set_configuration({"sessionprof": {"inlayHints": False, "codeLens": False}})
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (await hints(client, uri) or await lenses(client, uri)):
            await asyncio.sleep(0.1)
        assert await hints(client, uri) == [] and await lenses(client, uri) == []
    finally:
        await stop(client)


async def test_export_command_writes_inside_workspace(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    client, rec = await start("visual_studio_code", tmp_path, ws)
    try:
        client.protocol.notify(P.INGEST, {"events": synthetic_events("exp", "a.py")})
        await rec.wait(lambda: rec.summaries, what="summary")
        for fmt in P.EXPORT_FORMATS:
            res = await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=P.CMD_EXPORT, arguments=["exp", fmt])
            )
            res = res if isinstance(res, dict) else res._asdict()
            path = Path(res["path"])
            assert path.is_relative_to(ws) and path.stat().st_size == res["bytes"] > 0
            json.loads(path.read_text())
        shutil.rmtree(ws / ".sessionprof")
        # the command is reachable over HTTP too: a path outside the workspace is refused
        outside = tmp_path / "outside.json"
        with pytest.raises(Exception, match="outside the workspace"):
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=P.CMD_EXPORT, arguments=["exp", "json", "../outside.json"])
            )
        assert not outside.exists()
        inside = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=P.CMD_EXPORT, arguments=["exp", "json", "out/x.json"])
        )
        assert (ws / "out" / "x.json").exists()
        assert (inside if isinstance(inside, dict) else inside._asdict())["path"] == str(ws / "out" / "x.json")
    finally:
        await stop(client)
