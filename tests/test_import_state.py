"""Typed parser state (skeleton.JsonState): a cursor is plain JSON with the dataclasses' field
names as keys, so a read in pieces (the cursor through JSON between them) gives the same events
as one read, on every JSON-lines fixture; a cursor with missing or unknown keys still reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionprof_ls.importers import find_transcripts, import_file
from sessionprof_ls.importers.builder import BuilderState
from sessionprof_ls.importers.claude_code_state import ClaudeState, Response
from sessionprof_ls.importers.codex import CodexState, Totals
from sessionprof_ls.importers.skeleton import OpenCall, Turn

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LINES = [
    p
    for p in find_transcripts([FIXTURES / d for d in ("claude-code", "codex", "gemini-cli", "copilot-cli")])
    if p.suffix == ".jsonl"
]


def _latest(events):
    return {e["id"]: e for e in events}


@pytest.mark.parametrize("path", LINES, ids=lambda p: p.name)
def test_pieces_through_json_cursors_equal_one_read(path):
    whole = import_file(path)
    got, errors, cursor, reads = [], [], None, 0
    while True:
        res = import_file(path, cursor, 2048)
        got += res.events
        errors += res.errors
        cursor = json.loads(json.dumps(res.cursor))  # what the store keeps
        reads += 1
        if not res.more:
            break
    assert reads > 1
    assert _latest(got) == _latest(whole.events)
    assert errors == whole.errors
    assert isinstance(cursor["state"], dict) and json.loads(json.dumps(cursor["state"])) == cursor["state"]


def test_state_records_round_trip_and_tolerate_old_or_odd_cursors():
    s = ClaudeState(sid="s1", turnNo=2, turn=Turn("turn:u", "Turn 2: hi", 1.0, 2.0, "hi"))
    s.resp["m:r"] = Response("resp:m:r", 1, "turn:u", 1.0, 2.0, "claude", {"input": 1, "output": 2})
    back = ClaudeState.from_json(json.loads(json.dumps(s.to_json())))
    assert back == s and isinstance(back.turn, Turn) and isinstance(back.resp["m:r"], Response)
    # an older cursor: keys it lacks keep their defaults, unknown ones are dropped, a broken record is skipped
    old = ClaudeState.from_json({"turnNo": 3, "bogus": 1, "resp": {"a": {"id": "resp:a", "no": 4}, "b": "x"}})
    assert old.turnNo == 3 and old.turn is None and old.tools == {} and list(old.resp) == ["a"]
    assert old.resp["a"].no == 4 and old.resp["a"].usage is None
    c = CodexState.from_json({"total": {"input_tokens": 5, "total_tokens": 9}})
    assert c.total == Totals(input_tokens=5, total_tokens=9)
    b = BuilderState.from_json({"tools": {"k": {"name": "read", "args": {"p": 1}, "start": 1.0, "parent": None}}})
    assert b.tools["k"] == OpenCall("read", 1.0, None, {"p": 1}) and b.to_json()["tools"]["k"]["name"] == "read"
