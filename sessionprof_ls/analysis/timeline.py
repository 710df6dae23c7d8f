"""Time split: every instant of the session's wall time goes to exactly one bucket,
so the buckets add up to the wall time.

Idle first: a gap between the session's top-level spans (turns) that ends at the
next prompt is the user away, `idle`; the rest of the wall time is active. Within
it an instant belongs to the deepest span covering it (a parent's self time
excludes its children: a Task tool's time is its subagent's thinking and tools);
a turn's or subagent's own time (no request, no tool running) is the agent's
processing, `agent`. Where parallel branches overlap, waiting on the user wins over
network, network over hooks, hooks over tools, tools over compaction, compaction over
AI thinking, and that over the agent's own time. What no span covers and is not idle
is `other` (unexplained).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray

from ..tree import AGENT, F_COMPACTION, TOOL, USER
from .base import F64, AnalysisBase, Index, JsonDict


def merged_runs(s: F64, e: F64) -> tuple[Index, F64]:
    """Intervals sorted by start, merged where they overlap: the index of each merged
    run's first interval, and the run's end (a running max finds the gaps)."""
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, s.size - 1)
    return first, reach[last]


def union_length(starts: F64, ends: F64) -> float:
    """Length of the union of intervals."""
    if starts.size == 0:
        return 0.0
    order = np.argsort(starts, kind="stable")
    s = starts[order]
    first, run_end = merged_runs(s, ends[order])
    return float(np.sum(run_end - s[first]))


# bucket per type code (ai, tool, file read, file write, network, user, agent)
AI_B, TOOL_B, NET_B, USER_B, COMPACTION_B, HOOK_B, AGENT_B = range(7)
_BUCKET = np.array([AI_B, TOOL_B, TOOL_B, TOOL_B, NET_B, USER_B, AGENT_B], dtype=np.int8)
# overlap priority, highest first: (result key, bucket code)
PRIORITY = (
    ("user", USER_B),
    ("net", NET_B),
    ("hook", HOOK_B),
    ("tool", TOOL_B),
    ("compaction", COMPACTION_B),
    ("ai", AI_B),
    ("agent", AGENT_B),
)
BUCKETS = tuple(k for k, _ in PRIORITY)
HOOK_TOOL_NAMES = ("hook",)  # tool spans named so (Claude Code trace `hook` spans) are hook time


# the summary's time fields that add up to its totalDuration (null ones count 0: not recorded)
TIME_FIELDS = (
    "idleTime",
    "aiThinkingTime",
    "toolExecutionTime",
    "networkTime",
    "userWaitTime",
    "hookTime",
    "compactionTime",
    "agentOverheadTime",
    "otherTime",
)


def time_parts(summary: JsonDict) -> float:
    """The sum of a summary's time buckets, idle included: equals its totalDuration."""
    return sum(summary.get(k) or 0.0 for k in TIME_FIELDS)


