"""The web UI's row layout of a time-view flame graph, made by the server (issue 13).

Why: the browser laid out every frame itself before its first paint (lanes for parallel
siblings, rows grouped and sorted by start): 30-100 ms of its main thread at 100k frames,
the largest piece of the page's own work. The server makes the same layout with numpy
once per analysis (flame.cached_flame_graph, warm.py) and sends it with the base64
answer as `layout`: {"rowCounts": frames per row, "order": base64 <i4 of the frame
indexes grouped by row, in display-start order within a row, "idle": the idle gaps
[[start, end], ...] in real ms, "end": the graph's end in real ms}. The page takes the rows
from it and computes them itself when it is absent (editor-clients/web/lanes.js
laneRows is the reference; tests/webui/test_flame_fixtures.py checks both agree on every
real fixture).

Everything here repeats lanes.js step for step in float64, in the same operation order,
so the two agree exactly: idle gaps collapse to display time (idleGaps), siblings go
first-fit into lanes by [start, end of their subtree) in display time (laneRows).
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

IDLE_GAP_MS = 120000.0  # lanes.js IDLE_GAP_MS
IDLE_SHOWN_SHARE = 0.01  # lanes.js IDLE_SHOWN_SHARE
IDLE_SHOWN_MIN = 20000.0

F8 = NDArray[np.float64]
I8 = NDArray[np.int64]


def flame_layout(graph: dict[str, Any]) -> dict[str, Any] | None:
    """The `layout` of a time-view graph in ms (columns as lists or numpy), or None when
    the page lays it out itself: another view or unit, no frames, or frames not in the
    pre-order the layout assumes (a parent before its children, one root)."""
    if graph.get("view") != "time" or graph.get("unit") != "ms":
        return None
    f = graph["frames"]
    start = np.asarray(f["start"], dtype=np.float64)
    n = len(start)
    if not n:
        return None
    value = np.asarray(f["value"], dtype=np.float64)
    depth = np.asarray(f["depth"], dtype=np.int64)
    parent = np.asarray(f["parent"], dtype=np.int64)
    if len(value) != n or len(depth) != n or len(parent) != n:
        return None
    if parent[0] >= 0 or (n > 1 and not bool(np.all((parent[1:] >= 0) & (parent[1:] < np.arange(1, n))))):
        return None
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(value)) and np.all(value >= 0) and np.all(depth >= 0)):
        return None  # the page's own path clamps or rejects such frames
    total = graph.get("total")
    max_end = float(total) if isinstance(total, (int, float)) and math.isfinite(total) else 0.0
    max_end = max(max_end, float(np.max(start + value)))
    real, dstart, dvalue, shown_end = _display(start, value, depth, max_end)
    row = _lane_rows(dstart, dvalue, parent, max(1e-9, shown_end * 1e-12))
    order = np.lexsort((dstart, row)).astype("<i4")
    counts = np.bincount(row)
    return {
        "rowCounts": counts.tolist(),
        "order": base64.b64encode(order.tobytes()).decode("ascii"),
        "idle": [[a, b] for a, b in real],
        "end": max_end,
    }


def _display(start: F8, value: F8, depth: I8, domain_end: float) -> tuple[list[tuple[float, float]], F8, F8, float]:
    """The idle gaps (real ms), display start and length of every frame with them collapsed
    (lanes.js idleGaps and mapFrames), and the display domain's end."""
    top = depth == 1
    s1 = start[top]
    e1 = s1 + value[top]
    k = np.argsort(s1, kind="stable")
    s1, e1 = s1[k], e1[k]
    real: list[tuple[float, float]] = []
    if len(s1):
        if s1[0] >= IDLE_GAP_MS:
            real.append((0.0, float(s1[0])))
        reach = np.maximum.accumulate(e1)  # reach[k]: the furthest end of frames 0..k
        gap = np.nonzero(s1[1:] - reach[:-1] >= IDLE_GAP_MS)[0]
        real.extend((float(reach[g]), float(s1[g + 1])) for g in gap.tolist())
        if domain_end - float(reach[-1]) >= IDLE_GAP_MS:
            real.append((float(reach[-1]), domain_end))
    if not real:
        return real, start, value, domain_end
    idle = 0.0
    for a, b in real:  # summed in order, as Array.reduce does
        idle += b - a
    shown = max(IDLE_SHOWN_MIN, IDLE_SHOWN_SHARE * (domain_end - idle))
    widths: list[float] = []
    removed = 0.0
    for a, b in real:
        w = min(shown, b - a)
        widths.append(w)
        removed += b - a - w
    gs = np.array([a for a, _ in real])
    ge = np.array([b for _, b in real])
    wd = np.array(widths)
    before = np.zeros(len(real))
    for g in range(1, len(real)):
        before[g] = before[g - 1] + (ge[g - 1] - gs[g - 1]) - wd[g - 1]

    def to_display(t: F8) -> F8:
        g = np.searchsorted(gs, t, side="left") - 1  # the last gap starting before t
        gc = np.maximum(g, 0)
        ln = ge[gc] - gs[gc]
        w = wd[gc]
        inside = t - before[gc] - ((t - gs[gc]) * (ln - w)) / ln
        after = t - before[gc] - (ln - w)
        out: F8 = np.where(g < 0, t, np.where(t < ge[gc], inside, after))
        return out

    dstart = to_display(start)
    dvalue = to_display(start + value) - dstart
    return real, dstart, dvalue, domain_end - removed


