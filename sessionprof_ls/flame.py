"""Flame graph data in the compact columnar form of models.FlameGraph.

Columns instead of nested objects keep a 1M-event graph to a few tens of MB of
JSON that the web UI turns straight into typed arrays. Three layouts:
- time view: every span at its real start, nested as sent (the spec's view);
- aggregate view: spans with the same call path merged, widest first (left-heavy);
- token weight: widths are tokens (a request's tokens, a file's tokens in context).
"""

from __future__ import annotations

import re
from typing import Any

from .analysis import Analysis
from .answer import Answer, build_lock
from .tree import AGENT, AI, F_TOKENS, FREAD, FWRITE, NET, TOOL, TYPES, SessionTree

FLAME_TYPES = ("session",) + TYPES
UNEXPLAINED = "(unexplained)"
MEMBERS_MAX = 100  # member ids sent per merged frame (count says how many there are)
Graph = dict[str, Any]  # a FlameGraph answer (models.FlameGraph), columns as lists or numpy
_NUMBERED = re.compile(r"\s*(#\d+|\d+)\b.*$|:.*$")


class _Frames:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self._sidx: dict[str, int] = {}
        self.cols: dict[str, Any] = {
            k: [] for k in ("name", "type", "depth", "start", "value", "parent", "id", "count")
        }
        self.members: list[list[str]] | None = None  # aggregate view: member ids per frame

    def string(self, s: str) -> int:
        i = self._sidx.get(s)
        if i is None:
            i = self._sidx[s] = len(self.strings)
            self.strings.append(s)
        return i

    def add(
        self, name: str, typ: int, depth: int, start: float, value: float, parent: int, eid: str | None, count: int
    ) -> int:
        c = self.cols
        c["name"].append(self.string(name))
        c["type"].append(typ)
        c["depth"].append(depth)
        c["start"].append(start)
        c["value"].append(value)
        c["parent"].append(parent)
        c["id"].append(eid)
        c["count"].append(count)
        return len(c["name"]) - 1


def _own_tokens(t: SessionTree, i: int) -> int:
    """A request's tokens; nothing else owns any: a file's tokens are already inside the
    input of the requests that carried it, so the root equals the summary's totalTokens."""
    if t.flags[i] & F_TOKENS:
        return t.tin[i] + t.tout[i] + t.tcr[i] + t.tcw[i]
    return 0


def flame_graph(analysis: Analysis, view: str = "time", weight: str = "time") -> Graph:
    """The graph with its columns as lists (the JSON form)."""
    return flame_graph_lists(_graph(analysis, view, weight))


def cached_flame_graph(analysis: Analysis, view: str = "time", weight: str = "time", encoding: str = "json") -> Answer:
    """flame_graph (base64 encoded if asked), made once per analysis: the engine keeps one
    analysis per tree version, so a repeated request (a reload, a second view) is free."""
    cache: dict[tuple[str, str, str], Answer] = analysis.__dict__.setdefault("_flame_cache", {})
    key = (view, weight, encoding)
    answer = cache.get(key)
    if answer is None:
        with build_lock(analysis, key):  # made once, even when warm.py is making it right now
            answer = cache.get(key)
            if answer is None:
                graph = _graph(analysis, view, weight)
                graph = encode_base64(graph) if encoding == "base64" else flame_graph_lists(graph)
                cache[key] = answer = Answer(graph)
    return answer.copy()


def flame_graph_lists(graph: Graph) -> Graph:
    """A graph with numpy columns as one with lists."""
    frames = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in graph["frames"].items()}
    return {**graph, "frames": frames}


