"""The real server over stdio (Neovim's and VS Code's capabilities) follows the new
agents' sessions of its workspace: a Copilot CLI session gives the summary with
ccusage's totals and a hint on the file it read; a Gemini CLI session (its project
folder named by the workspace's hash) is followed as it grows."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from lsp_harness import EDITORS, hints, open_doc, start, stop

from sessionprof_ls.importers import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COPILOT_EVENTS = next((FIXTURES / "copilot-cli" / "session-state").glob("*/events.jsonl"))
GEMINI_JSONL = next((FIXTURES / "gemini-cli" / "tmp").glob("*/chats/*.jsonl"))


@pytest.mark.parametrize("editor", EDITORS)
async def test_server_follows_copilot_and_gemini(editor, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "Cargo.toml").write_text('[package]\nname = "vibe"\n')
    copilot = tmp_path / "copilot"
    gemini = tmp_path / "gemini"
    monkeypatch.setenv("COPILOT_HOME", str(copilot))
    monkeypatch.setenv("GEMINI_DATA_DIR", str(gemini))
    for var in ("OPENCODE_DATA_DIR", "KILO_DATA_DIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    sess = copilot / "session-state" / COPILOT_EVENTS.parent.name
    sess.mkdir(parents=True)
    (sess / "events.jsonl").write_text(COPILOT_EVENTS.read_text().replace("/home/wei/repo/VibeCodingTracker", str(ws)))
    client, rec = await start(editor, tmp_path, ws)
    try:
        await rec.wait(
            lambda: any(s["sessionId"].startswith("96ef38f0") for s in rec.summaries), what="copilot summary"
        )
        s = [x for x in rec.summaries if x["sessionId"].startswith("96ef38f0")][-1]
        assert (s["inputTokens"], s["outputTokens"], s["cacheReadTokens"]) == (35_071, 2_848, 151_738)
        assert s["source"] == "copilot-cli"
        uri = open_doc(client, ws / "Cargo.toml")
        got = []
        for _ in range(40):  # the editor index is rebuilt at most once a second
            got = await hints(client, uri)
            if got:
                break
            await asyncio.sleep(0.25)
        assert len(got) == 1  # the file Copilot viewed, in the workspace
        label = got[0].label if isinstance(got[0].label, str) else "".join(p.value for p in got[0].label)
        assert label.startswith("645 tk")  # its content's tokens
        # a Gemini CLI session of this workspace starts, then grows
        chats = gemini / hashlib.sha256(str(ws).encode()).hexdigest() / "chats"
        chats.mkdir(parents=True)
        lines = GEMINI_JSONL.read_bytes().splitlines(keepends=True)
        (chats / GEMINI_JSONL.name).write_bytes(b"".join(lines[:9]))
        await rec.wait(lambda: any(x["sessionId"].startswith("0ab84937") for x in rec.summaries), what="gemini")
        with open(chats / GEMINI_JSONL.name, "ab") as fh:
            fh.writelines(lines[9:])
        whole = import_file(GEMINI_JSONL).events
        want = sum(
            e["metadata"]["tokens"]["input"]
            for e in {x["id"]: x for x in whole}.values()
            if e["type"] == "ai_response" and "tokens" in e.get("metadata", {})
        )
        await rec.wait(
            lambda: any(x["sessionId"].startswith("0ab84937") and x["inputTokens"] == want for x in rec.summaries),
            what="the whole gemini session",
        )
        assert want == 153_635  # ccusage's reference
    finally:
        await stop(client)
