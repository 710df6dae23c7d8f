"""The tree made a column at a time (columns.py) equals the tree made one event at a time,
on random streams with updates, children before parents, unknown parents, cycles, and
sparse keys; and its columns are the event shape's (event_shape.METADATA_COLUMNS)."""

from __future__ import annotations

import random
from array import array

import orjson

from sessionprof_ls.event_shape import METADATA_COLUMNS, SPARSE
from sessionprof_ls.events import decode_event
from sessionprof_ls.tree import SessionTree, StringTable

T0 = 1_700_000_000_000.0
STATE = (
    "ids index parent type flags name start end seq older_seqs model_provider running waiting waiting_for "
    "child_count title source workspace token_total min_start max_end"
).split()


def _random_events(rng: random.Random, n: int) -> list[dict]:
    ids = [f"e{i}" for i in range(n // 2 + 1)]
    out = []
    for _ in range(n):
        eid = rng.choice(ids)
        ev: dict = {
            "sessionId": "s",
            "id": eid,
            "type": rng.choice(["ai_response", "tool_execution", "file_read", "agent", "user_input"]),
            "name": rng.choice(["Read", "Bash", "Response", eid]),
            "startTime": T0 + rng.randint(0, 10_000),
        }
        if rng.random() < 0.7:
            ev["endTime"] = ev["startTime"] + rng.randint(0, 5_000)
        if rng.random() < 0.6:
            parent = rng.choice([*ids, "ghost"])
            if parent != eid:
                ev["parentId"] = parent
        md: dict = {}
        if rng.random() < 0.4:
            md["tokens"] = {"input": rng.randint(0, 9), "cacheWrite": 5, "cacheWrite1h": rng.randint(0, 9)}
            md["model"] = rng.choice(["m1", "m2"])
        if rng.random() < 0.3:
            md.update(toolName="Read", filePath=f"f{rng.randint(0, 3)}.py", startLine=rng.randint(1, 9))
            md["fileTokens"] = rng.randint(0, 99)
        for key, value in [
            ("provider", "anthropic"),
            ("text", "hello " * rng.randint(0, 80)),
            ("url", "https://example.com"),
            ("status", rng.choice(["ok", "error"])),
            ("error", "boom"),
            ("ttftMs", rng.choice([12, 1.5, "x", True])),
            ("sessionTitle", "a title"),
            ("source", "claude-code"),
            ("workspace", "/w"),
            ("compaction", True),
            ("costUsd", 0.25),
        ]:
            if rng.random() < 0.15:
                md[key] = value
        if md:
            ev["metadata"] = md
        out.append(ev)
    return out


def _state(tree: SessionTree) -> dict:
    out = {}
    for name in STATE + [c for c, _ in METADATA_COLUMNS] + [f.column for f in SPARSE]:
        v = getattr(tree, name)
        out[name] = v.tobytes() if isinstance(v, array) else v
    return out


def test_column_runs_equal_one_event_at_a_time():
    rng = random.Random(20)
    for trial in range(300):
        events = [decode_event(orjson.dumps(e))[0] for e in _random_events(rng, rng.randint(1, 40))]
        strings = StringTable()
        whole, single = SessionTree("s", strings), SessionTree("s", strings)
        cut = rng.randint(0, len(events))
        whole.add_many(events[:cut], 1)
        whole.add_many(events[cut:], 2)
        for k, ev in enumerate(events):
            single.add_many([ev], 1 if k < cut else 2)
        assert _state(whole) == _state(single), trial


def test_tree_columns_are_the_event_shapes():
    tree = SessionTree("s")
    notes = {k: v for cls in SessionTree.__mro__ for k, v in getattr(cls, "__annotations__", {}).items()}
    for column, typecode in METADATA_COLUMNS:
        assert getattr(tree, column).typecode == typecode
        assert notes.get(column) == ("array[float]" if typecode == "d" else "array[int]"), column
    for f in SPARSE:
        assert getattr(tree, f.column) == {}
        assert notes.get(f.column) == ("dict[int, float]" if f.store == "sparse_number" else "dict[int, str]")
