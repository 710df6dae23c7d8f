"""One session's event tree, kept as columns.

A Python object per event costs ~1 KB; typed arrays and interned strings keep a
stored event to a few hundred bytes (bench/bench_core.py measures it). The tree
rules of the contract live here:
- the same id sent again updates the span (fields present win, absent ones stay),
  so a start-only update arriving after the finished span never erases its end;
- a child may arrive before its parent: it hangs under the root, flagged orphan,
  and moves under its parent when that arrives;
- a span with no end is running; its duration is live.
"""

from __future__ import annotations

from typing import Any

from .columns import (
    F_COMPACTION,
    F_ERROR,
    F_INFERRED,
    F_ORPHAN,
    F_TOKENS,
    TYPE_CODE,
    Columns,
    StringTable,
    append_new,
    sparse_value,
)
from .event_shape import DENSE, SPARSE, TOKENS
from .events import Event, Metadata, times
from .protocol import EVENT_TYPES

TYPES = EVENT_TYPES  # the stored type codes are positions in protocol.EVENT_TYPES
AI, TOOL, FREAD, FWRITE, NET, USER, AGENT = range(7)
__all__ = ["F_COMPACTION", "F_ERROR", "F_INFERRED", "F_ORPHAN", "F_TOKENS", "TYPE_CODE", "SessionTree", "StringTable"]


