"""New events into a session tree's columns, a column at a time (issues 20 and 13).

A run of events whose ids are all new is turned into columns at once: msgspec gives each
struct as a tuple, zip transposes them, and each column of event_shape.METADATA is appended
in one call. Per-event Python work is left to what is sparse (texts, errors, parents that
are not yet known). The result is the tree one-event-at-a-time insertion gives
(tests/test_tree_columns.py checks it on random streams with updates, orphans and cycles).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from operator import attrgetter, ge
from typing import Any

from .event_shape import BY_NAME, DENSE, METADATA, METADATA_COLUMNS, SPARSE, TOKENS
from .events import Event, Metadata, Tokens
from .protocol import EVENT_TYPES

NAN = math.nan
F_ERROR, F_ORPHAN, F_COMPACTION, F_TOKENS = 1, 2, 4, 8  # tree.F_*: bits of the flags column
F_INFERRED = 16  # metadata timing "inferred": the span's start (or end) was not recorded
AGENT = EVENT_TYPES.index("agent")
TYPE_CODE = {name: code for code, name in enumerate(EVENT_TYPES)}

_ID, _PARENT, _TYPE, _NAME = attrgetter("id"), attrgetter("parentId"), attrgetter("type"), attrgetter("name")
_START, _END, _META = attrgetter("startTime"), attrgetter("endTime"), attrgetter("metadata")
_NO_META, _NO_TOKENS = Metadata(), Tokens()  # stand for an event that sent none
_TOKENS, _STATUS, _ERROR = attrgetter("tokens"), attrgetter("status"), attrgetter("error")
_TOKEN_AT = [(attrgetter(key), col) for key, col in TOKENS]
_DENSE_AT = [(f, attrgetter(f.name)) for f in DENSE]
_RARE = [(f.name, attrgetter(f.name)) for f in METADATA if f.store in ("sparse", "sparse_number", "flag", "session")]
_RARE.append(("model", attrgetter("model")))
_OUT = [f for f in METADATA if f.in_analysis]


class StringTable:
    """Interned strings (model, tool, file names) stored as small integers."""

    __slots__ = ("values", "lookup")

    def __init__(self) -> None:
        self.values: list[str] = []
        self.lookup: dict[str, int] = {}

    def intern(self, value: str) -> int:
        code = self.lookup.get(value)
        if code is None:
            code = len(self.values)
            self.values.append(value)
            self.lookup[value] = code
        return code

    def codes(self, values: Sequence[str | None]) -> list[int]:
        """The codes of many values at once (None: -1), new ones interned."""
        lookup, intern = self.lookup, self.intern
        return [-1 if v is None else (lookup[v] if v in lookup else intern(v)) for v in values]

    def get(self, code: int) -> str | None:
        return self.values[code] if code >= 0 else None


class Columns:
    """Columns of one session; index i is the i-th distinct event id seen. The metadata
    columns are event_shape.METADATA_COLUMNS (made in __init__; a test checks these
    annotations against it)."""

    model: array[int]
    tool: array[int]
    file: array[int]
    cost: array[float]
    file_size: array[int]
    file_tokens: array[int]
    start_line: array[int]
    end_line: array[int]
    tin: array[int]
    tout: array[int]
    tcr: array[int]
    tcw: array[int]
    tcw1h: array[int]  # the part of tcw written to the 1-hour cache
    provider: dict[int, str]
    url: dict[int, str]
    error: dict[int, str]
    text: dict[int, str]
    ttft: dict[int, float]  # time to first token (OTLP ttft_ms), ms, where recorded

    def __init__(self, session_id: str, strings: StringTable | None = None):
        self.session_id = session_id
        self.strings = strings or StringTable()
        self.index: dict[str, int] = {}
        self.ids: list[str] = []
        self.parent = array("i")
        self.type = bytearray()
        self.flags = bytearray()
        self.name = array("i")
        self.start = array("d")
        self.end = array("d")
        for column, typecode in METADATA_COLUMNS:
            setattr(self, column, array(typecode))
        for f in SPARSE:
            setattr(self, f.column, {})
        self.seq = array("i")  # the store row holding the event's latest JSON
        self.older_seqs: dict[int, list[int]] = {}  # rows of earlier versions, when it was updated
        self.model_provider: dict[int, str] = {}  # model code -> the provider first named with it
        self.running: set[int] = set()  # spans with no end yet
        self.waiting: dict[str, list[int]] = {}  # unknown parent id -> orphans waiting for it
        self.waiting_for: dict[int, str] = {}  # orphan -> the parent id it waits for (O(1) parent_id_of)
        self.child_count = array("i")  # children per node: a node with none cannot close a cycle
        self.title: str | None = None
        self.source: str | None = None
        self.workspace: str | None = None
        self.version = 0
        self.batches = 0  # stored batches applied (snapshot.py: a snapshot covers exactly these)
        self.last_seq = 0  # the store row of the last of them
        self.snapshot_size = 0  # events in the last snapshot saved or loaded
        self.last_update = 0.0
        # running aggregates for the session list (kept as events arrive, not recomputed)
        self.token_total = 0
        self.min_start = math.inf
        self.max_end = -math.inf

    def __len__(self) -> int:
        return len(self.ids)

    def link(self, idx: int, parent_id: str | None) -> None:
        """Hang idx under parent_id (tree.SessionTree has the rules)."""
        raise NotImplementedError

    def metadata(self, i: int) -> dict[str, Any]:
        """Event i's metadata as kept here, key by key in event_shape.METADATA's order."""
        md: dict[str, Any] = {}
        flags = self.flags[i]
        for f in _OUT:
            kind = f.store
            if kind == "code":
                code = getattr(self, f.column)[i]
                if code >= 0:
                    md[f.name] = self.strings.values[code]
            elif kind in ("int", "line", "float"):
                v = getattr(self, f.column)[i]
                if v == v and v != f.missing:
                    md[f.name] = v
            elif kind == "tokens":
                if flags & F_TOKENS:
                    md["tokens"] = {key: getattr(self, col)[i] for key, col in TOKENS[:4]}
            elif f.name == "status":
                if flags & F_ERROR:
                    md["status"] = "error"
            elif f.name == "compaction":
                if flags & F_COMPACTION:
                    md["compaction"] = True
            elif f.name == "timing":
                if flags & F_INFERRED:
                    md["timing"] = "inferred"
            elif f.name != "error" or flags & F_ERROR:
                kept = getattr(self, f.column)
                if i in kept:
                    md[f.name] = kept[i]
        return md


def sparse_value(name: str, value: Any) -> Any:
    """What the tree keeps of a sparse key's value, or None for nothing (texts cut;
    `ttftMs` only as a number; empty strings are not kept)."""
    if value is None:
        return None
    f = BY_NAME[name]
    if f.store == "sparse_number":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e12
        return float(value) if ok else None
    if name == "provider":
        return value
    if not value:
        return None
    return value[: f.cut] if f.cut else value


def append_new(tree: Columns, events: list[Event], seq: int) -> bool:
    """Append events whose ids are new and distinct. False (nothing changed) when one is
    not, or names as parent an event later in the run: the caller splits such a run."""
    n0 = len(tree.ids)
    k = len(events)
    ids: list[str] = list(map(_ID, events))
    parents: list[str | None] = list(map(_PARENT, events))
    index = tree.index
    local = dict(zip(ids, range(n0, n0 + k), strict=True))
    if len(local) != k or not index.keys().isdisjoint(local.keys()):
        return False
    pidx = [-2 if p is None else index.get(p, local.get(p, -1)) for p in parents]
    if any(map(ge, pidx, range(n0, n0 + k))):
        return False
    index.update(local)
    tree.ids.extend(ids)
    codes = tree.strings.codes
    tree.type.extend(bytes(map(TYPE_CODE.__getitem__, map(_TYPE, events))))
    tree.name.extend(array("i", codes(list(map(_NAME, events)))))
    starts: list[float] = list(map(_START, events))
    raw_ends: list[float | None] = list(map(_END, events))
    tree.start.extend(array("d", starts))
    tree.end.extend(array("d", [NAN if e is None else e for e in raw_ends]))
    tree.seq.extend(array("i", [seq]) * k)
    tree.child_count.extend(array("i", [0]) * k)
    tree.min_start = min(tree.min_start, min(starts))
    tree.max_end = max(tree.max_end, max(starts))  # an end is never before its start
    if raw_ends.count(None) != k:
        tree.max_end = max(tree.max_end, max([e for e in raw_ends if e is not None]))
    if None in raw_ends:
        tree.running.update([n0 + i for i, e in enumerate(raw_ends) if e is None])
    metas = [_NO_META if m is None else m for m in map(_META, events)]
    for f, get in _DENSE_AT:
        column = getattr(tree, f.column)
        values = list(map(get, metas))
        if f.store == "code":
            column.extend(array("i", codes(values)))
        elif values.count(None) == k:
            column.extend(array(f.typecode, [f.missing]) * k)
        else:
            miss = f.missing
            column.extend(array(f.typecode, [miss if v is None else v for v in values]))
    flags = _tokens(tree, list(map(_TOKENS, metas)))
    _sparse(tree, n0, metas, flags)
    tree.flags.extend(flags)
    _link_all(tree, n0, ids, parents, pidx)
    tree.version += 1
    return True


def _tokens(tree: Columns, tokens: list[Tokens | None]) -> bytearray:
    """The token columns; returns the new events' flags (F_TOKENS where usage was sent)."""
    flags = bytearray([0 if t is None else F_TOKENS for t in tokens])
    sent = [_NO_TOKENS if t is None else t for t in tokens]
    by_col = {col: list(map(get, sent)) for get, col in _TOKEN_AT}
    for _key, col in TOKENS[:4]:
        getattr(tree, col).extend(array("q", by_col[col]))
        tree.token_total += sum(by_col[col])
    tree.tcw1h.extend(array("q", map(min, by_col["tcw1h"], by_col["tcw"])))
    return flags


