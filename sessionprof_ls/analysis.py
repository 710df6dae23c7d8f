"""The analysis of one session: summary, time split, token tables, slowest
operations and suggestions (the spec's PerformanceData), as JSON-ready dicts.

It works on the tree's columns directly: building a pydantic model per event
would cost more than the whole analysis (bench/bench_core.py). The output
matches models.PerformanceData; tests validate it against the model.

Time split: every instant of the session's wall time goes to exactly one bucket,
so the buckets add up to the wall time. An instant belongs to the deepest span
covering it (a parent's self time excludes its children: a Task tool's time is
its subagent's thinking and tools); where parallel branches overlap, waiting on
the user wins over network, network over tools, tools over AI thinking. What no
typed span covers (gaps, agent overhead) is `otherTime`.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections import defaultdict

import numpy as np

from . import pricing
from .tree import AGENT, AI, F_COMPACTION, F_ERROR, F_ORPHAN, F_TOKENS, FREAD, FWRITE, NET, TOOL, TYPES, USER, SessionTree

SLOW_THRESHOLD_MS = 5000.0
SLOWEST_COUNT = 5
LARGE_OUTPUT_TOKENS = 3000
SIMPLE_RESPONSE_TOKENS = 300
LARGE_TOOL_OUTPUT_TOKENS = 8000

SMALLER_MODEL = (  # (substring of the model id, a smaller sibling to suggest)
    ("opus", "claude-haiku-4-5"),
    ("sonnet", "claude-haiku-4-5"),
    ("gpt-5-codex", "gpt-5-mini"),
    ("gpt-5.1", "gpt-5-mini"),
    ("gpt-5", "gpt-5-mini"),
    ("gpt-4.1", "gpt-4.1-mini"),
    ("gpt-4o", "gpt-4o-mini"),
    ("o3", "o4-mini"),
    ("gemini-2.5-pro", "gemini-2.5-flash"),
    ("gemini-3-pro", "gemini-2.5-flash"),
)


# ---------------------------------------------------------------- intervals


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


def _np(col, dtype) -> np.ndarray:
    """A copy of a tree column (a view would pin the array and stop it growing)."""
    return np.frombuffer(col, dtype=dtype).copy() if len(col) else np.zeros(0, dtype=dtype)


# bucket per type code: 0 ai, 1 tool, 2 network, 3 user, -1 none (agent)
_BUCKET = np.array([0, 1, 1, 1, 2, 3, -1], dtype=np.int8)


# ---------------------------------------------------------------- helpers


def fmt_ms(ms: float) -> str:
    """Durations as the spec writes them: 4m 12s, 12.3s, 450ms, 1h 02m."""
    if ms < 1000:
        return f"{ms:.0f}ms"
    s = ms / 1000.0
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def fmt_usd(usd: float | None) -> str:
    if usd is None:
        return "price unknown"
    return f"${usd:.3f}" if usd < 100 else f"${usd:,.0f}"


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


class Analysis:
    """Computes PerformanceData for one tree; cheap to create, one per request."""

    def __init__(self, tree: SessionTree, now_ms: float | None = None, slow_threshold_ms: float = SLOW_THRESHOLD_MS,
                 slowest_count: int = SLOWEST_COUNT):
        self.t = tree
        self.now = now_ms if now_ms is not None else time.time() * 1000.0
        self.slow_threshold = slow_threshold_ms
        self.slowest_count = slowest_count
        self.n = len(tree)
        start = _np(tree.start, np.float64)
        end = _np(tree.end, np.float64)
        running = np.isnan(end)
        self.running = bool(running.any())
        if self.running:  # a running span lasts until now
            end[running] = np.maximum(self.now, start[running])
        self.a_start = start
        self.a_end = end
        self.t0 = float(start.min()) if self.n else 0.0
        self.t1 = float(end.max()) if self.n else 0.0
        self._costs: list[float | None] | None = None
        self._cost_arr: np.ndarray | None = None
        # numpy copies of the columns the whole-session passes use
        self._kids: list | None = None
        # sparse columns copied too: worker threads iterate them while events arrive
        self.model_provider = dict(tree.model_provider)  # small: one entry per model
        self.a_type = _np(tree.type, np.uint8)
        self.a_parent = _np(tree.parent, np.int32)
        self.a_flags = _np(tree.flags, np.uint8)
        # every column a pass reads, copied now: the tree keeps growing under other threads,
        # and a later copy would neither match these in length nor be safe while it grows
        self.cols = {name: _np(getattr(tree, name), np.int64 if name in ("tin", "tout", "tcr", "tcw", "tcw1h",
                                                                        "file_tokens") else np.int32)
                     for name in ("tin", "tout", "tcr", "tcw", "tcw1h", "file_tokens", "model", "tool", "file")}
        self.a_cost = _np(tree.cost, np.float64)

    @property
    def ends(self) -> list[float]:
        """End times as a list (running spans end now), for per-event loops; made on
        first use: one C call over every event would hold the GIL on the summary path."""
        if "_ends" not in self.__dict__:
            self._ends = self.a_end.tolist()
        return self._ends

    def children(self) -> list:
        """Child indices per node (the root is the last entry), in start order; from
        this analysis's own copies, so a worker thread may call it while events arrive.
        Leaves share one empty tuple (100k empty lists cost more in GC than the walk)."""
        if self._kids is None:
            n = self.n
            kids: list = [()] * (n + 1)
            if n:
                order = np.argsort(self.a_start, kind="stable")
                par = self.a_parent[order].astype(np.int64)
                par[par < 0] = n
                regroup = np.argsort(par, kind="stable")  # stable: start order kept within a parent
                grouped = order[regroup]
                gp = par[regroup]
                cuts = np.flatnonzero(gp[1:] != gp[:-1]) + 1
                heads = np.concatenate([[0], cuts])
                for p, chunk in zip(gp[heads].tolist(), np.split(grouped, cuts)):
                    kids[p] = chunk.tolist()
            self._kids = kids
        return self._kids

    def children_first(self) -> list[int]:
        """Every node (the root is n) after all of its children: a post-order walk
        without recursion, so deep subagent chains cannot overflow the stack."""
        kids = self.children()
        order = []
        stack = [self.n]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(kids[node])
        order.reverse()
        return order

    # ------------------------------------------------------------ costs

    def cost_array(self) -> np.ndarray:
        """Per-event cost (NaN: none). The agent's costUsd wins, else a price from
        genai-prices: base rates per model, vectorised; long-context requests past a
        price tier are priced one by one."""
        if self._cost_arr is not None:
            return self._cost_arr
        t = self.t
        n = self.n
        out = np.full(n, np.nan)
        req = (self.a_flags & F_TOKENS) != 0
        if req.any():
            model = self._col("model")
            tin, tout, tcr, tcw = (self._col(c) for c in ("tin", "tout", "tcr", "tcw"))
            tcw1h = self._col("tcw1h")
            codes = np.unique(model[req])
            table = np.full((len(t.strings.values) + 1, 5), np.nan)
            tiers = np.zeros(len(t.strings.values) + 1)
            provider_of = self.model_provider
            for code in codes:
                if code < 0:
                    continue
                rates = pricing.rates_for(t.strings.values[code], provider_of.get(code))
                if rates is not None:
                    table[code] = (rates.input, rates.output, rates.cache_read, rates.cache_write,
                                   rates.cache_write_1h)
                    tiers[code] = rates.tier_start or np.inf
            r = table[model]  # model -1 picks the last row: NaN
            out = (tin * r[:, 0] + tout * r[:, 1] + tcr * r[:, 2] + (tcw - tcw1h) * r[:, 3] + tcw1h * r[:, 4])
            out[~req] = np.nan
            over = np.flatnonzero(req & (tin + tcr + tcw >= tiers[model]) & ~np.isnan(out))
            for i in over.tolist():
                out[i] = pricing.price(t.strings.values[t.model[i]], t.provider.get(i), t.tin[i], t.tout[i],
                                       t.tcr[i], t.tcw[i], t.tcw1h[i])
        reported = self.a_cost
        has = ~np.isnan(reported)
        out[has] = reported[has]
        self._cost_arr = out
        return out

    def costs(self) -> list[float | None]:
        if self._costs is None:
            self._costs = [None if c != c else c for c in self.cost_array().tolist()]
        return self._costs

    def _is_request(self, i: int) -> bool:
        return bool(self.t.flags[i] & F_TOKENS) or self.t.type[i] == AI

    # ------------------------------------------------------------ summary

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

    def summary(self) -> dict:
        t = self.t
        split = self.time_split()
        total = split["total"]
        # from this analysis's copies: the live tree may already hold newer events
        tin, tout, tcr, tcw = (int(self._col(c).sum()) for c in ("tin", "tout", "tcr", "tcw"))
        total_tokens = tin + tout + tcr + tcw
        messages = int(np.count_nonzero(self.a_type == AI))
        requests = int(np.count_nonzero((self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0)))
        tools = int(np.count_nonzero(self.a_type == TOOL))
        cost = self.cost_array()
        counted = ((self.a_flags & F_TOKENS) != 0) | (self.a_type == AI)
        known = cost[counted & ~np.isnan(cost)]
        missing = np.flatnonzero(((self.a_flags & F_TOKENS) != 0) & np.isnan(cost))
        unpriced = sorted({t.strings.get(t.model[i]) or "(no model)" for i in missing.tolist()})
        return {
            "sessionId": t.session_id,
            "title": self.title(),
            "source": t.source,
            "startTime": self.t0 if self.n else None,
            "endTime": self.t1 if self.n else None,
            "running": self.running,
            "totalDuration": total,
            "aiThinkingTime": split["ai"],
            "toolExecutionTime": split["tool"],
            "networkTime": split["net"],
            "userWaitTime": split["user"],
            "otherTime": split["other"],
            "aiThinkingPercent": pct(split["ai"], total),
            "toolExecutionPercent": pct(split["tool"], total),
            "networkPercent": pct(split["net"], total),
            "userWaitPercent": pct(split["user"], total),
            "otherPercent": pct(split["other"], total),
            "totalTokens": total_tokens,
            "inputTokens": tin,
            "outputTokens": tout,
            "cacheReadTokens": tcr,
            "cacheWriteTokens": tcw,
            "totalCost": float(known.sum()) if known.size else None,
            "costComplete": not unpriced,
            "unpricedModels": unpriced,
            "messageCount": messages,
            "toolCallCount": tools,
            # per response that reported usage (a subagent's streamed copies carry none)
            "avgResponseTokens": round(total_tokens / requests, 1) if requests else 0.0,
            "eventCount": self.n,
        }

    def title(self) -> str:
        return self.t.title or f"Session {self.t.session_id[:8]}"

    # ------------------------------------------------------------ events

    def metadata(self, i: int) -> dict:
        t = self.t
        s = t.strings
        md: dict = {}
        if t.model[i] >= 0:
            md["model"] = s.values[t.model[i]]
        if i in t.provider:
            md["provider"] = t.provider[i]
        if t.flags[i] & F_TOKENS:
            md["tokens"] = {"input": t.tin[i], "output": t.tout[i], "cacheRead": t.tcr[i], "cacheWrite": t.tcw[i]}
        if t.cost[i] == t.cost[i]:
            md["costUsd"] = t.cost[i]
        if t.tool[i] >= 0:
            md["toolName"] = s.values[t.tool[i]]
        if t.file[i] >= 0:
            md["filePath"] = s.values[t.file[i]]
        if t.file_size[i] >= 0:
            md["fileSize"] = t.file_size[i]
        if t.file_tokens[i] >= 0:
            md["fileTokens"] = t.file_tokens[i]
        if t.start_line[i]:
            md["startLine"] = t.start_line[i]
        if t.end_line[i]:
            md["endLine"] = t.end_line[i]
        if i in t.url:
            md["url"] = t.url[i]
        if t.flags[i] & F_ERROR:
            md["status"] = "error"
            if i in t.error:
                md["error"] = t.error[i]
        if i in t.text:
            md["text"] = t.text[i]
        if t.flags[i] & F_COMPACTION:
            md["compaction"] = True
        return md

    def event(self, i: int, children: list | None = None) -> dict:
        t = self.t
        s = t.start[i] - self.t0
        e = self.ends[i] - self.t0
        c = float(self.cost_array()[i]) if self._is_request(i) else math.nan
        cost = None if c != c else c
        return {
            "id": t.ids[i],
            "parentId": t.parent_id_of(i),
            "type": TYPES[t.type[i]],
            "name": t.strings.values[t.name[i]],
            "startTime": s,
            "endTime": e,
            "duration": e - s,
            "running": t.end[i] != t.end[i],
            "orphan": bool(t.flags[i] & F_ORPHAN),
            "cost": cost,
            "children": children if children is not None else [],
            "metadata": self.metadata(i),
        }

    def events_tree(self) -> list[dict]:
        kids = self.children()
        n = self.n
        built: dict[int, dict] = {}
        for node in self.children_first():
            if node == n:
                continue
            built[node] = self.event(node, [built.pop(c) for c in kids[node]])
        return [built.pop(c) for c in kids[n]]

    # ------------------------------------------------------------ tables

    def _col(self, name: str) -> np.ndarray:
        """A column as copied when the analysis was made."""
        return self.cols[name]

    def tokens_by_message(self) -> list[dict]:
        t = self.t
        sel = np.flatnonzero((self.a_type == AI) | (self.a_type == USER) | ((self.a_flags & F_TOKENS) != 0))
        sel = sel[np.argsort(self.a_start[sel], kind="stable")]
        tin, tout, tcr, tcw = (self._col(c)[sel].tolist() for c in ("tin", "tout", "tcr", "tcw"))
        cost = self.cost_array()[sel]
        counted = ((self.a_flags[sel] & F_TOKENS) != 0) | (self.a_type[sel] == AI)
        costs = [c if ok and c == c else None for c, ok in zip(cost.tolist(), counted.tolist())]
        users = (self.a_type[sel] == USER).tolist()
        ids, names, values, models, texts = t.ids, t.name, t.strings.values, t.model, t.text
        rows = []
        for k, i in enumerate(sel.tolist()):
            text = texts.get(i) or values[names[i]]
            m = models[i]
            rows.append({
                "index": k + 1, "eventId": ids[i], "role": "user" if users[k] else "assistant",
                "model": values[m] if m >= 0 else None,
                "input": tin[k], "output": tout[k], "cacheRead": tcr[k], "cacheWrite": tcw[k],
                "total": tin[k] + tout[k] + tcr[k] + tcw[k], "cost": costs[k],
                "excerpt": " ".join(text[:200].split())[:120],
            })
        return rows

    def tokens_by_model(self) -> list[dict]:
        t = self.t
        req = np.flatnonzero((self.a_flags & F_TOKENS) != 0)
        if not req.size:
            return []
        model = self._col("model")[req]
        cost = self.cost_array()[req]
        groups = np.unique(model)
        sums = {c: np.bincount(np.searchsorted(groups, model), weights=self._col(c)[req], minlength=groups.size)
                for c in ("tin", "tout", "tcr", "tcw")}
        pos = np.searchsorted(groups, model)
        counts = np.bincount(pos, minlength=groups.size)
        known_cost = np.bincount(pos, weights=np.nan_to_num(cost), minlength=groups.size)
        unpriced = np.bincount(pos, weights=np.isnan(cost), minlength=groups.size)
        provider_of = self.model_provider
        grand = int(sum(s.sum() for s in sums.values()))
        rows = []
        for g, code in enumerate(groups.tolist()):
            name = t.strings.values[code] if code >= 0 else "(unknown model)"
            tin, tout, tcr, tcw = (int(sums[c][g]) for c in ("tin", "tout", "tcr", "tcw"))
            total = tin + tout + tcr + tcw
            priced = unpriced[g] == 0
            rows.append({
                "model": name, "provider": provider_of.get(code) or pricing.provider_of(name),
                "requests": int(counts[g]), "input": tin, "output": tout, "cacheRead": tcr, "cacheWrite": tcw,
                "total": total, "share": pct(total, grand),
                "cost": float(known_cost[g]) if (priced or known_cost[g]) else None, "priced": bool(priced),
            })
        rows.sort(key=lambda r: -r["total"])
        return rows

    def _context_of(self) -> np.ndarray:
        """Context id per event: a subagent (an agent span started by a tool) has its
        own conversation; everything else shares the main one (-1)."""
        if "_ctx" in self.__dict__:
            return self._ctx
        parent = self.a_parent.astype(np.int64)
        typ = self.a_type
        pt = np.where(parent >= 0, typ[np.maximum(parent, 0)], 255)
        root = (typ == AGENT) & (pt == TOOL)
        ctx = np.where(root, np.arange(self.n), -1)
        node = parent.copy()
        todo = ~root & (node >= 0)
        # pointer jumping up the tree: as many rounds as the tree is deep
        for _ in range(self.n):
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            anc = node[idx]
            hit = root[anc]
            ctx[idx[hit]] = anc[hit]
            node[idx] = parent[anc]
            todo[idx[hit | (parent[anc] < 0)]] = False
        self._ctx = ctx
        return ctx

    def _requests_by_context(self, ctx: np.ndarray):
        """Per context: request start times (sorted), prefix sums of each request's
        price per re-sent token (history mostly comes from the prompt cache), the
        count of requests with no price, and compaction times."""
        t = self.t
        req = np.flatnonzero(((self.a_flags & F_TOKENS) != 0) & (self.a_type == AI))
        model = self._col("model")[req]
        cr = self._col("tcr")[req]
        rate = np.full(req.size, np.nan)
        provider_of = self.model_provider
        for code in np.unique(model).tolist():
            if code < 0:
                continue
            rates = pricing.rates_for(t.strings.values[code], provider_of.get(code))
            if rates is not None:
                sel = model == code
                rate[sel] = np.where(cr[sel] > 0, rates.cache_read, rates.input)
        comp = np.flatnonzero((self.a_flags & F_COMPACTION) != 0)
        out = {}
        rctx = ctx[req]
        for c in np.unique(rctx).tolist():
            sel = rctx == c
            starts = self.a_start[req[sel]]
            order = np.argsort(starts, kind="stable")
            r = rate[sel][order]
            prefix = np.concatenate([[0.0], np.cumsum(np.nan_to_num(r))])
            unknown = np.concatenate([[0], np.cumsum(np.isnan(r))])
            comps = np.sort(self.a_start[comp[ctx[comp] == c]])
            out[c] = (starts[order], prefix, unknown, comps)
        return out

    def tokens_by_file(self, total_input: int) -> list[dict]:
        t = self.t
        fcol = self._col("file")
        reads = np.flatnonzero((self.a_type == FREAD) & (fcol >= 0))
        if not reads.size:
            return []
        ctx = self._context_of()
        reqs = self._requests_by_context(ctx)
        ft = np.maximum(self._col("file_tokens")[reads], 0)
        count = np.zeros(reads.size, dtype=np.int64)
        cost = np.zeros(reads.size)
        unknown = np.zeros(reads.size, dtype=bool)
        rctx = ctx[reads]
        for c, (starts, prefix, unk, comps) in reqs.items():
            sel = np.flatnonzero(rctx == c)
            if not sel.size:
                continue
            end = self.a_end[reads[sel]]
            # the first request after the read carries it as new input; later ones re-send it
            lo = np.searchsorted(starts, end, side="left") + 1
            k = np.searchsorted(comps, end, side="right")
            stop = np.where(k < comps.size, np.searchsorted(starts, comps[np.minimum(k, comps.size - 1)]) if comps.size
                            else starts.size, starts.size)
            n_after = np.maximum(stop - lo, 0)
            lo_c = np.minimum(lo, starts.size)
            stop_c = np.maximum(stop, lo_c)
            count[sel] = n_after
            cost[sel] = ft[sel] * (prefix[stop_c] - prefix[lo_c])
            unknown[sel] = (unk[stop_c] - unk[lo_c]) > 0
        files, pos = np.unique(fcol[reads], return_inverse=True)
        tokens = np.bincount(pos, weights=ft, minlength=files.size)
        times = np.bincount(pos, minlength=files.size)
        rcount = np.bincount(pos, weights=count, minlength=files.size)
        rtokens = np.bincount(pos, weights=ft * count, minlength=files.size)
        rcost = np.bincount(pos, weights=cost, minlength=files.size)
        runknown = np.bincount(pos, weights=unknown & (count > 0) & (ft > 0), minlength=files.size)
        ids: list[list[str]] = [[] for _ in range(files.size)]
        all_ids = t.ids
        for p, i in zip(pos.tolist(), reads.tolist()):
            ids[p].append(all_ids[i])
        rows = []
        for g, code in enumerate(files.tolist()):
            known = runknown[g] == 0
            rows.append({
                "filePath": t.strings.values[code], "tokens": int(tokens[g]),
                "shareOfInput": pct(int(tokens[g]), total_input), "timesRead": int(times[g]),
                "resentCount": int(rcount[g]), "resentTokens": int(rtokens[g]),
                "resentCost": float(rcost[g]) if (known or rcost[g]) else None, "eventIds": ids[g],
            })
        rows.sort(key=lambda r: -(r["tokens"] + r["resentTokens"]))
        return rows

    # ------------------------------------------------------------ slowest

    def _operations(self, types: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(indices, durations) of operations; a file or network span inside a tool call
        is that call's own work, so the call stands for it."""
        typ = self.a_type
        parent = self.a_parent.astype(np.int64)
        ptype = np.where(parent >= 0, typ[np.maximum(parent, 0)], 255)
        inner = np.isin(typ, (FREAD, FWRITE, NET)) & (ptype == TOOL)
        idx = np.flatnonzero(np.isin(typ, types) & ~inner)
        return idx, self.a_end[idx] - self.a_start[idx]

    def _top(self, idx: np.ndarray, dur: np.ndarray, k: int) -> list[tuple[float, int]]:
        if idx.size > k:
            part = np.argpartition(-dur, k - 1)[:k]
            idx, dur = idx[part], dur[part]
        order = np.lexsort((idx, -dur))
        return [(float(dur[o]), int(idx[o])) for o in order.tolist()]

    def slowest(self) -> list[dict]:
        top = self._top(*self._operations((AI, TOOL, FREAD, FWRITE, NET)), self.slowest_count)
        out = []
        for rank, (dur, i) in enumerate(top, 1):
            out.append({"rank": rank, "event": self.event(i), "suggestion": self.slow_hint(i, dur),
                        "detail": self.detail(i)})
        return out

    def slow_set(self) -> dict[int, int]:
        """Events that get a code lens: over the threshold or among the slowest; value = rank."""
        idx, dur = self._operations((TOOL, FREAD, FWRITE, NET))
        out = {i: rank for rank, (_, i) in enumerate(self._top(idx, dur, self.slowest_count), 1)}
        for i in idx[dur >= self.slow_threshold].tolist():
            out.setdefault(i, 0)
        return out

    def detail(self, i: int) -> str | None:
        t = self.t
        if t.file[i] >= 0:
            path = t.strings.values[t.file[i]]
            size = t.file_size[i]
            return f"{path} ({size:,} bytes)" if size >= 0 else path
        if i in t.url:
            return t.url[i]
        if i in t.text:
            return '"' + " ".join(t.text[i].split())[:80] + '"'
        return None

    def slow_hint(self, i: int, dur: float) -> str:
        t = self.t
        typ = t.type[i]
        tool = t.strings.get(t.tool[i]) or ""
        if t.flags[i] & F_ERROR:
            return f"Failed after {fmt_ms(dur)}: {t.error.get(i, 'the tool reported an error')[:100]}"
        if typ == AI:
            out, ctx = t.tout[i], t.tin[i] + t.tcr[i] + t.tcw[i]
            if out >= LARGE_OUTPUT_TOKENS:
                return f"Large output ({out:,} tokens). Consider asking for incremental output."
            if ctx >= 100_000:
                return f"Large context ({ctx:,} input tokens). A new session or a compaction would make it faster."
            if out and dur / out > 100:
                return f"{fmt_ms(dur)} for {out:,} output tokens: long reasoning or a slow API response."
            return "Complex reasoning over the context."
        if typ == FREAD:
            ft = t.file_tokens[i]
            if ft >= LARGE_TOOL_OUTPUT_TOKENS:
                return f"Large file ({ft:,} tokens). Read only the lines needed."
            return "File read was slow; the file system or a large directory may be the cause."
        if typ == FWRITE:
            size = t.file_size[i]
            return f"Large file write ({size:,} bytes)." if size > 10_000 else "Writing the file took long, often a permission prompt."
        if typ == NET or tool in ("WebFetch", "WebSearch"):
            return "Network-bound: the remote site was slow."
        if tool in ("Task", "Agent"):
            kids = self.children()
            inside, stack = 0, list(kids[i])
            while stack:
                inside += 1
                stack.extend(kids[stack.pop()])
            return (f"A subagent ran here ({inside:,} span{'s' if inside != 1 else ''} inside); its work is in the "
                    "flame graph below this call.")
        if tool in ("Bash", "shell", "exec_command", "local_shell"):
            return "Long-running command: run it in the background, or narrow it (fewer tests, a smaller build)."
        return "Slow tool call."

    # ------------------------------------------------------------ suggestions

    def suggestions(self, by_file: list[dict], summary: dict, history_tokens: int, total_input: int) -> list[dict]:
        out = []
        for make in (self._batch_reads, self._smaller_model, self._incremental_output, self._reread_file,
                     self._large_tool_output, self._user_wait):
            s = make(by_file, summary)
            if s:
                out.append(s)
        s = self._new_session(summary, history_tokens, total_input)
        if s:
            out.append(s)
        return out

    def _suggestion(self, kind: str, typ: str, title: str, description: str, saving: str, events: list[int],
                    **extra) -> dict:
        d = {"id": kind, "type": typ, "kind": kind, "title": title, "description": description,
             "estimatedSaving": saving, "savingMs": 0.0, "savingTokens": 0, "savingUsd": None,
             "affectedEvents": [self.t.ids[i] for i in events[:500]], "filePaths": [], "models": [],
             "suggestedModel": None, "guidance": ""}
        d.update(extra)
        return d

    def _batch_reads(self, by_file, summary):
        t = self.t
        total = summary["totalDuration"]
        ctx = self._context_of()
        typ = self.a_type
        sel = np.flatnonzero(np.isin(typ, (AI, TOOL, FREAD, FWRITE, NET)))
        sel = sel[np.lexsort((self.a_start[sel], ctx[sel]))]
        read_tools = np.array([k for k, v in enumerate(t.strings.values) if v.lower() in ("read", "read_file", "view")]
                              or [-2])
        # a tool call that read a file (its file_read child carries the read) does not break a run
        reading_tool = (typ[sel] == TOOL) & (self._col("file")[sel] >= 0) & np.isin(self._col("tool")[sel], read_tools)
        runs = []
        run: list[int] = []
        ais: list[int] = []
        last_end = -math.inf
        prev_ctx = None
        starts, ends = self.a_start, self.a_end
        for i, c, ty, rt in zip(sel.tolist(), ctx[sel].tolist(), typ[sel].tolist(), reading_tool.tolist()):
            if c != prev_ctx:
                if len(run) >= 3:
                    runs.append((run, ais))
                run, ais, last_end, prev_ctx = [], [], -math.inf, c
            if ty == FREAD:
                if starts[i] >= last_end - 1:  # sequential: starts after the previous read ended
                    run.append(i)
                else:  # parallel with the previous read: already batched
                    if len(run) >= 3:
                        runs.append((run, ais))
                    run, ais = [i], []
                last_end = ends[i]
            elif ty == AI:
                if run:
                    ais.append(i)
            elif not rt:
                if len(run) >= 3:
                    runs.append((run, ais))
                run, ais, last_end = [], [], -math.inf
        if len(run) >= 3:
            runs.append((run, ais))
        if not runs:
            return None
        saving = 0.0
        reads: list[int] = []
        for run, ais in runs:
            durs = [ends[i] - starts[i] for i in run]
            # the AI round trips between the first and the last read disappear too
            between = [a for a in ais if starts[a] < starts[run[-1]]]
            saving += sum(durs) - max(durs) + sum(ends[a] - starts[a] for a in between)
            reads.extend(run)
        saving = float(saving)
        share = pct(saving, total)
        return self._suggestion(
            "batch_reads", "batching", "Batch file reads",
            f"{len(reads)} sequential reads in {len(runs)} run(s) could be batched into parallel reads in one step.",
            f"-{share}% time est. ({fmt_ms(saving)})", reads, savingMs=saving,
            filePaths=sorted({t.strings.values[t.file[i]] for i in reads if t.file[i] >= 0})[:200],
            guidance="When you need several files, read them all in one step with parallel tool calls "
                     "instead of one read per turn.")

    def _smaller_model(self, by_file, summary):
        t = self.t
        cost = self.cost_array()
        is_req = (self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0)
        ai_total = int(is_req.sum())
        model = self._col("model")
        cand = np.flatnonzero(is_req & (self._col("tout") <= SIMPLE_RESPONSE_TOKENS) & ~np.isnan(cost) & (model >= 0))
        chosen: list[int] = []
        current_cost = small_cost = 0.0
        small_models: dict[str, str] = {}
        tin, tout, tcr, tcw = (self._col(c) for c in ("tin", "tout", "tcr", "tcw"))
        for code in np.unique(model[cand]).tolist():
            name = t.strings.values[code]
            low = name.lower()
            small = next((sm for key, sm in SMALLER_MODEL if key in low), None)
            if small is None or small.split("-")[1] in low and "mini" in low:
                continue
            rates = pricing.rates_for(small)
            if rates is None:
                continue
            idx = cand[model[cand] == code]
            alt = (tin[idx] * rates.input + tout[idx] * rates.output + tcr[idx] * rates.cache_read
                   + tcw[idx] * rates.cache_write)
            cheaper = alt < cost[idx]
            if not cheaper.any():
                continue
            chosen.extend(idx[cheaper].tolist())
            current_cost += float(cost[idx][cheaper].sum())
            small_cost += float(alt[cheaper].sum())
            small_models[name] = small
        if len(chosen) < 3 or len(chosen) < 0.2 * ai_total:
            return None
        chosen.sort(key=t.start.__getitem__)
        saving = current_cost - small_cost
        share = pct(saving, summary["totalCost"] or current_cost)
        suggested = max(set(small_models.values()), key=list(small_models.values()).count)
        return self._suggestion(
            "smaller_model", "model", "Use a smaller model for simple responses",
            f"{len(chosen)} of {ai_total} responses were short (at most {SIMPLE_RESPONSE_TOKENS} output tokens) "
            f"and could have used {suggested}: {fmt_usd(current_cost)} would have been {fmt_usd(small_cost)}.",
            f"-{share}% cost est. (-{fmt_usd(saving)})", chosen, savingUsd=saving,
            models=sorted(small_models), suggestedModel=suggested,
            guidance=f"Use a smaller, faster model ({suggested}) for simple steps such as short answers, "
                     "lookups and routine edits; keep the large model for planning and hard debugging.")

    def _incremental_output(self, by_file, summary):
        tout = self._col("tout")
        big = np.flatnonzero((self.a_type == AI) & (tout > LARGE_OUTPUT_TOKENS))
        if not big.size:
            return None
        big = big[np.argsort(self.a_start[big], kind="stable")]
        # asked in pieces, the first useful part arrives after ~1,500 tokens instead of all of them
        saving = float(np.sum((self.a_end[big] - self.a_start[big]) * (1 - 1500.0 / tout[big])))
        return self._suggestion(
            "incremental_output", "prompting", "Request incremental outputs",
            f"{big.size} responses had more than {LARGE_OUTPUT_TOKENS:,} output tokens "
            f"(largest {int(tout[big].max()):,}). Ask for the work in smaller steps.",
            f"-{pct(saving, summary['totalDuration'])}% wait est. ({fmt_ms(saving)})", big.tolist(), savingMs=saving,
            guidance="Deliver large changes incrementally: one file or one step per response, "
                     "and confirm before continuing.")

    def _reread_file(self, by_file, summary):
        t = self.t
        fcol = self._col("file")
        typ = self.a_type
        reads = np.flatnonzero((typ == FREAD) & (fcol >= 0))
        codes, counts = np.unique(fcol[reads], return_counts=True)
        again = set(codes[counts >= 2].tolist())
        if not again:
            return None
        writes: dict[int, list[float]] = defaultdict(list)
        for i in np.flatnonzero((typ == FWRITE) & np.isin(fcol, list(again))).tolist():
            writes[t.file[i]].append(t.start[i])
        per_file: dict[int, list[int]] = defaultdict(list)
        for i in reads[np.isin(fcol[reads], list(again))].tolist():
            per_file[t.file[i]].append(i)
        wasted: list[int] = []
        tokens = 0
        ms = 0.0
        paths = []
        for f, idxs in per_file.items():
            idxs.sort(key=t.start.__getitem__)
            ws = sorted(writes.get(f, []))
            found = False
            for prev, cur in zip(idxs, idxs[1:]):
                # a read after the file was written is not a wasted re-read
                if bisect_right(ws, t.start[cur]) != bisect_right(ws, t.start[prev]):
                    continue
                wasted.append(cur)
                tokens += max(0, t.file_tokens[cur])
                ms += self.ends[cur] - t.start[cur]
                found = True
            if found:
                paths.append(t.strings.values[f])
        if not wasted:
            return None
        paths.sort()
        return self._suggestion(
            "reread_file", "context", "Stop re-reading the same files",
            f"{len(wasted)} reads fetched a file again that had not changed ({', '.join(paths[:3])}"
            f"{'…' if len(paths) > 3 else ''}), adding {tokens:,} tokens to the context.",
            f"-{tokens:,} tokens ({fmt_ms(ms)})", wasted, savingTokens=tokens, savingMs=ms, filePaths=paths[:200],
            guidance="Do not re-read a file you already read in this session unless it changed since; "
                     "refer to what you read before.")

    def _large_tool_output(self, by_file, summary):
        t = self.t
        ftok = self._col("file_tokens")
        big = np.flatnonzero((ftok >= LARGE_TOOL_OUTPUT_TOKENS) & (self.a_type != FWRITE))
        if not big.size:
            return None
        big = big[np.argsort(self.a_start[big], kind="stable")].tolist()
        resent = {r["filePath"]: r for r in by_file}
        tokens = 0
        paths = set()
        for i in big:
            ft = t.file_tokens[i]
            path = t.strings.get(t.file[i])
            carry = 1
            if path and path in resent and resent[path]["tokens"]:
                carry += resent[path]["resentTokens"] / resent[path]["tokens"]
            tokens += int((ft - 2000) * carry)
            if path:
                paths.add(path)
        paths = sorted(paths)
        return self._suggestion(
            "large_tool_output", "context", "Large tool outputs flood the context",
            f"{len(big)} tool results carried at least {LARGE_TOOL_OUTPUT_TOKENS:,} tokens each "
            f"({', '.join(paths[:3]) or 'command output'}); with the requests that re-sent them that is "
            f"{tokens:,} tokens that a narrower read would have saved.",
            f"-{tokens:,} tokens est.", big, savingTokens=tokens, filePaths=paths[:200],
            guidance="Avoid dumping large outputs into the context: read line ranges, filter command output "
                     "(head, grep, --quiet), and skip generated or vendored files.")

    def _user_wait(self, by_file, summary):
        t = self.t
        waits = np.flatnonzero((self.a_type == USER) & (self.a_end > self.a_start)).tolist()
        wait = summary["userWaitTime"]
        total = summary["totalDuration"]
        if not waits or wait < 30_000 and wait < 0.1 * total:
            return None
        prompted = sorted({t.strings.values[t.tool[t.parent[i]]] for i in waits
                           if t.parent[i] >= 0 and t.tool[t.parent[i]] >= 0})
        return self._suggestion(
            "user_wait", "workflow", "Time lost waiting on you or on permissions",
            f"The agent waited {fmt_ms(wait)} ({pct(wait, total)}% of the session) in {len(waits)} prompts"
            f"{' for ' + ', '.join(prompted) if prompted else ''}. Pre-approve routine tools and answer "
            "open questions up front.", f"-{pct(wait, total)}% time ({fmt_ms(wait)})", waits, savingMs=wait,
            guidance="Ask all clarifying questions in one message at the start of a task rather than "
                     "stopping repeatedly; batch actions that need approval.")

    def _new_session(self, summary, history_tokens, total_input):
        t = self.t
        share = pct(history_tokens, total_input)
        reqs = np.flatnonzero((self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0))
        if share < 60 or reqs.size < 4:
            return None
        reqs = reqs[np.argsort(self.a_start[reqs], kind="stable")]
        ctxs = self._col("tin")[reqs] + self._col("tcr")[reqs] + self._col("tcw")[reqs]
        half = reqs.size // 2
        base = ctxs[0]
        # starting afresh half-way, the second half would not have carried the first half's history
        carried = ctxs[half] - base
        later = ctxs[half:]
        cut = np.where(later > base, np.minimum(carried, later - base), 0)
        saved = int(cut.sum())
        rate = np.full(later.size, np.nan)
        models = self._col("model")[reqs[half:]]
        for code in np.unique(models).tolist():
            r = pricing.rates_for(t.strings.values[code]) if code >= 0 else None
            if r is not None:
                rate[models == code] = r.cache_read
        usd = float(np.nansum(cut * rate)) if not np.isnan(rate).all() else None
        return self._suggestion(
            "new_session", "context", "Start a new session for unrelated tasks",
            f"{share}% of input tokens are conversation history. Starting a new session (or compacting) "
            f"half-way would have sent about {saved:,} fewer tokens.",
            f"-{saved:,} tokens est.", reqs[half:].tolist(), savingTokens=saved, savingUsd=usd,
            guidance="Keep sessions focused: start a new session for an unrelated task, and compact long ones.")

    # ------------------------------------------------------------ all

    def performance(self, include_events: bool = True) -> dict:
        summary = self.summary()
        t = self.t
        total_input = summary["inputTokens"] + summary["cacheReadTokens"] + summary["cacheWriteTokens"]
        by_file = self.tokens_by_file(total_input)
        attributed = sum(r["tokens"] + r["resentTokens"] for r in by_file)
        history = max(0, total_input - attributed)
        data = dict(summary)
        data["events"] = self.events_tree() if include_events else []
        data["slowestOperations"] = self.slowest()
        data["suggestions"] = self.suggestions(by_file, summary, history, total_input)
        data["tokensByMessage"] = self.tokens_by_message()
        data["tokensByFile"] = by_file
        data["tokensByModel"] = self.tokens_by_model()
        data["historyTokens"] = history
        data["historyShare"] = pct(history, total_input)
        data["totalInputContext"] = total_input
        del t
        return data
