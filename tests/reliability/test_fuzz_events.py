"""Property-based tests of the event schema: any mix of valid and hostile events,
as Python objects (LSP) or as a JSON / NDJSON body (HTTP). Nothing crashes, every
rejection names the field that was wrong, and every valid event is stored."""

from __future__ import annotations

import math
import re

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from relutil import count

from sessionprof_ls.engine import Engine
from sessionprof_ls.events import EventError, convert_event, decode_event, split_body

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
NAME = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
JSON_LEAF = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
)
JSON = st.recursive(
    JSON_LEAF, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4), max_leaves=12
)
NONNEG = st.integers(0, 2**40)

METADATA = st.fixed_dictionaries(
    {},
    optional={
        "model": TEXT,
        "provider": TEXT,
        "toolName": TEXT,
        "filePath": TEXT,
        "url": TEXT,
        "error": TEXT,
        "text": TEXT,
        "sessionTitle": TEXT,
        "source": TEXT,
        "workspace": TEXT,
        "tokens": st.fixed_dictionaries(
            {}, optional={k: NONNEG for k in ("input", "output", "cacheRead", "cacheWrite", "cacheWrite1h")}
        ),
        "costUsd": st.floats(0, 1e6),
        "fileSize": NONNEG,
        "fileTokens": NONNEG,
        "startLine": st.integers(1, 10**6),
        "endLine": st.integers(1, 10**6),
        "status": st.sampled_from(["ok", "error"]),
        "compaction": st.booleans(),
        "args": JSON,
        "x-unknown": JSON,
    },
)


@st.composite
def valid_event(draw, index: int = 0):
    start = draw(st.floats(0, 4e12) | st.integers(0, 4 * 10**12))
    ev = {
        "sessionId": draw(st.sampled_from(["s1", "s2", "sé/ß<>\"'", "x" * 200])),
        "id": f"e{draw(st.integers(0, 10**9))}-{draw(TEXT)}",
        "type": draw(
            st.sampled_from(
                ["ai_response", "tool_execution", "file_read", "file_write", "network_request", "user_input", "agent"]
            )
        ),
        "name": draw(TEXT),
        "startTime": start,
    }
    if draw(st.booleans()):
        ev["endTime"] = start + draw(st.floats(0, 1e9))
    if draw(st.booleans()):
        ev["parentId"] = draw(st.none() | st.just("p-").map(lambda p: p + ev["id"]))
    if draw(st.booleans()):
        ev["metadata"] = draw(METADATA)
    if draw(st.booleans()):
        ev["startTime"] = "2025-10-09T08:00:00.123+02:00"
        ev.pop("endTime", None)
    return ev


def _set(path: str, value):
    def apply(ev: dict) -> dict:
        ev = orjson.loads(orjson.dumps(ev))
        *parents, last = path.split(".")
        cur = ev
        for p in parents:
            if not isinstance(cur.get(p), dict):
                cur[p] = {}
            cur = cur[p]
        if value is _MISSING:
            cur.pop(last, None)
        else:
            cur[last] = value(ev) if callable(value) else value
        return ev

    return apply


_MISSING = object()
# (mutation, the field the rejection must name)
MUTATIONS = [
    (_set("sessionId", 5), "sessionId"),
    (_set("sessionId", ""), "sessionId"),
    (_set("sessionId", _MISSING), "sessionId"),
    (_set("id", None), "id"),
    (_set("id", ""), "id"),
    (_set("id", _MISSING), "id"),
    (_set("type", "bogus"), "type"),
    (_set("type", 3), "type"),
    (_set("name", 7), "name"),
    (_set("name", ["a"]), "name"),
    (_set("name", _MISSING), "name"),
    (_set("startTime", -1), "startTime"),
    (_set("startTime", "yesterday"), "startTime"),
    (_set("startTime", _MISSING), "startTime"),
    (_set("startTime", True), "startTime"),
    (
        _set("endTime", lambda ev: (ev["startTime"] if isinstance(ev["startTime"], (int, float)) else 1000.0) - 1000.5),
        "endTime",
    ),
    (_set("endTime", "not-a-time"), "endTime"),
    (_set("parentId", lambda ev: ev["id"]), "parentId"),
    (_set("parentId", 3), "parentId"),
    (_set("metadata", "a string"), "metadata"),
    (_set("metadata", [1]), "metadata"),
    (_set("metadata.tokens.input", -5), "metadata.tokens.input"),
    (_set("metadata.tokens.output", "many"), "metadata.tokens.output"),
    (_set("metadata.tokens.cacheRead", 1.5), "metadata.tokens.cacheRead"),
    (_set("metadata.costUsd", -1.0), "metadata.costUsd"),
    (_set("metadata.startLine", 0), "metadata.startLine"),
    (_set("metadata.status", "meh"), "metadata.status"),
    (_set("metadata.fileTokens", -1), "metadata.fileTokens"),
    (_set("metadata.model", 3), "metadata.model"),
    (_set("metadata.compaction", "yes"), "metadata.compaction"),
    (_set("metadata.tokens", [1, 2]), "metadata.tokens"),
]
NOT_OBJECTS = [42, "event", [], None, 1.5, True]