class SessionTree(Columns):
    """One session's columns (columns.Columns) and the rules that change them."""

    # ------------------------------------------------------------ updates

    def add_many(self, events: list[Event], seq: int = 0) -> None:
        """Add a batch (`seq`: the store row its JSON went to, 0 if not stored): runs of new
        ids go in a column at a time (columns.py); an id seen before updates its span."""
        if seq:
            self.batches += 1
            self.last_seq = max(self.last_seq, seq)
        if not events or append_new(self, events, seq):
            return
        run: list[Event] = []
        seen: set[str] = set()
        for ev in events:
            if ev.id in seen:
                self._append(run, seq)
                run, seen = [], set()
            if ev.id in self.index:
                self._append(run, seq)
                run, seen = [], set()
                self.update(ev, seq)
            else:
                run.append(ev)
                seen.add(ev.id)
        self._append(run, seq)

    def _append(self, run: list[Event], seq: int) -> None:
        if run and not append_new(self, run, seq):
            for ev in run:  # a parent later in the run: one at a time, as they came
                append_new(self, [ev], seq)

    def update(self, ev: Event, seq: int = 0) -> int:
        """The same id again: fields present win, absent ones stay (a start-only update
        arriving after the finished span never erases its end)."""
        idx = self.index[ev.id]
        if seq and self.seq[idx] and self.seq[idx] != seq:
            self.older_seqs.setdefault(idx, []).append(self.seq[idx])
        if ev.parentId is not None:
            self.link(idx, ev.parentId)
        if seq:
            self.seq[idx] = seq
        self.type[idx] = TYPE_CODE[ev.type]
        self.name[idx] = self.strings.intern(ev.name)
        start, end = times(ev)
        self.start[idx] = start
        self.min_start = min(self.min_start, start)
        if end is not None:
            self.end[idx] = end
        self.max_end = max(self.max_end, start if end is None else end)
        if self.end[idx] != self.end[idx]:
            self.running.add(idx)
        else:
            self.running.discard(idx)
        if ev.metadata is not None:
            self._update_metadata(idx, ev.metadata)
        self.version += 1
        return idx

    def _update_metadata(self, idx: int, m: Metadata) -> None:
        """An update's metadata, key by key as event_shape.METADATA says."""
        t = m.tokens
        if t is not None:
            old = self.tin[idx] + self.tout[idx] + self.tcr[idx] + self.tcw[idx]
            self.token_total += t.input + t.output + t.cacheRead + t.cacheWrite - old
            for key, column in TOKENS:
                getattr(self, column)[idx] = getattr(t, key)
            self.tcw1h[idx] = min(t.cacheWrite1h, t.cacheWrite)
            self.flags[idx] |= F_TOKENS
        for f in DENSE:
            v = getattr(m, f.name)
            if v is not None:
                getattr(self, f.column)[idx] = self.strings.intern(v) if f.store == "code" else v
        for f in SPARSE:
            v = sparse_value(f.name, getattr(m, f.name))
            if v is not None:
                getattr(self, f.column)[idx] = v
        if m.provider is not None and self.model[idx] >= 0:
            self.model_provider.setdefault(self.model[idx], m.provider)
        if m.status == "error" or m.error:
            self.flags[idx] |= F_ERROR
        elif m.status == "ok":
            self.flags[idx] &= ~F_ERROR
        if m.compaction:
            self.flags[idx] |= F_COMPACTION
        if m.timing == "inferred":
            self.flags[idx] |= F_INFERRED
        elif m.timing is not None:  # a re-sent span may now have both sides recorded
            self.flags[idx] &= ~F_INFERRED
        if m.sessionTitle and (self.title is None or self.type[idx] == AGENT):
            self.title = m.sessionTitle[:200]
        self.source = m.source or self.source
        self.workspace = m.workspace or self.workspace

    def link(self, idx: int, parent_id: str | None) -> None:
        """Hang idx under parent_id (None: at the top; unknown: an orphan waiting for it)."""
        if parent_id is not None and self.parent[idx] >= 0 and self.ids[self.parent[idx]] == parent_id:
            return  # the same parent again (an update): nothing moves
        self._unlink(idx)
        if parent_id is None:
            self.flags[idx] &= ~F_ORPHAN
            return
        pidx = self.index.get(parent_id)
        if pidx is None:
            self.flags[idx] |= F_ORPHAN
            self.waiting.setdefault(parent_id, []).append(idx)
            self.waiting_for[idx] = parent_id
        elif self.child_count[idx] and self._is_ancestor(idx, pidx):
            # a cycle: keep the span at the top level, flagged, rather than lose it
            self.flags[idx] |= F_ORPHAN
        else:
            self.parent[idx] = pidx
            self.child_count[pidx] += 1
            self.flags[idx] &= ~F_ORPHAN

    def _unlink(self, idx: int) -> None:
        """Take idx off its parent (or off the list of orphans waiting for one)."""
        p = self.parent[idx]
        if p >= 0:
            self.child_count[p] -= 1
            self.parent[idx] = -1
        pid = self.waiting_for.pop(idx, None)
        if pid is not None:
            kids = self.waiting.get(pid)
            if kids is not None:
                try:
                    kids.remove(idx)
                except ValueError:
                    pass
                if not kids:
                    del self.waiting[pid]

    def _is_ancestor(self, idx: int, node: int) -> bool:
        """Is idx `node` or above it? One walk up from node: linear in the depth, and only
        asked when idx has children (a new span, the common case, has none)."""
        parent = self.parent
        seen = 0
        limit = len(parent)
        while node != -1 and seen <= limit:
            if node == idx:
                return True
            node = parent[node]
            seen += 1
        return False

    # ------------------------------------------------------------ reads

    def parent_id_of(self, idx: int) -> str | None:
        p = self.parent[idx]
        if p >= 0:
            return self.ids[p]
        if self.flags[idx] & F_ORPHAN:
            return self.waiting_for.get(idx)
        return None

    def running_count(self) -> int:
        return len(self.running)


MAX_NESTING = 100  # event levels nested in an answer; JSON encoders stop near 250 levels of nesting


def cap_nesting(events: list[dict[str, Any]], max_depth: int = MAX_NESTING) -> tuple[list[dict[str, Any]], int]:
    """The wire's nested event tree with every level below `max_depth` flattened: the
    deepest kept event lists all its descendants as direct children (each keeps its
    true parentId), so any JSON encoder can send it. Iterative: no recursion limit.
    Returns the events and how many were moved up (0: nothing was deeper)."""
    moved = 0
    stack = [(e, 1) for e in events]
    while stack:
        node, depth = stack.pop()
        kids = node.get("children") or []
        if depth < max_depth:
            stack.extend((k, depth + 1) for k in kids)
            continue
        flat: list[dict[str, Any]] = []
        todo = list(reversed(kids))
        while todo:  # pre-order, so the flattened list reads top-down
            k = todo.pop()
            grand = k.get("children") or []
            if grand:
                moved += len(grand)
                k["children"] = []
                todo.extend(reversed(grand))
            flat.append(k)
        node["children"] = flat
    return events, moved