def _levels(parent: I8) -> list[I8]:
    """Frame indexes per tree level (level 0: the root), parents before children."""
    n = len(parent)
    level = np.zeros(n, dtype=np.int64)
    has = parent >= 0
    idx = np.nonzero(has)[0]
    # a parent comes before its children: one pass in index order per level of the tree
    while True:
        new = level[parent[idx]] + 1
        if np.array_equal(new, level[idx]):
            break
        level[idx] = new
    order = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[order], np.arange(int(level.max()) + 2))
    return [order[bounds[d] : bounds[d + 1]] for d in range(len(bounds) - 1)]


def _lane_rows(start: F8, value: F8, parent: I8, eps: float) -> I8:
    """Row of every frame: lanes.js laneRows."""
    n = len(start)
    levels = _levels(parent)
    ext = start + np.maximum(value, eps)
    for lev in reversed(levels[1:]):  # the end of each frame's whole subtree, deepest first
        np.maximum.at(ext, parent[lev], ext[lev])
    kids = np.nonzero(parent >= 0)[0]
    kids = kids[np.lexsort((-ext[kids], start[kids], parent[kids]))]  # by parent, start, longest first
    kp = parent[kids]
    first = np.ones(len(kids), dtype=bool)
    first[1:] = kp[1:] != kp[:-1]
    # lanes: first fit by start. A child starting after every earlier sibling's end finds all
    # lanes free (lane 0); only the runs of overlapping siblings need the sequential fit
    lane = np.zeros(n, dtype=np.int64)
    if len(kids):
        free = _starts_free(start[kids], ext[kids], first)
        busy = np.nonzero(~free)[0]
        if len(busy):
            _fit_lanes(kids, free, busy, start, ext, lane)
    # heights bottom-up: a lane is as tall as its tallest child; a frame 1 + its lanes
    nl = np.zeros(n, dtype=np.int64)
    np.maximum.at(nl, kp, lane[kids] + 1)
    base = np.concatenate([[0], np.cumsum(nl)])
    lane_id = np.zeros(n, dtype=np.int64)
    lane_id[kids] = base[kp] + lane[kids]
    lane_h = np.zeros(int(base[-1]), dtype=np.int64)
    height = np.ones(n, dtype=np.int64)
    owner = np.repeat(np.arange(n), nl)
    for lev in reversed(levels[1:]):
        np.maximum.at(lane_h, lane_id[lev], height[lev])
        lanes = np.unique(lane_id[lev])  # every lane of this level's parents, grouped by parent
        own = owner[lanes]
        first_lane = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        height[own[first_lane]] = 1 + np.add.reduceat(lane_h[lanes], first_lane)
    # a lane's first row below its parent: 1 + the heights of the lanes above it
    csum = np.cumsum(lane_h) - lane_h
    lane_off = 1 + csum - csum[base[owner]] if len(lane_h) else lane_h
    row = np.zeros(n, dtype=np.int64)
    for lev in levels[1:]:
        row[lev] = row[parent[lev]] + lane_off[lane_id[lev]]
    return row


def _starts_free(st: F8, ex: F8, first: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per child (grouped by parent, by start): does it start at or after the end of every
    earlier sibling's subtree? A running maximum of the ends restarting at each group, as a
    scan in doubling steps (log2 of the largest group passes; exact: no float offsets)."""
    m = len(st)
    gid = np.cumsum(first)
    best = ex.copy()  # best[k]: the latest end of siblings up to k
    step = 1
    while step < m:
        same = gid[step:] == gid[:-step]
        if not same.any():
            break
        best[step:] = np.maximum(best[step:], np.where(same, best[:-step], -np.inf))
        step *= 2
    prev = np.empty(m)
    prev[0] = -np.inf
    prev[1:] = best[:-1]
    prev[first] = -np.inf
    out: NDArray[np.bool_] = st >= prev
    return out


def _fit_lanes(kids: I8, free: NDArray[np.bool_], busy: I8, start: F8, ext: F8, lane: I8) -> None:
    """First-fit lanes for the runs of overlapping siblings: a run starts at a free child
    (every lane free, so the run's lanes can be counted from 0) and holds the busy ones after it."""
    run_start = np.nonzero(free)[0]
    heads = run_start[np.searchsorted(run_start, busy, side="right") - 1]
    st = start[kids].tolist()
    ex = ext[kids].tolist()
    kid = kids.tolist()
    head_of = heads.tolist()
    b_list = busy.tolist()
    k = 0
    while k < len(b_list):
        h = head_of[k]
        ends = [ex[h]]  # lane l's end; the head is in lane 0
        while k < len(b_list) and head_of[k] == h:
            j = b_list[k]
            sc = st[j]
            ln = 0
            while ln < len(ends) and ends[ln] > sc:
                ln += 1
            if ln == len(ends):
                ends.append(ex[j])
            else:
                ends[ln] = ex[j]
            lane[kid[j]] = ln
            k += 1
