"""The store persists across restarts and reads one session without scanning
others; exports are valid for the tools that open them; schemas are current."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError

from sessionprof_ls import schemas
from sessionprof_ls.engine import Engine
from sessionprof_ls.events import EventError, convert_event
from sessionprof_ls.exports import chrome_trace, cpuprofile, speedscope
from sessionprof_ls.models import ProfilingEvent

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000_000.0


def stream(sid="s"):
    return [
        {
            "sessionId": sid,
            "id": "ai",
            "type": "ai_response",
            "name": "Response #1",
            "startTime": T0,
            "endTime": T0 + 1000,
            "metadata": {"model": "gpt-5", "tokens": {"input": 10, "output": 20}},
        },
        {
            "sessionId": sid,
            "id": "t1",
            "type": "tool_execution",
            "name": "Read",
            "startTime": T0 + 1000,
            "endTime": T0 + 3000,
            "metadata": {"toolName": "Read"},
        },
        {
            "sessionId": sid,
            "id": "t2",
            "type": "tool_execution",
            "name": "Grep",
            "startTime": T0 + 1500,
            "endTime": T0 + 2500,
        },  # parallel with t1
        {
            "sessionId": sid,
            "id": "f1",
            "parentId": "t1",
            "type": "file_read",
            "name": "a.py",
            "startTime": T0 + 1000,
            "endTime": T0 + 3500,
            "metadata": {"filePath": "a.py", "fileTokens": 99, "startLine": 4},
        },  # overruns t1
        {
            "sessionId": sid,
            "id": "ai2",
            "type": "ai_response",
            "name": "Response #2",
            "startTime": T0 + 3500,
            "endTime": T0 + 5000,
        },
    ]


def test_a_batch_its_session_rows_and_cursor_commit_once_together(tmp_path):
    eng = Engine(tmp_path / "store.db")
    statements: list[str] = []
    eng.store.db.set_trace_callback(statements.append)
    eng.ingest(stream("a") + stream("b"), ("/t/a.jsonl", {"offset": 123, "inode": 7, "line": 5}))
    assert [s for s in statements if s in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"]
    reopened = Engine(tmp_path / "store.db")
    assert reopened.store.get_cursor("/t/a.jsonl") == {"offset": 123, "inode": 7, "line": 5}
    rows = {r["sessionId"]: r for r in reopened.sessions()}
    assert rows["a"]["eventCount"] == rows["b"]["eventCount"] == 5


def test_a_failed_commit_stores_nothing_and_the_trees_forget_it(tmp_path, monkeypatch):
    eng = Engine(tmp_path / "store.db")
    eng.ingest(stream("a")[:2], ("/t/a.jsonl", {"offset": 10}))
    before = eng.summary("a")
    more = stream("a")[2:] + stream("new")

    def disk_full(path, cursor):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(eng.store, "set_cursor", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        eng.ingest(more, ("/t/a.jsonl", {"offset": 99}))
    monkeypatch.undo()
    # nothing of the failed batch anywhere: not in memory, not on disk, cursor where it was
    assert eng.store.get_cursor("/t/a.jsonl") == {"offset": 10}
    assert eng.tree("new") is None and not eng.store.has_session("new")
    assert len(eng.tree("a")) == 2 and eng.summary("a") == before
    reopened = Engine(tmp_path / "store.db")
    assert len(reopened.tree("a")) == 2 and reopened.tree("new") is None
    # and the same batch goes in whole when retried
    eng.ingest(more, ("/t/a.jsonl", {"offset": 99}))
    assert len(eng.tree("a")) == 5 and len(eng.tree("new")) == 5
    assert Engine(tmp_path / "store.db").store.get_cursor("/t/a.jsonl") == {"offset": 99}


def test_a_failed_commit_itself_is_rolled_back(tmp_path):
    eng = Engine(tmp_path / "store.db")
    eng.ingest(stream("a")[:2])
    real = eng.store.db

    class FullAtCommit:  # the connection as SQLite behaves when the disk fills at COMMIT
        in_transaction = property(lambda self: real.in_transaction)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    eng.store.db = FullAtCommit()
    with pytest.raises(sqlite3.OperationalError):
        eng.ingest(stream("new"), ("/t/new.jsonl", {"offset": 5}))
    eng.store.db = real
    assert not real.in_transaction and not eng.store.has_session("new") and eng.tree("new") is None
    assert eng.store.get_cursor("/t/new.jsonl") is None
    eng.ingest(stream("new"), ("/t/new.jsonl", {"offset": 5}))  # the store takes the retry whole
    assert len(Engine(tmp_path / "store.db").tree("new")) == 5


def test_sessions_persist_across_restart(tmp_path):
    path = tmp_path / "store.db"
    e1 = Engine(path)
    e1.ingest(stream("one") + stream("two"))
    e1.ingest([{**stream("one")[0], "endTime": T0 + 1500}])  # an update
    before = e1.performance("one")
    e1.store.close()
    e2 = Engine(path)
    assert {s["sessionId"] for s in e2.sessions()} == {"one", "two"}
    after = e2.performance("one")
    assert after == before
    assert e2.store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reading_a_session_uses_its_key_only(tmp_path):
    e = Engine(tmp_path / "store.db")
    e.ingest(stream("one") + stream("two"))
    plan = e.store.db.execute(
        "EXPLAIN QUERY PLAN SELECT seq, data FROM batches WHERE skey=? ORDER BY seq", (1,)
    ).fetchall()
    text = " ".join(str(r[-1]) for r in plan)
    assert "SEARCH batches USING INDEX batches_by_session (skey=?)" in text, text
    assert "SCAN" not in text and "TEMP B-TREE" not in text


def test_store_honours_environment(tmp_path, monkeypatch):
    from sessionprof_ls.store import default_store_path

    monkeypatch.setenv("SESSIONPROF_STORE", str(tmp_path / "x" / "y.db"))
    assert default_store_path() == tmp_path / "x" / "y.db"


def _analysis(tmp_path):
    e = Engine(tmp_path / "s.db")
    e.ingest(stream())
    return e.analysis("s")


def test_speedscope_tracks_are_valid_stacks(tmp_path):
    doc = speedscope(_analysis(tmp_path))
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    assert len(doc["profiles"]) == 2  # the parallel Grep got a track of its own
    opened = 0
    for prof in doc["profiles"]:
        stack, last = [], -1.0
        for event in prof["events"]:
            assert event["at"] >= last
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
                opened += 1
            else:
                assert stack.pop() == event["frame"]
        assert stack == []
    assert opened == 5
    names = {f["name"] for f in doc["shared"]["frames"]}
    assert names == {"Response #1", "Read", "Grep", "a.py", "Response #2"}


def test_cpuprofile_samples_cover_the_session(tmp_path):
    prof = cpuprofile(_analysis(tmp_path))
    ids = {n["id"] for n in prof["nodes"]}
    assert all(s in ids for s in prof["samples"])
    assert sum(prof["timeDeltas"]) <= (prof["endTime"] - prof["startTime"])
    assert prof["endTime"] - prof["startTime"] == 5_000_000  # microseconds
    children = [c for n in prof["nodes"] for c in n["children"]]
    assert len(children) == len(set(children)) == len(prof["nodes"]) - 1


def test_chrome_trace_complete_events(tmp_path):
    trace = chrome_trace(_analysis(tmp_path))
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(spans) == 5
    f1 = next(e for e in spans if e["args"]["id"] == "f1")
    t1 = next(e for e in spans if e["args"]["id"] == "t1")
    assert f1["tid"] == t1["tid"]
    assert f1["ts"] + f1["dur"] <= t1["ts"] + t1["dur"]  # clipped to its parent


def test_schemas_are_current():
    rendered = schemas.render()
    for name, text in rendered.items():
        path = ROOT / "schemas" / name
        assert path.exists(), f"{name} missing: run python -m sessionprof_ls.schemas"
        assert path.read_text() == text, f"{name} is stale: run python -m sessionprof_ls.schemas"


CASES = [
    ({"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1}, True),
    (
        {
            "sessionId": "s",
            "id": "1",
            "type": "agent",
            "name": "n",
            "startTime": "2025-01-01T00:00:00Z",
            "endTime": None,
            "parentId": None,
            "metadata": {"x": 1},
        },
        True,
    ),
    (
        {
            "sessionId": "s",
            "id": "1",
            "type": "agent",
            "name": "n",
            "startTime": 1,
            "metadata": {"tokens": {"input": 1, "output": 2, "cacheRead": 3, "cacheWrite": 4}, "costUsd": 0.1},
        },
        True,
    ),
    ({"sessionId": "s", "id": "1", "type": "robot", "name": "n", "startTime": 1}, False),
    ({"sessionId": "s", "id": "1", "type": "agent", "name": 5, "startTime": 1}, False),
    ({"sessionId": "", "id": "1", "type": "agent", "name": "n", "startTime": 1}, False),
    ({"sessionId": "s", "type": "agent", "name": "n", "startTime": 1}, False),
    (
        {
            "sessionId": "s",
            "id": "1",
            "type": "agent",
            "name": "n",
            "startTime": 1,
            "metadata": {"tokens": {"input": -5}},
        },
        False,
    ),
    (
        {"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1, "metadata": {"fileTokens": "x"}},
        False,
    ),
    ({"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1, "metadata": {"startLine": 0}}, False),
    ({"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1, "metadata": {"status": "meh"}}, False),
    ({"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1, "metadata": []}, False),
    # the limits event_shape.WIRE_TYPES gives both (models.EventMetadata is made from that table)
    *(
        ({"sessionId": "s", "id": "1", "type": "agent", "name": "n", "startTime": 1, "metadata": meta}, valid)
        for meta, valid in [
            ({"model": "m" * 4096}, True),
            ({"model": "m" * 4097}, False),
            ({"endLine": 2**31 - 1}, True),
            ({"endLine": 2**31}, False),
            ({"costUsd": 2e9}, False),
        ]
    ),
]


@pytest.mark.parametrize("obj,valid", CASES)
def test_fast_decoder_and_pydantic_model_agree(obj, valid):
    try:
        ProfilingEvent.model_validate(obj)
        pyd = True
    except ValidationError:
        pyd = False
    try:
        convert_event(obj)
        fast = True
    except EventError:
        fast = False
    assert pyd == fast == valid


def test_flame_graph_base64_columns_decode_to_the_json_ones(tmp_path):
    import base64

    import numpy as np

    from sessionprof_ls.flame import BASE64_TYPES
    from sessionprof_ls.models import FlameGraph

    e = Engine(tmp_path / "s.db")
    e.ingest(stream())
    for view in ("time", "aggregate"):
        plain = e.flame_graph("s", view)
        packed = e.flame_graph("s", view, encoding="base64")
        FlameGraph.model_validate(packed)
        assert plain["encoding"] == "json" and packed["encoding"] == "base64"
        for key, dtype in BASE64_TYPES.items():
            if plain["frames"][key] is None:
                assert packed["frames"][key] is None
                continue
            decoded = np.frombuffer(base64.b64decode(packed["frames"][key]), dtype=dtype).tolist()
            assert decoded == pytest.approx(plain["frames"][key])
        # issue 13: base64 answers carry the time view's ids as one string joined by newlines ("" = null)
        ids = packed["frames"]["id"]
        assert (ids if view == "aggregate" else [i or None for i in ids.split("\n")]) == plain["frames"]["id"]
