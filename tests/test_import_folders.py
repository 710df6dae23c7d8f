"""A folder a tool read (a Read of the workspace that failed with EISDIR, Copilot's `view`
of a directory) is not a file: no file_read span, so no row in the file table (`sessionprof
report`, the web Tokens tab) and no file hint. Checked on the real fixtures where it happened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionprof_ls.importers import find_transcripts, import_file
from sessionprof_ls.importers.common import is_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SPOTTER = FIXTURES / "claude-code" / "spotter-subagent.jsonl"
COPILOT = FIXTURES / "copilot-cli"


def _reads(events):
    return [e for e in events if e["type"] in ("file_read", "file_write")]


def test_read_of_the_workspace_folder_is_no_file_row(tmp_path):
    from sessionprof_ls.engine import Engine

    res = import_file(SPOTTER)
    workspace = "/home/marco/projects/spotter"
    # the transcript has a subagent's Read of the workspace itself, answered with EISDIR
    tool = [e for e in res.events if e["type"] == "tool_execution" and e["metadata"].get("filePath") == workspace]
    assert len(tool) == 1 and tool[0]["metadata"]["status"] == "error"
    assert [e for e in _reads(res.events) if e["metadata"]["filePath"] == workspace] == []
    engine = Engine(tmp_path / "s.db")
    (sid,) = engine.ingest(res.events)["sessions"]
    rows = {r["filePath"]: r for r in engine.performance(sid)["tokensByFile"]}
    assert workspace not in rows
    assert sorted(p.removeprefix(workspace + "/") for p in rows) == [
        ".beads/issues.jsonl",
        "config/config.exs",
        "mix.exs",
    ]
    assert all(r["tokens"] > 0 for r in rows.values())


@pytest.mark.parametrize(
    "name",
    [
        "session-state/96ef38f0-9d09-45c3-8124-6448c36090ed/events.jsonl",
        "history-session-state/session_06141331-92e8-4e9e-8bbb-9b7a729eb01a.json",
    ],
)
def test_copilot_view_of_a_folder_is_no_file_read(name):
    path = COPILOT / name
    assert path in find_transcripts([COPILOT])
    events = import_file(path).events
    views = [e for e in events if e["type"] == "tool_execution" and (e["metadata"].get("args") or {}).get("path")]
    folders = {
        e["metadata"]["args"]["path"]
        for e in views
        if any(o["metadata"]["args"]["path"].startswith(e["metadata"]["args"]["path"] + "/") for o in views)
    }
    assert folders, "the fixture views a folder"  # e.g. /home/wei/repo/VibeCodingTracker
    paths = {e["metadata"]["filePath"] for e in _reads(events)}
    assert paths and not (paths & folders)
    # files under those folders are still reads
    assert any(p.startswith(f + "/") for p in paths for f in folders)


@pytest.mark.parametrize(
    "path,workspace,folder",
    [
        ("/w/p", "/w/p", True),
        ("/w/p/", "/w/p", True),
        ("/w/p", "/w/p/", True),
        (".", None, True),
        ("src/", None, True),
        ("/", None, True),
        ("/w/p/mix.exs", "/w/p", False),
        ("/w/pp", "/w/p", False),
        ("mix.exs", None, False),
    ],
)
def test_is_folder(path, workspace, folder):
    assert is_folder(path, workspace) is folder


def test_codex_cat_of_a_folder_is_no_file_read(tmp_path):
    """A Codex shell command that 'reads' a folder (cat of the workspace, a failed cat of a
    directory) gives no file_read; a cat of a file still does."""
    head = {"timestamp": "2026-01-01T00:00:00Z", "type": "session_meta", "payload": {"id": "s", "cwd": "/w/p"}}
    lines = [head]
    for i, (cmd, out, code) in enumerate(
        [("cat /w/p", "", 0), ("cat src", "cat: src: Is a directory", 1), ("cat src/app.py", "print(1)", 0)]
    ):
        ts = f"2026-01-01T00:00:{i * 2 + 1:02d}Z"
        done = f"2026-01-01T00:00:{i * 2 + 2:02d}Z"
        call = {"type": "function_call", "name": "shell", "call_id": f"c{i}", "arguments": json.dumps({"command": cmd})}
        text = f"Process exited with code {code}\nOutput:\n{out}"
        output = {"type": "function_call_output", "call_id": f"c{i}", "output": text}
        lines += [
            {"timestamp": ts, "type": "response_item", "payload": call},
            {"timestamp": done, "type": "response_item", "payload": output},
        ]
    path = tmp_path / "rollout-2026-01-01T00-00-00-s.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    events = import_file(path).events
    assert [e["metadata"]["filePath"] for e in _reads(events)] == ["src/app.py"]


def test_gemini_read_many_files_of_folders_and_globs_reads_only_files(tmp_path):
    """Gemini's read_many_files takes files, folders and glob patterns: only the files are reads
    (the workspace, /w/p, from the `.project_root` Gemini CLI writes beside `chats/`)."""
    (tmp_path / "chats").mkdir()
    (tmp_path / ".project_root").write_text("/w/p\n")
    chat = tmp_path / "chats" / "session-x.jsonl"
    call = {
        "id": "c1",
        "name": "read_many_files",
        "args": {"paths": ["src/", "**/*.py", "README.md", "/w/p"]},
        "status": "success",
        "timestamp": "2026-01-01T00:00:03Z",
    }
    recs = [
        {"sessionId": "g1", "projectHash": "h", "startTime": "2026-01-01T00:00:00Z"},
        {"id": "u1", "type": "user", "timestamp": "2026-01-01T00:00:01Z", "content": "read"},
        {"id": "m1", "type": "gemini", "timestamp": "2026-01-01T00:00:02Z", "content": "ok", "toolCalls": [call]},
    ]
    chat.write_text("".join(json.dumps(r) + "\n" for r in recs))
    events = import_file(chat).events
    assert [e["metadata"]["filePath"] for e in _reads(events)] == ["README.md"]