def names(message: str, field: str) -> bool:
    """The message names the field: "`metadata.tokens.input`" or "startTime: ..."."""
    return bool(re.search(rf"`{re.escape(field)}`|^{re.escape(field)}:", message))


@st.composite
def batch(draw):
    """A batch with valid events and hostile ones at random places: (items, expected)."""
    items, expected = [], []
    for _ in range(draw(st.integers(0, 12))):
        ev = draw(valid_event())
        kind = draw(st.integers(0, 9))
        if kind < 5:
            items.append(ev)
            expected.append(None)
        elif kind < 9:
            mutate, field = draw(st.sampled_from(MUTATIONS))
            items.append(mutate(ev))
            expected.append(field)
        else:
            items.append(draw(st.sampled_from(NOT_OBJECTS)))
            expected.append("object")
    return items, expected


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    e = Engine(str(tmp_path_factory.mktemp("fuzz-events") / "store.db"))
    yield e
    e.store.close()


def check(engine: Engine, items: list, expected: list, result: dict, before: int) -> None:
    valid = [i for i, f in enumerate(expected) if f is None]
    assert result["accepted"] == len(valid)
    assert [r["index"] for r in result["rejected"]] == [i for i, f in enumerate(expected) if f is not None]
    for r in result["rejected"]:
        field = expected[r["index"]]
        msg = r["error"]
        if field == "object":
            assert "object" in msg, msg
        else:
            assert names(msg, field), f"rejection {msg!r} does not name {field!r}"
    # every valid event is in the store, and its tree
    assert engine.store.event_count() == before + len(valid)
    for i in valid:
        tree = engine.tree(items[i]["sessionId"])
        assert items[i]["id"] in tree.index


@given(batch())
def test_objects_batch(engine, data):
    """LSP path: Python objects."""
    items, expected = data
    count("events: objects", len(items) or 1)
    before = engine.store.event_count()
    check(engine, items, expected, engine.ingest(items), before)


@given(batch(), st.sampled_from(["array", "wrapped", "ndjson"]))
def test_json_body_batch(engine, data, shape):
    """HTTP path: one body, split into raw events."""
    items, expected = data
    count("events: bodies", len(items) or 1)
    if shape == "ndjson":
        # a non-object JSON value on its own line is still one rejected event
        body, ctype = b"\n".join(orjson.dumps(x) for x in items) + b"\n", "application/x-ndjson"
    elif shape == "wrapped":
        body, ctype = orjson.dumps({"events": items}), "application/json"
    else:
        body, ctype = orjson.dumps(items), "application/json"
    before = engine.store.event_count()
    if shape == "ndjson" and not items:
        assert split_body(body, ctype) == []
        return
    check(engine, items, expected, engine.ingest(split_body(body, ctype)), before)


@given(st.lists(JSON, max_size=8))
def test_arbitrary_json_values_never_crash(engine, values):
    count("events: arbitrary JSON", len(values) or 1)
    result = engine.ingest(values)
    assert result["accepted"] + len(result["rejected"]) == len(values)
    assert all(r["error"] for r in result["rejected"])
    raw = engine.ingest(split_body(orjson.dumps(values), "application/json"))
    assert raw["accepted"] == result["accepted"]


@given(
    st.binary(max_size=300) | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from(["", "application/json", "application/x-ndjson", "text/plain; charset=utf-16"]),
)
def test_arbitrary_bytes(body, ctype):
    """Any bytes: a list of raw events or an EventError with the reason, nothing else."""
    count("events: raw bytes")
    try:
        parts = split_body(body, ctype)
    except EventError as exc:
        assert str(exc).startswith("body:")
        return
    for part in parts:
        try:
            decode_event(bytes(part))
        except EventError as exc:
            assert str(exc)


@given(valid_event(), st.sampled_from(["\ud800", "\x00", "\u202e", "\ufeff", "𝕏" * 50]))
def test_odd_strings(engine, ev, s):
    """Control characters, bidi overrides, BOMs and lone surrogates: kept or rejected with a reason."""
    count("events: odd strings")
    ev = dict(ev, name=s + ev["name"])
    try:
        convert_event(ev)
    except EventError as exc:
        assert "UTF-8" in str(exc) or "surrogate" in str(exc), exc
        assert s == "\ud800"
    else:
        assert s != "\ud800" or False, "a lone surrogate cannot be stored as UTF-8 JSON"


def test_non_finite_numbers_rejected(engine):
    for bad in (math.nan, math.inf, -math.inf):
        ev = {"sessionId": "s", "id": "nf", "type": "agent", "name": "n", "startTime": bad}
        result = engine.ingest([ev])
        assert result["accepted"] == 0 and names(result["rejected"][0]["error"], "startTime")
