"""Every agent found in its default folder or its environment override, imported by
`sessionprof import` with no paths, and followed live as its files grow: Gemini CLI,
Copilot CLI, OpenCode (a database another connection writes to) and Cline."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sp_fixtures import wait_until

from sessionprof_ls.follow import TranscriptFollower
from sessionprof_ls.importers import default_transcript_folders, find_transcripts
from sessionprof_ls.importers.discovery import gemini_project_keys

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GEMINI_JSONL = next((FIXTURES / "gemini-cli" / "tmp").glob("*/chats/*.jsonl"))
COPILOT_EVENTS = next((FIXTURES / "copilot-cli" / "session-state").glob("*/events.jsonl"))
CLINE_TASK = FIXTURES / "cline" / "saoudrizwan.claude-dev" / "tasks" / "1775100000000" / "ui_messages.json"


class Cursors:
    def __init__(self):
        self.data: dict[str, dict] = {}

    def get_cursor(self, key):
        c = self.data.get(key)
        return json.loads(json.dumps(c)) if c is not None else None

    def set_cursor(self, key, cursor):
        self.data[key] = json.loads(json.dumps(cursor))


def _tokens(events, source=None):
    tot = {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}
    for e in events.values():
        t = (e.get("metadata") or {}).get("tokens")
        if e["type"] == "ai_response" and t and (source is None or e["sessionId"].startswith(source)):
            for k in tot:
                tot[k] += t[k]
    return tot


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """An empty home, every agent's folder named by its environment variable."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    dirs = {
        "gemini": tmp_path / "gemini" / "tmp",
        "copilot": tmp_path / "copilot",
        "opencode": tmp_path / "opencode",
        "kilo": tmp_path / "kilo",
    }
    monkeypatch.setenv("GEMINI_DATA_DIR", str(dirs["gemini"]))
    monkeypatch.setenv("COPILOT_HOME", str(dirs["copilot"]))
    monkeypatch.setenv("OPENCODE_DATA_DIR", str(dirs["opencode"]))
    monkeypatch.setenv("KILO_DATA_DIR", str(dirs["kilo"]))
    dirs["cline"] = home / ".config" / "Code" / "User" / "globalStorage" / "saoudrizwan.claude-dev" / "tasks"
    return dirs


def _lay_out_everything(dirs, ws: Path):
    shutil.copytree(FIXTURES / "gemini-cli" / "tmp", dirs["gemini"])
    shutil.copytree(FIXTURES / "copilot-cli", dirs["copilot"])
    dirs["opencode"].mkdir()
    shutil.copy(FIXTURES / "opencode" / "opencode.db", dirs["opencode"] / "opencode.db")
    dirs["kilo"].mkdir()
    kilo = dirs["kilo"] / "kilo.db"  # the Kilo CLI: OpenCode's schema, its own sessions
    shutil.copy(FIXTURES / "opencode" / "opencode.db", kilo)
    con = sqlite3.connect(kilo)
    with con:
        con.execute("UPDATE session SET id = id || '-kilo', parent_id = parent_id || '-kilo'")
        con.execute("UPDATE message SET session_id = session_id || '-kilo'")
        con.execute("UPDATE part SET session_id = session_id || '-kilo'")
    con.close()
    shutil.copytree(CLINE_TASK.parent, dirs["cline"] / CLINE_TASK.parent.name)


def test_default_folders_follow_the_environment(homes, tmp_path):
    assert default_transcript_folders() == []  # nothing there yet
    _lay_out_everything(homes, tmp_path)
    found = default_transcript_folders()
    assert homes["gemini"] in found and homes["copilot"] / "session-state" in found
    assert homes["opencode"] / "opencode.db" in found and homes["kilo"] / "kilo.db" in found and homes["cline"] in found
    names = [p.name for p in find_transcripts(found)]
    assert names.count("events.jsonl") == 1 and names.count("ui_messages.json") == 1 and "kilo.db" in names
    assert len([n for n in names if n.startswith("session-")]) == 5


def test_cli_import_with_no_paths_reads_every_agent_and_names_it(homes, tmp_path):
    _lay_out_everything(homes, tmp_path)
    env = dict(os.environ, SESSIONPROF_STORE=str(tmp_path / "store.db"), COLUMNS="200")
    run = subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", "import", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    sources = {s["source"] for s in json.loads(run.stdout)}
    assert sources == {"gemini-cli", "copilot-cli", "opencode", "kilo-cli", "cline"}
    table = subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", "sessions"], env=env, capture_output=True, text=True, timeout=120
    )
    for name in ("gemini-cli", "copilot-cli", "opencode", "kilo-cli", "cline"):
        assert name in table.stdout


def _wait(pred):
    return wait_until(pred, 15.0)


