"""A session's columns saved in the store, read back on a cold load (issue 13).

Replaying a 100k-event session from its stored JSON (decode, validate, fill the columns)
takes ~0.5 s of CPU; reading its columns back takes a few tens of ms. The snapshot holds
the tree exactly (columns as bytes, ids, sparse keys, orphans, aggregates) as of the last
batch it saw; batches stored after it are replayed on top, so it is never stale. It is
used only when it covers exactly the batches it says (another process may have written
in between) and when its format is this program's (event_shape's columns): otherwise
the session is replayed from its batches, as without it.
"""

from __future__ import annotations

from array import array
from typing import Any

import msgspec

from .columns import StringTable
from .event_shape import METADATA, METADATA_COLUMNS, SPARSE
from .tree import SessionTree

# columns saved as bytes: name -> typecode ("B": the bytearrays)
ARRAYS: tuple[tuple[str, str], ...] = (
    ("parent", "i"),
    ("type", "B"),
    ("flags", "B"),
    ("name", "i"),
    ("start", "d"),
    ("end", "d"),
    ("seq", "i"),
    ("child_count", "i"),
    *METADATA_COLUMNS,
)
CODES = ("name", "model", "tool", "file")  # string-table codes: remapped to the loading table
FORMAT = "1:" + ",".join(f"{name}/{code}" for name, code in ARRAYS) + ":" + ",".join(f.column for f in SPARSE)
FORMAT += ":" + ",".join(f.name for f in METADATA if f.store == "flag")  # a new flag bit: older snapshots lack it
# tree fields saved as they are
SAME: tuple[str, ...] = ("older_seqs", "waiting", "waiting_for", "title", "source", "workspace")
SAME += ("token_total", "min_start", "max_end", "batches", "last_seq")
MIN_EVENTS = 50_000  # smaller sessions replay in ~0.1-0.3 s


class Snapshot(msgspec.Struct, array_like=True):
    """What is saved: the columns, their strings, and every field of the tree."""

    n: int
    arrays: dict[str, bytes]
    strings: list[str]
    ids: list[str]
    sparse: dict[str, dict[int, Any]]
    model_provider: dict[int, str]
    older_seqs: dict[int, list[int]]
    running: list[int]
    waiting: dict[str, list[int]]
    waiting_for: dict[int, str]
    title: str | None
    source: str | None
    workspace: str | None
    token_total: int
    min_start: float
    max_end: float
    batches: int
    last_seq: int


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Snapshot).decode


def due(tree: SessionTree) -> bool:
    """Worth saving now: big enough, and twice the size of the last one (amortised, one
    event saved about once however often small batches arrive: ~0.3 us an event)."""
    n = len(tree)
    return n >= MIN_EVENTS and n >= 2 * tree.snapshot_size


def dump(tree: SessionTree) -> bytes:
    """The tree as bytes, its string codes made local (the engine's table is shared)."""
    import numpy as np  # loaded when a big session is saved or read, not by importing the engine

    cols = {name: np.frombuffer(getattr(tree, name), dtype=np.int32) for name in CODES}
    keys = np.fromiter(tree.model_provider, dtype=np.int32, count=len(tree.model_provider))
    used = np.unique(np.concatenate([*cols.values(), keys]))
    used = used[used >= 0]
    local = np.full(len(tree.strings.values) + 1, -1, dtype=np.int32)  # the last entry: -1 stays -1
    local[used] = np.arange(len(used), dtype=np.int32)
    arrays = {name: bytes(getattr(tree, name)) for name, _code in ARRAYS}
    for name, col in cols.items():
        arrays[name] = local[col].tobytes()
    values = tree.strings.values
    snap = Snapshot(
        n=len(tree),
        arrays=arrays,
        strings=[values[c] for c in used.tolist()],
        ids=tree.ids,
        sparse={f.column: getattr(tree, f.column) for f in SPARSE},
        model_provider={int(local[k]): v for k, v in tree.model_provider.items()},
        running=sorted(tree.running),
        **{name: getattr(tree, name) for name in SAME},
    )
    return _encode(snap)


def load(data: bytes, session_id: str, strings: StringTable) -> SessionTree:
    """The tree saved by dump, its codes those of `strings` (raises on a damaged snapshot)."""
    import numpy as np

    snap = _decode(data)
    n = snap.n
    tree = SessionTree(session_id, strings)
    codes = np.array([*strings.codes(snap.strings), -1], dtype=np.int32)  # local code -> ours
    for name, code in ARRAYS:
        raw = snap.arrays[name]
        if name in CODES:
            raw = codes[np.frombuffer(raw, dtype=np.int32)].tobytes()
        col = bytearray(raw) if code == "B" else array(code, raw)
        if len(col) != n:
            raise ValueError(f"snapshot column {name}: {len(col)} entries, expected {n}")
        setattr(tree, name, col)
    if len(snap.ids) != n:
        raise ValueError("snapshot ids do not match its columns")
    tree.ids = snap.ids
    tree.index = dict(zip(snap.ids, range(n), strict=True))
    for f in SPARSE:
        setattr(tree, f.column, snap.sparse.get(f.column, {}))
    tree.model_provider = {int(codes[k]): v for k, v in snap.model_provider.items()}
    tree.running = set(snap.running)
    for name in SAME:
        setattr(tree, name, getattr(snap, name))
    tree.snapshot_size = n
    tree.version = 1
    return tree
