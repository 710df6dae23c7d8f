"""A cold load from the store's snapshot (snapshot.py, issue 13) gives exactly the tree a
replay of every stored batch gives: with batches stored after it (updates of its events,
orphans adopted, another process writing), and a damaged or foreign snapshot is ignored."""

from __future__ import annotations

import random
import sqlite3
from array import array

import orjson
import pytest
from test_tree_columns import STATE, _random_events

from sessionprof_ls import snapshot
from sessionprof_ls.engine import Engine
from sessionprof_ls.event_shape import METADATA_COLUMNS, SPARSE

CODES = {"name", "model", "tool", "file"}


def _state(tree) -> dict:
    """The whole tree, string codes as their strings (two engines number them apart)."""
    get = tree.strings.get
    out = {}
    for name in STATE + [c for c, _ in METADATA_COLUMNS] + [f.column for f in SPARSE] + ["batches", "last_seq"]:
        v = getattr(tree, name)
        if name in CODES:
            v = [get(c) for c in v]
        elif isinstance(v, array | bytearray):
            v = bytes(v)  # NaN (no cost, running) compares equal as bytes
        out[name] = v
    out["model_provider"] = {get(k): p for k, p in tree.model_provider.items()}
    return out


def _batches(seed: int, n_batches: int) -> list[list[dict]]:
    rng = random.Random(seed)
    events = _random_events(rng, 40 * n_batches)
    for e in events:
        e["sessionId"] = "snap"
    return [events[i : i + 40] for i in range(0, len(events), 40)]


def _replayed(path) -> dict:
    db = sqlite3.connect(path)
    db.execute("DELETE FROM snapshots")
    db.commit()
    db.close()
    engine = Engine(path)
    state = _state(engine.tree("snap"))
    engine.store.close()
    return state


@pytest.fixture(autouse=True)
def small(monkeypatch):
    monkeypatch.setattr(snapshot, "MIN_EVENTS", 50)


def _snapshot_row(path):
    db = sqlite3.connect(path)
    row = db.execute("SELECT seq, batches FROM snapshots").fetchone()
    db.close()
    return row


def test_snapshot_then_later_batches_equal_a_replay(tmp_path):
    path = tmp_path / "s.db"
    batches = _batches(1, 12)
    a = Engine(path)
    for b in batches[:6]:
        assert not a.ingest(b)["rejected"]
    assert _snapshot_row(path) is not None  # saved after the ingest that made it due
    a.store.close()
    b = Engine(path)  # another process: loads the snapshot, adds batches (updates of its events)
    b.tree("snap")
    for batch in batches[6:]:
        b.ingest(batch)
    expect = _state(b.tree("snap"))
    b.store.close()
    c = Engine(path)
    load, replayed = c.store.load, []
    c.store.load = lambda sid, after=0: replayed.extend(load(sid, after)) or replayed  # type: ignore[method-assign]
    loaded = _state(c.tree("snap"))
    c.store.close()
    assert loaded == expect
    seq, _count = _snapshot_row(path)
    assert [s for s, _ in replayed] == list(range(seq + 1, 13))  # the snapshot's batches are not replayed
    assert _replayed(path) == expect


def test_a_writer_in_between_makes_the_snapshot_wait(tmp_path):
    path = tmp_path / "s.db"
    batches = _batches(2, 10)
    a, b = Engine(path), Engine(path)
    for batch in batches[:3]:
        a.ingest(batch)
    b.ingest(batches[3])  # a's tree does not have this batch
    for batch in batches[4:]:
        a.ingest(batch)  # due now, but it would claim b's batch: not saved
    seq, count = _snapshot_row(path)  # the one saved before b wrote (a's first two batches)
    assert seq < 4 and count == seq
    a.store.close()
    b.store.close()
    fresh = Engine(path)
    loaded = _state(fresh.tree("snap"))
    fresh.store.close()
    assert len(loaded["ids"]) == len({e["id"] for bt in batches for e in bt})
    assert loaded == _replayed(path)


def test_damaged_or_foreign_snapshot_is_ignored(tmp_path):
    path = tmp_path / "s.db"
    a = Engine(path)
    for batch in _batches(3, 8):
        a.ingest(batch)
    a.store.close()
    expect = _replayed(path)
    Engine(path).store.close()
    e = Engine(path)
    e.tree("snap")  # saves it again
    e.store.close()
    for change in ("UPDATE snapshots SET data = substr(data, 1, 100)", "UPDATE snapshots SET format = 'old'"):
        db = sqlite3.connect(path)
        if db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0:
            db.close()
            e = Engine(path)
            e.tree("snap")
            e.store.close()
            db = sqlite3.connect(path)
        db.execute(change)
        db.commit()
        db.close()
        e = Engine(path)
        assert _state(e.tree("snap")) == expect, change
        e.store.close()


def test_stored_json_and_event_lookup_unchanged(tmp_path):
    path = tmp_path / "s.db"
    a = Engine(path)
    for batch in _batches(4, 6):
        a.ingest(batch)
    some = orjson.loads(orjson.dumps(_batches(4, 6)[2][5]))
    expect = a.event("snap", some["id"])
    a.store.close()
    b = Engine(path)
    assert b.event("snap", some["id"]) == expect
    assert b.sessions()[0]["eventCount"] == len(b.tree("snap"))


def test_pretty_printed_http_events_reload(tmp_path):
    """An HTTP body's events stored as sent, newlines inside them included: a cold load
    reads them all (the batch is decoded as a stream of JSON values, not split on lines)."""
    path = tmp_path / "s.db"
    body = b'[\n {\n  "sessionId": "p",\n  "id": "a",\n  "type": "tool_execution",\n'
    body += b'  "name": "x",\n  "startTime": 1\n },\n {"sessionId": "p", "id": "b", "parentId": "a",'
    body += b' "type": "file_read", "name": "y", "startTime": "2024-01-01T00:00:00Z"}\n]'
    a = Engine(path)
    assert a.ingest_body(body)["accepted"] == 2
    a.store.close()
    b = Engine(path)
    tree = b.tree("p")
    assert len(tree) == 2 and b.store.corrupt_rows == 0
    assert tree.parent_id_of(1) == "a" and tree.start[1] == 1_704_067_200_000.0


def test_event_details_of_a_pretty_printed_event(tmp_path):
    """A frame's details (Engine.event) read the stored event back, tool arguments and all,
    when its HTTP body was pretty-printed (the event spans lines), also after a reload."""
    body = b'[\n {\n  "sessionId": "p",\n  "id": "a",\n  "type": "tool_execution",\n  "name": "Bash",\n'
    body += b'  "startTime": 1,\n  "endTime": 5,\n  "metadata": {\n   "toolName": "Bash",\n'
    body += b'   "args": {"command": "ls -la"}\n  }\n }\n]'
    path = tmp_path / "s.db"
    a = Engine(path)
    assert a.ingest_body(body)["accepted"] == 1
    assert a.event("p", "a")["metadata"]["args"] == {"command": "ls -la"}
    a.store.close()
    ev = Engine(path).event("p", "a")
    assert ev["metadata"]["args"] == {"command": "ls -la"} and ev["metadata"]["toolName"] == "Bash"