class TimelineMixin(AnalysisBase):
    """The session's time split; mixed into Analysis (reads its copied columns)."""

    def time_split(self) -> dict[str, float]:
        """The session's wall time in buckets that add up to it (see the module doc):
        keys total, idle, active, other and one per BUCKETS, plus hookSpans/netSpans counts."""
        if "_split" not in self.__dict__:
            self._split = self._time_split()
        return self._split

    def buckets(self) -> NDArray[np.int8]:
        """Bucket code per event: by type, compactions and hooks by their flag or tool name."""
        if "_buckets" not in self.__dict__:
            b = _BUCKET[self.a_type] if self.n else np.zeros(0, dtype=np.int8)
            b = b.copy()
            b[((self.a_flags & F_COMPACTION) != 0) & (self.a_type == AGENT)] = COMPACTION_B
            lookup = self.t.strings.lookup  # exact names: a scan of every interned string would cost per analysis
            hooks = [lookup[v] for name in HOOK_TOOL_NAMES for v in (name, name.capitalize()) if v in lookup]
            if hooks:
                b[np.isin(self._col("tool"), hooks) & (self.a_type == TOOL)] = HOOK_B
            self._buckets = b
        return self._buckets

    def idle_gaps(self) -> tuple[F64, F64]:
        """(starts, ends) in ms from the session start of the gaps between turns that end at
        the next prompt: the user away, reading, typing."""
        if "_idle" not in self.__dict__:
            self._idle = self._idle_gaps()
        return self._idle

    def _idle_gaps(self) -> tuple[F64, F64]:
        top = np.flatnonzero(self.a_parent < 0)
        if top.size < 2:
            return np.zeros(0), np.zeros(0)
        s = self.a_start[top] - self.t0
        e = np.maximum(self.a_end[top] - self.t0, s)
        # a prompt opens a turn: a turn (an agent span, not a compaction) or the user's input
        prompt = ((self.a_type[top] == AGENT) & ((self.a_flags[top] & F_COMPACTION) == 0)) | (self.a_type[top] == USER)
        order = np.lexsort((~prompt, s))  # by start; prompts first among equal starts
        s, e, prompt = s[order], e[order], prompt[order]
        first, run_end = merged_runs(s, e)
        if first.size < 2:
            return np.zeros(0), np.zeros(0)
        nxt = first[1:]
        # a gap is idle when the run after it opens with a prompt
        gs, ge = run_end[:-1], s[nxt]
        keep = prompt[nxt] & (ge > gs)
        return gs[keep], ge[keep]

    def _time_split(self) -> dict[str, float]:
        n = self.n
        total = self.t1 - self.t0
        result = {k: 0.0 for k in BUCKETS}
        result.update({"total": total, "other": total, "idle": 0.0, "active": total})
        if not n:
            return result
        gs, ge = self.idle_gaps()
        idle = float(np.sum(ge - gs))
        active = max(0.0, total - idle)
        result["idle"], result["active"] = idle, active
        s = self.a_start - self.t0
        e = np.maximum(self.a_end - self.t0, s)
        bucket = self.buckets()
        parent = self.a_parent
        # children's intervals clipped to their parent, merged per parent
        kid = np.flatnonzero(parent >= 0)
        p = parent[kid]
        cs = np.maximum(s[kid], s[p])
        ce = np.minimum(e[kid], e[p])
        keep = ce > cs
        kid, p, cs, ce = kid[keep], p[keep], cs[keep], ce[keep]
        big = total + 1.0  # offsets keep each parent's children apart in one sort
        os_ = cs + p * big
        oe = ce + p * big
        order = np.argsort(os_, kind="stable")
        os_, oe, p = os_[order], oe[order], p[order]
        if os_.size:
            first, run_end = merged_runs(os_, oe)
            mp = p[first]  # parent of each merged covered interval
            ms = os_[first] - mp * big
            me = run_end - mp * big
        else:
            mp, ms, me = np.zeros(0, dtype=p.dtype), np.zeros(0), np.zeros(0)
        # self time of a parent: the gaps between its merged children's intervals
        mp = mp.astype(np.int64)
        has_kids = np.zeros(n, dtype=bool)
        has_kids[mp] = True
        if mp.size:
            same = np.empty(mp.size, dtype=bool)
            same[0] = False
            same[1:] = mp[1:] == mp[:-1]
            lead_s = np.where(same, np.roll(me, 1), s[mp])  # parent start, or the previous covered end
            last_of = np.append(mp[1:] != mp[:-1], True)
            gap_s = np.concatenate([lead_s, me[last_of]])
            gap_e = np.concatenate([ms, e[mp[last_of]]])
            gap_owner = np.concatenate([mp, mp[last_of]])
        else:
            gap_s = gap_e = np.zeros(0)
            gap_owner = np.zeros(0, dtype=np.int64)
        leaves = np.flatnonzero(~has_kids)
        seg_s = np.concatenate([s[leaves], gap_s])
        seg_e = np.concatenate([e[leaves], gap_e])
        seg_b = np.concatenate([bucket[leaves], bucket[gap_owner]])
        seg_o = np.concatenate([leaves, gap_owner])
        ok = seg_e > seg_s
        seg_s, seg_e, seg_b, seg_o = seg_s[ok], seg_e[ok], seg_b[ok], seg_o[ok]
        won = _attribute(seg_s, seg_e, seg_b)
        # each event's own share of the timeline: what the aggregate flame graph adds up
        # with weights bincount gives float64 (numpy's stubs say intp)
        self._own_time = cast(F64, np.bincount(seg_o, weights=won, minlength=n))
        for name, code in PRIORITY:
            result[name] = float(won[seg_b == code].sum())
        result["other"] = max(0.0, active - float(won.sum()))
        return result

    def own_time(self) -> F64:
        """Per event, the time the split gives it (its self time, less what parallel or
        higher-priority spans won): these add up to the buckets of the summary."""
        self.time_split()
        return self._own_time if "_own_time" in self.__dict__ else np.zeros(self.n)


def _covered_before(hs: F64, he: F64, cum: F64, x: F64) -> F64:
    """Length of the disjoint sorted intervals (hs, he) left of each x (cum: their running total)."""
    k = np.searchsorted(hs, x, side="right") - 1
    kk = np.maximum(k, 0)
    before = np.where(kk > 0, cum[np.maximum(kk - 1, 0)], 0.0)
    inside = np.clip(x - hs[kk], 0.0, he[kk] - hs[kk]) if hs.size else np.zeros(x.size)
    return np.where(k >= 0, before + inside, 0.0)


def _attribute(seg_s: F64, seg_e: F64, seg_b: NDArray[np.int8]) -> F64:
    """The time each segment wins: buckets in PRIORITY order take what is not yet taken;
    within a bucket, parallel segments share overlap first come, first served (each takes
    its part past the bucket's reach so far). The total per bucket is that bucket's union
    less the higher buckets' union, exactly as the split counts it."""
    won = np.zeros(seg_s.size)
    hs = he = np.zeros(0)  # union of the higher-priority buckets, merged
    for _, code in PRIORITY:
        idx = np.flatnonzero(seg_b == code)
        if not idx.size:
            continue
        order = idx[np.lexsort((seg_e[idx], seg_s[idx]))]
        s, e = seg_s[order], seg_e[order]
        reach = np.maximum.accumulate(e)
        a = np.maximum(s, np.concatenate([[-np.inf], reach[:-1]]))
        b = np.maximum(e, a)
        taken: F64 | float
        if hs.size:
            cum = np.cumsum(he - hs)
            taken = _covered_before(hs, he, cum, b) - _covered_before(hs, he, cum, a)
        else:
            taken = 0.0
        won[order] = np.maximum(b - a - taken, 0.0)
        # add this bucket to the taken union
        us, ue = np.concatenate([hs, s]), np.concatenate([he, e])
        o = np.argsort(us, kind="stable")
        us, ue = us[o], ue[o]
        first, run_end = merged_runs(us, ue)
        hs, he = us[first], run_end
    return won
