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

import math
from array import array

from .events import Event
from .protocol import EVENT_TYPES

TYPES = EVENT_TYPES  # the stored type codes are positions in protocol.EVENT_TYPES
TYPE_CODE = {name: code for code, name in enumerate(TYPES)}
AI, TOOL, FREAD, FWRITE, NET, USER, AGENT = range(7)

NAN = math.nan
F_ERROR = 1
F_ORPHAN = 2
F_COMPACTION = 4
F_TOKENS = 8  # the span reported token usage (an API request)


class SessionTree:
    """Columns of one session; index i is the i-th distinct event id seen."""

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
        self.tin = array("q")
        self.tout = array("q")
        self.tcr = array("q")
        self.tcw = array("q")
        self.tcw1h = array("q")  # the part of tcw written to the 1-hour cache
        self.cost = array("d")
        self.model = array("i")
        self.tool = array("i")
        self.file = array("i")
        self.file_tokens = array("q")
        self.file_size = array("q")
        self.start_line = array("i")
        self.end_line = array("i")
        self.seq = array("i")  # the store row holding the event's latest JSON
        self.older_seqs: dict[int, list[int]] = {}  # rows of earlier versions, when it was updated
        self.text: dict[int, str] = {}
        self.url: dict[int, str] = {}
        self.error: dict[int, str] = {}
        self.ttft: dict[int, float] = {}  # issue 12: time to first token (OTLP ttft_ms), ms, where recorded
        self.provider: dict[int, str] = {}
        self.model_provider: dict[int, str] = {}  # model code -> the provider first named with it
        self.running: set[int] = set()  # spans with no end yet
        self.waiting: dict[str, list[int]] = {}  # unknown parent id -> orphans waiting for it
        self.waiting_for: dict[int, str] = {}  # orphan -> the parent id it waits for (O(1) parent_id_of)
        self.child_count = array("i")  # children per node: a node with none cannot close a cycle
        self.title: str | None = None
        self.source: str | None = None
        self.workspace: str | None = None
        self.version = 0
        self.last_update = 0.0
        # running aggregates for the session list (kept as events arrive, not recomputed)
        self.token_total = 0
        self.min_start = math.inf
        self.max_end = -math.inf

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------ updates

    def add(self, ev: Event, seq: int = 0) -> int:
        """Insert or update one validated event; returns its index.

        `seq` is the store row the event's JSON went to (0: not stored)."""
        idx = self.index.get(ev.id)
        if idx is None:
            return self._insert(ev, seq)
        else:
            if seq and self.seq[idx] and self.seq[idx] != seq:
                self.older_seqs.setdefault(idx, []).append(self.seq[idx])
            if ev.parentId is not None:
                self._link(idx, ev.parentId)
        if seq:
            self.seq[idx] = seq
        intern = self.strings.intern
        self.type[idx] = TYPE_CODE[ev.type]
        self.name[idx] = intern(ev.name)
        self.start[idx] = ev.startTime
        if ev.startTime < self.min_start:
            self.min_start = ev.startTime
        if ev.endTime is not None:
            self.end[idx] = ev.endTime
            if ev.endTime > self.max_end:
                self.max_end = ev.endTime
        elif ev.startTime > self.max_end:
            self.max_end = ev.startTime
        if self.end[idx] != self.end[idx]:
            self.running.add(idx)
        else:
            self.running.discard(idx)
        m = ev.metadata
        if m is not None:
            self._add_metadata(idx, m, intern)
        self.version += 1
        return idx

    def _add_metadata(self, idx: int, m, intern) -> None:
        t = m.tokens
        if t is not None:
            self.token_total += (
                t.input
                + t.output
                + t.cacheRead
                + t.cacheWrite
                - self.tin[idx]
                - self.tout[idx]
                - self.tcr[idx]
                - self.tcw[idx]
            )
            self.tin[idx] = t.input
            self.tout[idx] = t.output
            self.tcr[idx] = t.cacheRead
            self.tcw[idx] = t.cacheWrite
            if t.cacheWrite1h:
                self.tcw1h[idx] = min(t.cacheWrite1h, t.cacheWrite)
            else:
                self.tcw1h[idx] = 0
            self.flags[idx] |= F_TOKENS
        if m.costUsd is not None:
            self.cost[idx] = m.costUsd
        if m.model is not None:
            self.model[idx] = intern(m.model)
        if m.provider is not None:
            self.provider[idx] = m.provider
            if self.model[idx] >= 0:
                self.model_provider.setdefault(self.model[idx], m.provider)
        if m.toolName is not None:
            self.tool[idx] = intern(m.toolName)
        if m.filePath is not None:
            self.file[idx] = intern(m.filePath)
        if m.fileTokens is not None:
            self.file_tokens[idx] = m.fileTokens
        if m.fileSize is not None:
            self.file_size[idx] = m.fileSize
        if m.startLine is not None:
            self.start_line[idx] = m.startLine
        if m.endLine is not None:
            self.end_line[idx] = m.endLine
        if m.text:
            self.text[idx] = m.text[:300]
        if m.url:
            self.url[idx] = m.url
        if m.ttftMs is not None:
            self._add_ttft(idx, m.ttftMs)
        if m.status == "error" or m.error:
            self.flags[idx] |= F_ERROR
            if m.error:
                self.error[idx] = m.error[:300]
        elif m.status == "ok":
            self.flags[idx] &= ~F_ERROR
        if m.compaction:
            self.flags[idx] |= F_COMPACTION
        if m.sessionTitle and (self.title is None or self.type[idx] == AGENT):
            self.title = m.sessionTitle[:200]
        if m.source:
            self.source = m.source
        if m.workspace:
            self.workspace = m.workspace

    def _add_ttft(self, idx: int, v) -> None:
        """A response's time to first token (metadata `ttftMs`, ms) where a number was sent."""
        if isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1e12:
            self.ttft[idx] = float(v)

    def add_many(self, events: list[Event], seq: int = 0) -> None:
        """Add a batch: new events take the hot path, updates go through `add`."""
        index = self.index
        for k, ev in enumerate(events):
            if ev.id in index:
                self.add(ev, seq)
            else:
                self._insert_run(events[k:], seq)
                return

    def _insert(self, ev: Event, seq: int) -> int:
        self._insert_run([ev], seq)
        return len(self.ids) - 1

    def _insert_run(self, events: list[Event], seq: int) -> None:
        """New events: each column gets its final value in one append. The columns'
        append methods are looked up once per batch, not once per event."""
        intern = self.strings.intern
        index = self.index
        ids_append = self.ids.append
        parent_append, type_append, flags_append = self.parent.append, self.type.append, self.flags.append
        name_append, start_append, end_append = self.name.append, self.start.append, self.end.append
        tin_append, tout_append, tcw1h_append = self.tin.append, self.tout.append, self.tcw1h.append
        tcr_append, tcw_append = self.tcr.append, self.tcw.append
        cost_append, model_append, tool_append = self.cost.append, self.model.append, self.tool.append
        file_append, ftok_append, fsize_append = self.file.append, self.file_tokens.append, self.file_size.append
        sline_append, eline_append, seq_append = self.start_line.append, self.end_line.append, self.seq.append
        running, waiting, provider, texts = self.running, self.waiting, self.provider, self.text
        lookup = self.strings.lookup  # interning inlined: a dict hit is the common case
        type_code = TYPE_CODE
        min_start, max_end, token_total = self.min_start, self.max_end, self.token_total
        for ev in events:
            eid = ev.id
            if eid in index:  # an update within the batch
                self.min_start, self.max_end, self.token_total = min_start, max_end, token_total
                self.add(ev, seq)
                min_start, max_end, token_total = self.min_start, self.max_end, self.token_total
                continue
            m = ev.metadata
            idx = len(index)
            ids_append(eid)
            index[eid] = idx
            start = ev.startTime
            end = ev.endTime
            if end is None:
                end = NAN
                running.add(idx)
                if start > max_end:
                    max_end = start
            elif end > max_end:
                max_end = end
            if start < min_start:
                min_start = start
            flags = 0
            if m is None:
                tin_append(0), tout_append(0), tcr_append(0), tcw_append(0), tcw1h_append(0), cost_append(NAN)
                model_append(-1), tool_append(-1), file_append(-1), ftok_append(-1), fsize_append(-1)
                sline_append(0), eline_append(0)
            else:
                t = m.tokens
                if t is not None:
                    tin_append(t.input), tout_append(t.output), tcr_append(t.cacheRead), tcw_append(t.cacheWrite)
                    token_total += t.input + t.output + t.cacheRead + t.cacheWrite
                    tcw1h_append(min(t.cacheWrite1h, t.cacheWrite))
                    flags = F_TOKENS
                else:
                    tin_append(0), tout_append(0), tcr_append(0), tcw_append(0), tcw1h_append(0)
                cost_append(NAN if m.costUsd is None else m.costUsd)
                v = m.model
                model_append(-1 if v is None else (lookup[v] if v in lookup else intern(v)))
                v = m.toolName
                tool_append(-1 if v is None else (lookup[v] if v in lookup else intern(v)))
                v = m.filePath
                file_append(-1 if v is None else (lookup[v] if v in lookup else intern(v)))
                ftok_append(-1 if m.fileTokens is None else m.fileTokens)
                fsize_append(-1 if m.fileSize is None else m.fileSize)
                sline_append(m.startLine or 0)
                eline_append(m.endLine or 0)
                if m.provider is not None:
                    provider[idx] = m.provider
                    if m.model is not None:
                        self.model_provider.setdefault(lookup[m.model], m.provider)
            parent_append(-1)
            self.child_count.append(0)
            type_append(type_code[ev.type])
            flags_append(flags)
            v = ev.name
            name_append(lookup[v] if v in lookup else intern(v))
            start_append(start)
            end_append(end)
            seq_append(seq)
            if m is not None:
                if m.text:
                    texts[idx] = m.text[:300]
                if m.ttftMs is not None:
                    self._add_ttft(idx, m.ttftMs)
                if m.url or m.error or m.status or m.compaction or m.sessionTitle or m.source or m.workspace:
                    self._add_metadata(idx, m, intern)  # the rarer, sparse fields
            if waiting:
                # orphans that were waiting for this id move under it
                for child in waiting.pop(eid, ()):
                    self.parent[child] = idx
                    self.flags[child] &= ~F_ORPHAN
                    self.waiting_for.pop(child, None)
                    self.child_count[idx] += 1
            if ev.parentId is not None:
                self._link(idx, ev.parentId)
        self.min_start, self.max_end, self.token_total = min_start, max_end, token_total
        self.version += 1

    def _link(self, idx: int, parent_id: str | None) -> None:
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

    def get(self, code: int) -> str | None:
        return self.values[code] if code >= 0 else None


MAX_NESTING = 100  # event levels nested in an answer; JSON encoders stop near 250 levels of nesting


def cap_nesting(events: list[dict], max_depth: int = MAX_NESTING) -> tuple[list[dict], int]:
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
        flat: list[dict] = []
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
