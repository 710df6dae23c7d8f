"""Following transcripts: appended bytes only, half-written lines, rotation,
deletion, files growing while read, and the watchfiles-driven follower."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
from sp_fixtures import wait_until

from sessionprof_ls.follow import TranscriptFollower, claude_project_dir
from sessionprof_ls.importers import find_transcripts, import_file
from sessionprof_ls.importers.common import read_new_lines

FIXTURES = Path(__file__).resolve().parent / "fixtures"


class Cursors:
    """Same interface as the store's cursor table."""

    def __init__(self):
        self.data: dict[str, dict] = {}

    def get_cursor(self, path):
        c = self.data.get(path)
        return json.loads(json.dumps(c)) if c is not None else None  # as if stored as JSON

    def set_cursor(self, path, cursor):
        self.data[path] = json.loads(json.dumps(cursor))

    def sink(self, keep):
        """A follower sink that hands the events to `keep` and then stores the cursor."""

        def sink(events, cursor):
            keep(events)
            self.set_cursor(*cursor)

        return sink


def merged_totals(events_by_id):
    tot = {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}
    for e in events_by_id.values():
        t = (e.get("metadata") or {}).get("tokens")
        if e["type"] == "ai_response" and t:
            for k in tot:
                tot[k] += t[k]
    return tot


