"""Time split: every instant of the session's wall time goes to exactly one bucket,
so the buckets add up to the wall time. An instant belongs to the deepest span
covering it (a parent's self time excludes its children: a Task tool's time is
its subagent's thinking and tools); where parallel branches overlap, waiting on
the user wins over network, network over tools, tools over AI thinking. What no
typed span covers (gaps, agent overhead) is `otherTime`.
"""

from __future__ import annotations

import numpy as np


def merged_runs(s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intervals sorted by start, merged where they overlap: the index of each merged
    run's first interval, and the run's end (a running max finds the gaps)."""
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, s.size - 1)
    return first, reach[last]


def union_length(starts: np.ndarray, ends: np.ndarray) -> float:
    """Length of the union of intervals."""
    if starts.size == 0:
        return 0.0
    order = np.argsort(starts, kind="stable")
    s = starts[order]
    first, run_end = merged_runs(s, ends[order])
    return float(np.sum(run_end - s[first]))


# bucket per type code: 0 ai, 1 tool, 2 network, 3 user, -1 none (agent)
_BUCKET = np.array([0, 1, 1, 1, 2, 3, -1], dtype=np.int8)


class TimelineMixin:
    """The session's time split; mixed into Analysis (reads its copied columns)."""

    def time_split(self) -> dict[str, float]:
        """The session's wall time in buckets that add up to it (see the module doc)."""
        if "_split" not in self.__dict__:
            self._split = self._time_split()
        return self._split

    def _time_split(self) -> dict[str, float]:
        n = self.n
        total = self.t1 - self.t0
        result = {"ai": 0.0, "tool": 0.0, "net": 0.0, "user": 0.0, "total": total, "other": total}
        if not n:
            return result
        s = self.a_start - self.t0
        e = np.maximum(self.a_end - self.t0, s)
        bucket = _BUCKET[self.a_type]
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
            mp = p[first]                      # parent of each merged covered interval
            ms = os_[first] - mp * big
            me = run_end - mp * big
        else:
            mp = ms = me = np.zeros(0)
        # self time of a parent: the gaps between its merged children's intervals
        mp = mp.astype(np.int64)
        has_kids = np.zeros(n, dtype=bool)
        has_kids[mp] = True
        if mp.size:
            same = np.empty(mp.size, dtype=bool)
            same[0] = False
            same[1:] = mp[1:] == mp[:-1]
            lead_s = np.where(same, np.roll(me, 1), s[mp])   # parent start, or the previous covered end
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
        ok = (seg_e > seg_s) & (seg_b >= 0)
        seg_s, seg_e, seg_b = seg_s[ok], seg_e[ok], seg_b[ok]
        # priority: waiting on the user, then network, then tools, then AI thinking
        covered = 0.0
        mask = np.zeros(seg_s.size, dtype=bool)
        for name, code in (("user", 3), ("net", 2), ("tool", 1), ("ai", 0)):
            mask |= seg_b == code
            now_covered = union_length(seg_s[mask], seg_e[mask])
            result[name] = now_covered - covered
            covered = now_covered
        result["other"] = max(0.0, total - covered)
        return result