def _sparse(tree: Columns, n0: int, metas: list[Metadata], flags: bytearray) -> None:
    """Keys few events carry: a pass over a key's column only when some event sent it."""
    k = len(flags)
    sent = {}
    for name, get in _RARE:
        values = list(map(get, metas))
        if values.count(None) != k:
            sent[name] = values
    for name in ("provider", "url", "error", "text", "ttftMs"):
        if name in sent:
            kept = getattr(tree, BY_NAME[name].column)
            for i, v in enumerate(sent[name]):
                if v is not None and (v := sparse_value(name, v)) is not None:
                    kept[n0 + i] = v
    if "provider" in sent and "model" in sent:
        for model, v in zip(sent["model"], sent["provider"], strict=True):
            if v is not None and model is not None:
                tree.model_provider.setdefault(tree.strings.lookup[model], v)
    if "status" in sent or "error" in sent:
        for i, (status, error) in enumerate(zip(map(_STATUS, metas), map(_ERROR, metas), strict=True)):
            if status == "error" or error:
                flags[i] |= F_ERROR
    for i, v in enumerate(sent.get("compaction", ())):
        if v:
            flags[i] |= F_COMPACTION
    for i, v in enumerate(sent.get("timing", ())):
        if v == "inferred":
            flags[i] |= F_INFERRED
    for i, v in enumerate(sent.get("sessionTitle", ())):
        if v and (tree.title is None or tree.type[n0 + i] == AGENT):
            tree.title = v[:200]
    for name in ("source", "workspace"):
        for v in sent.get(name, ()):
            if v:
                setattr(tree, name, v)


def _link_all(tree: Columns, n0: int, ids: list[str], parents: list[str | None], pidx: list[int]) -> None:
    """Parents of the run: known ones at once; orphans that waited for one of these ids move
    under it first, and a node that took some through tree.link (its cycle check)."""
    adopted: set[int] = set()
    if tree.waiting:
        for i, eid in enumerate(ids):
            for child in tree.waiting.pop(eid, ()):
                tree.parent[child] = n0 + i
                tree.flags[child] &= ~F_ORPHAN
                tree.waiting_for.pop(child, None)
                tree.child_count[n0 + i] += 1
                adopted.add(n0 + i)
    direct = [-1 if p < 0 else p for p in pidx]
    for i in adopted:
        direct[i - n0] = -1
    tree.parent.extend(array("i", direct))
    for p, count in Counter(direct).items():
        if p >= 0:
            tree.child_count[p] += count
    if -1 in pidx or adopted:
        for i, p in enumerate(pidx):
            if p == -1 or (p >= 0 and n0 + i in adopted):
                tree.link(n0 + i, parents[i])