def test_half_written_last_line_waits_for_the_rest(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_bytes(b'{"a": 1}\n{"b": ')
    lines, pos, reset, more = read_new_lines(f, None)
    assert [raw for _, raw in lines] == [b'{"a": 1}'] and pos["offset"] == 9 and not reset and not more
    with open(f, "ab") as fh:
        fh.write(b'2}\n{"c": 3}')  # last line complete JSON without newline: taken
    lines, pos2, _, _ = read_new_lines(f, pos)
    assert [(n, raw) for n, raw in lines] == [(2, b'{"b": 2}'), (3, b'{"c": 3}')]
    assert pos2["offset"] == f.stat().st_size
    lines, pos3, _, _ = read_new_lines(f, pos2)
    assert list(lines) == [] and pos3["offset"] == pos2["offset"]


@pytest.mark.parametrize(
    "name",
    ["claude-code/spotter-subagent.jsonl", "claude-code/agentlogs-subagent.jsonl", "codex/agentlogs-images.jsonl"],
)
def test_chunked_appends_give_the_same_result_as_one_read(tmp_path, name):
    src = (FIXTURES / name).read_bytes()
    whole = import_file(FIXTURES / name)
    expect = {e["id"]: e for e in whole.events}
    f = tmp_path / Path(name).name
    f.write_bytes(b"")
    cursor = {"format": "codex" if name.startswith("codex") else "claude-code"}
    got: dict[str, dict] = {}
    step = 997  # cuts lines (and UTF-8 sequences) in the middle
    for i in range(0, len(src), step):
        with open(f, "ab") as fh:
            fh.write(src[i : i + step])
        res = import_file(f, json.loads(json.dumps(cursor)))
        assert res.errors == []
        for e in res.events:
            got[e["id"]] = e
        cursor = res.cursor
    assert set(got) == set(expect)
    assert merged_totals(got) == merged_totals(expect)
    for eid, e in expect.items():
        assert got[eid]["parentId"] == e["parentId"], eid
        assert got[eid].get("endTime") == e.get("endTime"), eid


def test_rotation_truncation_and_deletion(tmp_path):
    f = tmp_path / "s.jsonl"
    shutil.copy(FIXTURES / "claude-code/agentlogs-crud.jsonl", f)
    first = import_file(f)
    assert import_file(f, first.cursor).events == []  # nothing new
    # truncated and rewritten with a shorter session: read again from 0
    shutil.copy(FIXTURES / "claude-code/spotter-short.jsonl", tmp_path / "tmp")
    with open(f, "wb") as fh:
        fh.write((tmp_path / "tmp").read_bytes())
    again = import_file(f, first.cursor)
    assert merged_totals({e["id"]: e for e in again.events})["output"] == 13
    # replaced by another file (new inode) of the same size or bigger: read again from 0
    os.remove(f)
    missing = import_file(f, again.cursor)
    assert missing.events == [] and missing.errors == [f"{f}: file not found"]
    shutil.copy(FIXTURES / "claude-code/agentlogs-todos.jsonl", f)
    rotated = import_file(f, again.cursor)
    assert merged_totals({e["id"]: e for e in rotated.events})["output"] == 660


def _claude_setup(tmp_path):
    ws = tmp_path / "my ws.v2"
    ws.mkdir()
    claude = tmp_path / "claude"
    codex = tmp_path / "codex"
    return ws, claude, codex


def test_claude_project_dir_and_find_transcripts(tmp_path):
    assert claude_project_dir(Path("/home/u/my_proj.v2"), Path("/c")) == Path("/c/projects/-home-u-my-proj-v2")
    d = tmp_path / "p"
    d.mkdir()
    shutil.copy(FIXTURES / "claude-code/agentlogs-crud.jsonl", d / "a.jsonl")
    (d / "a" / "subagents").mkdir(parents=True)
    shutil.copy(FIXTURES / "claude-code/agentlogs-crud.jsonl", d / "a" / "subagents" / "agent-1.jsonl")
    shutil.copy(FIXTURES / "codex/agentlogs-crud.jsonl", d / "rollout-1.jsonl")
    (d / "notes.json").write_text('{"hello": 1}')
    assert find_transcripts([d]) == [d / "a.jsonl", d / "rollout-1.jsonl"]


def test_follower_scan_once_reads_only_new_and_sinks_before_cursor(tmp_path):
    ws, claude, codex = _claude_setup(tmp_path)
    proj = claude_project_dir(ws, claude)
    proj.mkdir(parents=True)
    src = (FIXTURES / "claude-code/agentlogs-crud.jsonl").read_bytes()
    half = src.index(b"\n", len(src) // 2) + 1
    (proj / "s1.jsonl").write_bytes(src[:half])
    # a Codex rollout of this workspace, and one of another
    day = codex / "sessions" / "2026" / "01" / "25"
    day.mkdir(parents=True)
    rollout = (
        (FIXTURES / "codex/agentlogs-crud.jsonl").read_text().replace("/Users/philipp/dev/agentlogs/fixtures", str(ws))
    )
    (day / "rollout-a.jsonl").write_text(rollout)
    shutil.copy(FIXTURES / "codex/agentlogs-images.jsonl", day / "rollout-b.jsonl")
    batches: list[list[dict]] = []
    cursors = Cursors()
    fol = TranscriptFollower([ws], cursors.sink(batches.append), cursors, claude_config_dir=claude, codex_home=codex)
    n1 = fol.scan_once()
    assert n1 > 0 and sum(map(len, batches)) == n1
    sessions = {e["sessionId"] for b in batches for e in b}
    assert sessions == {"019bf4b5-e7b0-75a0-8bf2-05fbf1b13c9b", json.loads(src.split(b"\n")[1])["sessionId"]}
    assert fol.scan_once() == 0  # nothing new
    with open(proj / "s1.jsonl", "ab") as fh:
        fh.write(src[half:])
    batches.clear()
    assert fol.scan_once() > 0
    assert {e["sessionId"] for b in batches for e in b} == {json.loads(src.split(b"\n")[1])["sessionId"]}
    # a sink that fails leaves the cursor where it was: nothing acknowledged is lost
    with open(proj / "s1.jsonl", "ab") as fh:
        fh.write(src.split(b"\n")[3] + b"\n")
    before = cursors.get_cursor(str((proj / "s1.jsonl").resolve()))

    def boom(events, cursor):
        raise RuntimeError("store down")

    fol.sink = boom
    with pytest.raises(RuntimeError):
        fol.scan_once()
    assert before is not None and cursors.get_cursor(str((proj / "s1.jsonl").resolve())) == before


async def test_follower_run_picks_up_new_roots_and_appends(tmp_path):
    ws, claude, codex = _claude_setup(tmp_path)
    got: list[dict] = []
    cursors = Cursors()
    fol = TranscriptFollower([ws], cursors.sink(got.extend), cursors, claude_config_dir=claude, codex_home=codex)
    fol.POLL_MISSING_S = 0.2
    stop = asyncio.Event()
    task = asyncio.create_task(fol.run(stop))

    def wait_for(pred):
        return wait_until(pred, 10.0)

    try:
        await asyncio.sleep(0.3)
        proj = claude_project_dir(ws, claude)
        proj.mkdir(parents=True)  # the root appears after start
        lines = (FIXTURES / "claude-code/agentlogs-subagent.jsonl").read_bytes().splitlines(keepends=True)
        with open(proj / "live.jsonl", "wb") as fh:
            fh.writelines(lines[:5])
        assert await wait_for(lambda: any(e["type"] == "ai_response" for e in got))
        with open(proj / "live.jsonl", "ab") as fh:
            fh.writelines(lines[5:])
        assert await wait_for(lambda: merged_totals({e["id"]: e for e in got})["output"] == 276)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_reads_in_pieces_keep_whole_lines_and_numbers(tmp_path):
    f = tmp_path / "x.jsonl"
    long_line = b'{"long": "' + b"y" * 5000 + b'"}'
    # the 2nd piece ends right after a complete object, before its newline: not taken until the newline is read
    content = b'{"a": 1}\n{"b": 2}\n' + long_line + b"\n\n" + b'{"c": 3}\n{"d": 4}\n'
    f.write_bytes(content)
    whole, _, _, more = read_new_lines(f, None)
    whole = list(whole)
    assert not more
    got, cursor, pieces = [], None, 0
    for _ in range(20):
        lines, cursor, _, more = read_new_lines(f, cursor, max_bytes=8)
        got.extend(lines)
        pieces += 1
        if not more:
            break
    assert got == whole and pieces > 3  # same lines, same line numbers, the 5 KB line whole
    assert cursor["offset"] == len(content)
    exact = len(b'{"a": 1}\n{"b": 2}')  # a piece ending exactly at "}" of line 2
    lines, cursor, _, more = read_new_lines(f, None, max_bytes=exact)
    assert [raw for _, raw in lines] == [b'{"a": 1}'] and more and cursor["offset"] == 9


@pytest.mark.parametrize("name", ["claude-code/spotter-subagent.jsonl", "codex/agentlogs-images.jsonl"])
def test_a_long_file_is_imported_in_pieces_with_the_same_result(tmp_path, name):
    from sessionprof_ls.engine import Engine
    from sessionprof_ls.importers import import_new

    whole = Engine(tmp_path / "whole.db")
    (sid,) = whole.ingest(import_file(FIXTURES / name).events)["sessions"]
    pieces = Engine(tmp_path / "pieces.db")
    calls = []

    def sink(events, cursor):
        calls.append(len(events))
        pieces.ingest(events, cursor)

    count, errors = import_new(FIXTURES / name, pieces.store, sink, max_bytes=16 * 1024)
    assert errors == [] and len(calls) > 5 and count == sum(calls)
    key = str((FIXTURES / name).resolve())
    assert pieces.store.get_cursor(key)["offset"] == (FIXTURES / name).stat().st_size
    a, b = whole.summary(sid), pieces.summary(sid)
    for field in (
        "totalTokens",
        "inputTokens",
        "outputTokens",
        "cacheReadTokens",
        "cacheWriteTokens",
        "messageCount",
        "toolCallCount",
        "eventCount",
        "totalDuration",
        "aiThinkingTime",
        "toolExecutionTime",
        "userWaitTime",
        "totalCost",
    ):
        assert b[field] == a[field], field
    assert import_new(FIXTURES / name, pieces.store, sink, max_bytes=16 * 1024) == (0, [])  # nothing new


def test_one_reading_of_the_agents_folders_for_server_watch_and_import(tmp_path, monkeypatch):
    from sessionprof_ls.config import Config
    from sessionprof_ls.importers import claude_config_dirs

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path / 'a'} , {tmp_path / 'b'}")
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "cx"))
    assert claude_config_dirs() == [tmp_path / "a", tmp_path / "b"]
    assert Config().claude_dirs() == [tmp_path / "a", tmp_path / "b"] and Config().codex_dir() == tmp_path / "cx"
    fol = TranscriptFollower([tmp_path / "ws"], lambda events, cursor: None, Cursors())
    assert fol.claude_dirs() == [claude_project_dir(tmp_path / "ws", tmp_path / d) for d in ("a", "b")]
    assert fol.codex_home == tmp_path / "cx"
    assert Config(claudeConfigDir=str(tmp_path / "set")).claude_dirs() == [tmp_path / "set"]  # a setting wins