def _scalar(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def _graph(analysis: Analysis, view: str = "time", weight: str = "time") -> Graph:
    t = analysis.t
    n = len(t)
    vectorised = view != "aggregate" and weight != "tokens" and analysis.n > 0  # the first paint's view
    kids: Any = None if vectorised else analysis.children()
    ends: Any = None if vectorised else analysis.ends
    start0 = analysis.t0
    names = t.strings.values
    fr = _Frames()

    if weight == "tokens":
        inclusive = [0] * (n + 1)
        for node in analysis.children_first():
            own = _own_tokens(t, node) if node < n else 0
            inclusive[node] = own + sum(inclusive[c] for c in kids[node])
        weights: list[int] | None = inclusive
    else:
        weights = None
    # the aggregate time view adds up the time the split gives each span (parallel calls
    # counted once, idle left out), so its root is the active time and its buckets the summary's
    agg_time = (
        _inclusive(analysis, kids, analysis.own_time().tolist()) if view == "aggregate" and weights is None else None
    )

    if view == "aggregate":
        _aggregate(t, analysis, kids, fr, weights if weights is not None else agg_time, weights is None)
    elif vectorised:
        _time_view(analysis, fr)
    else:
        total = weights[n] if weights else analysis.t1 - start0
        fr.add(analysis.title(), 0, 0, 0.0, total, -1, None, 1)
        # pre-order walk: (node, frame of parent, depth, left edge for token layout)
        stack = [(c, 0, 1) for c in reversed(kids[n])]
        cursor = {0: 0.0}
        while stack:
            node, pframe, depth = stack.pop()
            if weights is not None:
                value = weights[node]
                if value <= 0:
                    continue
                left = cursor[pframe]
                cursor[pframe] = left + value
            else:
                left = t.start[node] - start0
                value = ends[node] - t.start[node]
            f = fr.add(names[t.name[node]], t.type[node] + 1, depth, left, value, pframe, t.ids[node], 1)
            if weights is not None:
                cursor[f] = left
            stack.extend((c, f, depth + 1) for c in reversed(kids[node]))

    cols = fr.cols
    import numpy as np

    # 10 µs is finer than any agent's timing: shorter numbers, a third less JSON at 1M frames
    for key in ("start", "value"):
        if len(cols[key]) and weights is None:
            cols[key] = np.round(np.asarray(cols[key], dtype=np.float64), 2)
    if view != "aggregate":
        cols["count"] = None
    else:  # issue 13: the events each merged frame stands for (the web UI lists them on click)
        cols["members"] = getattr(fr, "members", None)
    return {
        "sessionId": t.session_id,
        "view": "aggregate" if view == "aggregate" else "time",
        "weight": "tokens" if weights is not None else "time",
        "unit": "tokens" if weights is not None else "ms",
        "total": _scalar(cols["value"][0]) if len(cols["value"]) else 0,
        "maxDepth": _scalar(max(cols["depth"])) if len(cols["depth"]) else 0,
        "strings": fr.strings,
        "types": list(FLAME_TYPES),
        "frames": cols,
        "encoding": "json",
    }


# column -> little-endian numpy type of its base64 form (the web UI's typed arrays)
BASE64_TYPES = {
    "name": "<i4",
    "type": "u1",
    "depth": "<i4",
    "start": "<f8",
    "value": "<f8",
    "parent": "<i4",
    "count": "<i4",
}


def encode_base64(graph: Graph) -> Graph:
    """The same graph with its numeric columns as base64 of little-endian typed arrays.

    A browser turns these into typed arrays without parsing a number per frame: at 100k
    frames JSON.parse of the number arrays took longer than fetching and drawing."""
    import base64

    import numpy as np

    from .flame_layout import flame_layout

    frames = dict(graph["frames"])
    for key, dtype in BASE64_TYPES.items():
        col = frames.get(key)
        if col is not None:
            frames[key] = base64.b64encode(np.asarray(col, dtype=dtype).tobytes()).decode("ascii")
    frames["id"] = join_ids(frames.get("id"))
    out = {**graph, "encoding": "base64", "frames": frames}
    layout = flame_layout(graph)  # issue 13: the page's rows, made here (time view)
    if layout is not None:
        out["layout"] = layout
    return out


def join_ids(ids: Any) -> Any:
    """The time view's event ids as one string, joined by newlines (the root's null as ""),
    when no other id is null, "" or holds a newline: JSON.parse of 100k short strings took a
    browser longer than the rest of the 5 MB answer; one string parses at copy speed (issue
    13). Else (the aggregate view's nulls) as is."""
    if not isinstance(ids, list) or not ids:
        return ids
    rest = ids[1:] if ids[0] is None else ids
    if not rest:
        return ""  # the root alone
    try:
        text = "\n".join(rest)  # a null among them: TypeError (faster than `None in rest`)
    except TypeError:
        return ids
    if text.count("\n") != len(rest) - 1 or "" in rest:
        return ids
    return "\n" + text if rest is not ids else text


def aggregate_label(t: SessionTree, i: int) -> str:
    """The name spans are merged under in the aggregate view."""
    typ = t.type[i]
    s = t.strings
    if typ == AI:
        return s.get(t.model[i]) or "AI response"
    if typ == TOOL:
        return s.get(t.tool[i]) or s.values[t.name[i]]
    if typ in (FREAD, FWRITE):
        return s.get(t.file[i]) or s.values[t.name[i]]
    if typ == NET:
        url = t.url.get(i) or s.values[t.name[i]]
        m = re.match(r"[a-z]+://([^/]+)", url)
        return m.group(1) if m else url
    if typ == AGENT and t.parent[i] >= 0 and t.type[t.parent[i]] == TOOL:
        return "subagent: " + (_NUMBERED.sub("", s.values[t.name[i]]) or "agent")
    return _NUMBERED.sub("", s.values[t.name[i]]) or TYPES[typ]


def _inclusive(analysis: Analysis, kids: Any, own: list[float]) -> list[float]:
    """Per node (the root last), its own value plus its descendants'."""
    out = own + [0.0]
    for node in analysis.children_first():
        if kids[node]:
            out[node] += sum(out[c] for c in kids[node])
    return out


def _aggregate(t: SessionTree, analysis: Analysis, kids: Any, fr: _Frames, weights: Any, is_time: bool) -> None:
    """Merge spans by call path, then lay each level out widest first. Time: each span's
    share of the time split (weights), so the root is the session's active time."""
    n = len(t)
    # merged node: [label, type, value, count, {child key: merged node}]
    root: list[Any] = ["", 0, 0.0, 1, {}]
    stack = [(c, root) for c in kids[n]]
    while stack:
        node, parent = stack.pop()
        value = weights[node]
        if value <= 0 and not is_time:
            continue
        label = aggregate_label(t, node)
        key = (t.type[node], label)
        m = parent[4].get(key)
        if m is None:
            m = parent[4][key] = [label, t.type[node] + 1, 0.0, 0, {}]
        m[2] += value
        m[3] += 1
        if len(m) == 5:  # issue 13: member event ids, the first MEMBERS_MAX
            m.append([])
        if len(m[5]) < MEMBERS_MAX:
            m[5].append(t.ids[node])
        stack.extend((c, m) for c in kids[node])

    if is_time:
        split = analysis.time_split()
        if split["other"] > 0:  # active time no span explains, shown so the root adds up
            root[4][(0, UNEXPLAINED)] = [UNEXPLAINED, 0, split["other"], 1, {}]
        total = split["active"]
    else:
        total = weights[n]
    root[2] = total
    fr.add(analysis.title(), 0, 0, 0.0, total, -1, None, 1)
    fr.members = [[]]  # aligned with the frames, in the order fr.add makes them
    work = [(root, 0, 0.0, 0)]
    while work:
        m, frame, left, depth = work.pop()
        x = left
        children = sorted(m[4].values(), key=lambda c: -c[2])
        placed = []
        for c in children:
            f = fr.add(c[0], c[1], depth + 1, x, c[2], frame, None, c[3])
            fr.members.append(c[5] if len(c) > 5 else [])
            placed.append((c, f, x, depth + 1))
            x += c[2]
        work.extend(reversed(placed))


def _column(col: Any, dtype: Any, n: int) -> Any:
    """The first n values of a tree column, copied (a view would stop the array growing)."""
    import numpy as np

    return np.frombuffer(col, dtype=dtype)[:n].copy() if n else np.zeros(0, dtype=dtype)


def _time_view(analysis: Analysis, fr: _Frames) -> dict[str, Any]:
    """The time view as numpy columns, in the pre-order (children in start order) of the
    Python walk it replaces, without a per-event loop: 100k events went from 0.85 s to a
    few tens of ms. Levels of the tree are walked one at a time, so the loops run once per
    depth, not once per event; spans no chain of parents reaches from the root are left out."""
    import numpy as np

    t = analysis.t
    n = analysis.n
    start = analysis.a_start[:n]
    par = analysis.a_parent[:n].astype(np.int64)
    par[(par < 0) | (par >= n)] = n
    # children grouped by parent, in start order within a parent (as Analysis.children)
    order = np.argsort(start, kind="stable")
    grouped = order[np.argsort(par[order], kind="stable")]
    ptr = np.searchsorted(par[grouped], np.arange(n + 2))  # children of p: grouped[ptr[p]:ptr[p+1]]
    levels = []
    frontier = np.array([n], dtype=np.int64)
    seen = 0
    while frontier.size and seen <= n:
        lo, hi = ptr[frontier], ptr[frontier + 1]
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            break
        # the grouped positions lo..hi-1 of every frontier node, in frontier order
        offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        frontier = grouped[np.repeat(lo, counts) + offs]
        levels.append(frontier)
        seen += total
    size = np.ones(n + 1, dtype=np.int64)
    for lev in reversed(levels):  # subtree sizes, deepest level first
        size += np.bincount(par[lev], weights=size[lev], minlength=n + 1).astype(np.int64)
    # a child's place after its parent: 1 + the sizes of its earlier siblings
    sg = size[grouped]
    excl = np.cumsum(sg) - sg
    before = np.empty(n, dtype=np.int64)
    before[grouped] = excl - excl[ptr[par[grouped]]]
    pos = np.zeros(n + 1, dtype=np.int64)
    depth = np.zeros(n + 1, dtype=np.int32)
    for d, lev in enumerate(levels, 1):
        pos[lev] = pos[par[lev]] + 1 + before[lev]
        depth[lev] = d
    nodes = np.concatenate(levels) if levels else np.zeros(0, dtype=np.int64)
    pre = np.empty(len(nodes), dtype=np.int64)
    pre[pos[nodes] - 1] = nodes  # frame k + 1 is node pre[k]

    # names as _Frames.string interns them: the title first, then in order of first use
    gids = _column(t.name, np.int32, n)[pre]
    uniq, first, inverse = np.unique(gids, return_index=True, return_inverse=True)
    fr.string(analysis.title())
    values = t.strings.values
    local = np.empty(len(uniq), dtype=np.int32)
    for u in np.argsort(first, kind="stable").tolist():
        local[u] = fr.string(values[int(uniq[u])])
    end = analysis.a_end[:n]
    t0 = analysis.t0
    ids = t.ids
    cols = fr.cols
    cols["name"] = np.concatenate([[0], local[inverse.reshape(-1)]]).astype(np.int32)
    cols["type"] = np.concatenate([[0], analysis.a_type[pre].astype(np.int32) + 1]).astype(np.uint8)
    cols["depth"] = np.concatenate([[0], depth[pre]]).astype(np.int32)
    cols["start"] = np.concatenate([[0.0], start[pre] - t0])
    cols["value"] = np.concatenate([[analysis.t1 - t0], end[pre] - start[pre]])
    cols["parent"] = np.concatenate([[-1], pos[par[pre]]]).astype(np.int32)
    cols["id"] = [None] + [ids[i] for i in pre.tolist()]
    return cols