async def test_follower_reads_each_agent_as_it_writes(homes, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    got: dict[str, dict] = {}
    cursors = Cursors()

    def sink(events, cursor):
        got.update({e["id"]: e for e in events})
        cursors.set_cursor(*cursor)

    fol = TranscriptFollower([ws], sink, cursors, claude_config_dir=tmp_path / "claude", codex_home=tmp_path / "codex")
    fol.POLL_MISSING_S = 0.2
    stop = asyncio.Event()
    task = asyncio.create_task(fol.run(stop))
    try:
        await asyncio.sleep(0.3)
        # Gemini CLI: this workspace's project folder is the SHA-256 of its path
        project = homes["gemini"] / sorted(gemini_project_keys(ws))[0] / "chats"
        project.mkdir(parents=True)
        lines = GEMINI_JSONL.read_bytes().splitlines(keepends=True)
        (project / GEMINI_JSONL.name).write_bytes(b"".join(lines[:9]))
        assert await _wait(lambda: any(e["sessionId"].startswith("0ab84937") for e in got.values()))
        with open(project / GEMINI_JSONL.name, "ab") as fh:
            fh.writelines(lines[9:])
        # Copilot CLI: a session whose session.start names this workspace
        sess = homes["copilot"] / "session-state" / COPILOT_EVENTS.parent.name
        sess.mkdir(parents=True)
        clines = (
            COPILOT_EVENTS.read_text().replace("/home/wei/repo/VibeCodingTracker", str(ws)).splitlines(keepends=True)
        )
        (sess / "events.jsonl").write_text("".join(clines[:20]))
        assert await _wait(lambda: any(e["sessionId"].startswith("96ef38f0") for e in got.values()))
        with open(sess / "events.jsonl", "a") as fh:
            fh.writelines(clines[20:])
        # OpenCode: the database appears, then another connection adds a turn (WAL, as OpenCode writes)
        homes["opencode"].mkdir()
        db = homes["opencode"] / "opencode.db"
        shutil.copy(FIXTURES / "opencode" / "opencode.db", db)
        assert await _wait(lambda: any(e["sessionId"] == "ses_3f1a9c2e7ffeM0dQm1a2b3c4d7" for e in got.values()))
        con = sqlite3.connect(db)
        con.execute("PRAGMA journal_mode = WAL")
        asst = {
            "role": "assistant",
            "time": {"created": 1_775_000_500_000, "completed": 1_775_000_501_000},
            "parentID": "msg_c0e6d51f4001",
            "modelID": "big-pickle",
            "providerID": "opencode",
            "mode": "build",
            "agent": "build",
            "path": {"cwd": "/w", "root": "/w"},
            "cost": 0,
            "tokens": {"input": 777, "output": 11, "reasoning": 0, "cache": {"read": 0, "write": 0}},
        }
        with con:
            con.execute(
                "INSERT INTO message VALUES ('msg_live1', 'ses_3f1a9c2e7ffeM0dQm1a2b3c4d7', ?, ?, ?)",
                (1_775_000_500_000, 1_775_000_501_000, json.dumps(asst)),
            )
        assert await _wait(lambda: "resp:msg_live1" in got)
        con.close()
        # Cline: the task file is rewritten whole with more messages
        task_dir = homes["cline"] / CLINE_TASK.parent.name
        task_dir.mkdir(parents=True)
        msgs = json.loads(CLINE_TASK.read_text())
        (task_dir / "ui_messages.json").write_text(json.dumps(msgs[:10]))
        assert await _wait(lambda: any(e["sessionId"] == "1775100000000" for e in got.values()))
        (task_dir / "ui_messages.json").write_text(json.dumps(msgs))
        assert await _wait(
            lambda: sum(1 for e in got.values() if e["sessionId"] == "1775100000000" and e["type"] == "agent") == 2
        )
        # every appended part arrived: totals as a single read gives them
        from sessionprof_ls.importers import import_file

        for path, prefix in ((GEMINI_JSONL, "0ab84937"), (COPILOT_EVENTS, "96ef38f0"), (CLINE_TASK, "1775100000000")):
            whole = {e["id"]: e for e in import_file(path).events}
            assert await _wait(lambda p=prefix, w=whole: _tokens(got, p) == _tokens(w)), path
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_follower_skips_other_workspaces(homes, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    _lay_out_everything(homes, tmp_path)  # Gemini projects and the Copilot session of other folders
    cursors = Cursors()
    seen: set[str] = set()
    fol = TranscriptFollower(
        [ws],
        lambda ev, c: seen.update(e["sessionId"] for e in ev),
        cursors,
        claude_config_dir=tmp_path / "claude",
        codex_home=tmp_path / "codex",
    )
    fol.scan_once()
    assert not any(s.startswith(("0ab84937", "96ef38f0", "2d9ea14f")) for s in seen)
    assert {"ses_3f1a9c2e7ffeM0dQm1a2b3c4d5", "1775100000000"} <= seen  # databases and tasks: all followed
