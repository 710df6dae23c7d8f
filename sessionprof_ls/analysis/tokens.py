"""Token tables: per message, per model, per file (with what re-sending it cost)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .. import pricing
from ..tree import AGENT, AI, F_COMPACTION, F_ERROR, F_TOKENS, FREAD, TOOL, USER
from .base import F64, I64, AnalysisBase, Bools, Index, JsonDict
from .formatting import pct


class ContextRequests(NamedTuple):
    """One context's requests (see `_requests_by_context`)."""

    starts: F64  # request start times, sorted
    prefix: F64  # prefix sums of each request's price per re-sent token
    unknown: NDArray[np.intp]  # prefix counts of requests with no price
    comps: F64  # compaction times, sorted


def _resend_window(starts: F64, comps: F64, end: F64) -> tuple[Index, Index]:
    """For reads ending at `end`, in one context with request starts `starts` and compaction
    times `comps`: the requests [lo, stop) that re-sent them. The first request after a read
    carries it as new input; later ones re-send it, up to the next compaction."""
    lo = np.searchsorted(starts, end, side="left") + 1
    if not comps.size:
        return lo, np.full(end.size, starts.size)
    k = np.searchsorted(comps, end, side="right")
    return lo, np.where(k < comps.size, np.searchsorted(starts, comps[np.minimum(k, comps.size - 1)]), starts.size)


class TokenTablesMixin(AnalysisBase):
    """Token tables; mixed into Analysis."""

    def message_mask(self) -> Bools:
        """The events that are rows of the message table (and what messageCount counts)."""
        mask: Bools = (self.a_type == AI) | (self.a_type == USER) | ((self.a_flags & F_TOKENS) != 0)
        return mask

    def tokens_by_message(self) -> list[JsonDict]:
        t = self.t
        sel = np.flatnonzero(self.message_mask())
        sel = sel[np.argsort(self.a_start[sel], kind="stable")]
        tin, tout, tcr, tcw = (self._col(c)[sel].tolist() for c in ("tin", "tout", "tcr", "tcw"))
        cost = self.cost_array()[sel]
        counted = ((self.a_flags[sel] & F_TOKENS) != 0) | (self.a_type[sel] == AI)
        costs = [c if ok and c == c else None for c, ok in zip(cost.tolist(), counted.tolist(), strict=True)]
        users = (self.a_type[sel] == USER).tolist()
        recorded = ((self.a_flags[sel] & F_TOKENS) != 0).tolist()
        ids, names, values, models, texts = t.ids, t.name, t.strings.values, t.model, t.text
        rows: list[JsonDict] = []
        for k, i in enumerate(sel.tolist()):
            text = texts.get(i) or values[names[i]]
            m = models[i]
            rows.append(
                {
                    "index": k + 1,
                    "eventId": ids[i],
                    "role": "user" if users[k] else "assistant",
                    "model": values[m] if m >= 0 else None,
                    "input": tin[k],
                    "output": tout[k],
                    "cacheRead": tcr[k],
                    "cacheWrite": tcw[k],
                    "total": tin[k] + tout[k] + tcr[k] + tcw[k],
                    "cost": costs[k],
                    "excerpt": " ".join(text[:200].split())[:120],
                    "label": values[names[i]],
                    # a response whose usage the source did not record (a subagent seen only as streamed copies)
                    "usageRecorded": bool(recorded[k]) or users[k],
                }
            )
        return rows

    def tokens_by_model(self) -> list[JsonDict]:
        t = self.t
        req = np.flatnonzero((self.a_flags & F_TOKENS) != 0)
        if not req.size:
            return []
        model = self._col("model")[req]
        cost = self.cost_array()[req]
        groups = np.unique(model)
        sums = {
            c: np.bincount(np.searchsorted(groups, model), weights=self._col(c)[req], minlength=groups.size)
            for c in ("tin", "tout", "tcr", "tcw")
        }
        pos = np.searchsorted(groups, model)
        counts = np.bincount(pos, minlength=groups.size)
        known_cost = np.bincount(pos, weights=np.nan_to_num(cost), minlength=groups.size)
        unpriced = np.bincount(pos, weights=np.isnan(cost), minlength=groups.size)
        provider_of = self.model_provider
        grand = int(sum(s.sum() for s in sums.values()))
        rows: list[JsonDict] = []
        for g, code in enumerate(groups.tolist()):
            name = t.strings.values[code] if code >= 0 else "(unknown model)"
            tin, tout, tcr, tcw = (int(sums[c][g]) for c in ("tin", "tout", "tcr", "tcw"))
            total = tin + tout + tcr + tcw
            priced = unpriced[g] == 0
            rows.append(
                {
                    "model": name,
                    "provider": provider_of.get(code) or pricing.provider_of(name),
                    "requests": int(counts[g]),
                    "input": tin,
                    "output": tout,
                    "cacheRead": tcr,
                    "cacheWrite": tcw,
                    "total": total,
                    "share": pct(total, grand),
                    "cost": float(known_cost[g]) if (priced or known_cost[g]) else None,
                    "priced": bool(priced),
                }
            )
        rows.sort(key=lambda r: -r["total"])
        return rows

    def _context_of(self) -> I64:
        """Context id per event: a subagent (an agent span started by a tool) has its
        own conversation; everything else shares the main one (-1)."""
        if "_ctx" in self.__dict__:
            return self._ctx
        n = self.n
        parent = self.a_parent.astype(np.int64)
        typ = self.a_type
        pt = np.where(parent >= 0, typ[np.maximum(parent, 0)], 255)
        root = np.append((typ == AGENT) & (pt == TOOL), False)
        # each node points at itself when it opens a context, else at its parent; n stands
        # for "no parent". Pointer doubling (jump = jump[jump]) reaches the nearest context
        # above every node in log2(depth) rounds of O(n): a 32k-deep chain is 15 rounds, not 32k
        jump = np.append(np.where(root[:n], np.arange(n), np.where(parent >= 0, parent, n)), n)
        for _ in range(n.bit_length() + 1):
            nxt = jump[jump]
            if np.array_equal(nxt, jump):
                break
            jump = nxt
        top = jump[:n]
        ctx: I64 = np.where(root[top], top, -1)  # a chain ending at no context (or in a cycle): the main one
        self._ctx = ctx
        return ctx

    def _requests_by_context(self, ctx: I64) -> dict[int, ContextRequests]:
        """Per context: request start times (sorted), prefix sums of each request's
        price per re-sent token (history mostly comes from the prompt cache), the
        count of requests with no price, compaction times, and each request's price per
        token it carried first (new input: a cache write, else plain input)."""
        t = self.t
        req = np.flatnonzero(((self.a_flags & F_TOKENS) != 0) & (self.a_type == AI))
        model = self._col("model")[req]
        cr = self._col("tcr")[req]
        cw = self._col("tcw")[req]
        rate = np.full(req.size, np.nan)
        frate = np.full(req.size, np.nan)
        provider_of = self.model_provider
        for code in np.unique(model).tolist():
            if code < 0:
                continue
            rates = pricing.rates_for(t.strings.values[code], provider_of.get(code))
            if rates is not None:
                sel = model == code
                rate[sel] = np.where(cr[sel] > 0, rates.cache_read, rates.input)
                frate[sel] = np.where(cw[sel] > 0, rates.cache_write, rates.input)
        compactions = self.compactions_by_context()
        out: dict[int, ContextRequests] = {}
        self._first_rates = {}  # per context, beside the tuple (suggestions unpack four items)
        rctx = ctx[req]
        for c in np.unique(rctx).tolist():
            sel = rctx == c
            starts = self.a_start[req[sel]]
            order = np.argsort(starts, kind="stable")
            r = rate[sel][order]
            prefix = np.concatenate([[0.0], np.cumsum(np.nan_to_num(r))])
            unknown = np.concatenate([[0], np.cumsum(np.isnan(r))])
            comps = compactions.get(c, np.zeros(0))
            out[c] = ContextRequests(starts[order], prefix, unknown, comps)
            self._first_rates[c] = frate[sel][order]
        return out

    def compactions_by_context(self) -> dict[int, F64]:
        """Per context (`_context_of`): its compactions' start times, sorted. A compaction
        replaced that conversation's history with a summary: nothing read before it is
        re-sent after it, and reading it again is not a wasted re-read."""
        comp = np.flatnonzero((self.a_flags & F_COMPACTION) != 0)
        cctx = self._context_of()[comp]
        return {c: np.sort(self.a_start[comp[cctx == c]]) for c in np.unique(cctx).tolist()}

    def file_reads(self) -> Index:
        """The reads that put a file in context. A read that failed (an error status: a
        missing file, or a Read cancelled because a sibling call errored) read nothing, so it
        is neither a read in the file table nor a re-read."""
        ok = (self.a_flags & F_ERROR) == 0
        return np.flatnonzero((self.a_type == FREAD) & (self._col("file") >= 0) & ok)

    def resend_counts(self) -> dict[int, int]:
        """Per file read (event index): how many later requests re-sent it, the count
        tokens_by_file multiplies by, so a suggestion's tokens agree with the file table."""
        reads = self.file_reads()
        out = dict.fromkeys(reads.tolist(), 0)
        if not reads.size:
            return out
        ctx = self._context_of()
        rctx = ctx[reads]
        for c, (starts, _prefix, _unk, comps) in self._requests_by_context(ctx).items():
            sel = np.flatnonzero(rctx == c)
            if sel.size:
                lo, stop = _resend_window(starts, comps, self.a_end[reads[sel]])
                out.update(zip(reads[sel].tolist(), np.maximum(stop - lo, 0).tolist(), strict=True))
        return out

    def tokens_by_file(self, total_input: int) -> list[JsonDict]:
        t = self.t
        fcol = self._col("file")
        reads = self.file_reads()
        if not reads.size:
            return []
        ctx = self._context_of()
        reqs = self._requests_by_context(ctx)
        ft = np.maximum(self._col("file_tokens")[reads], 0)
        count = np.zeros(reads.size, dtype=np.int64)
        cost = np.zeros(reads.size)
        first_cost = np.full(reads.size, np.nan)
        unknown = np.zeros(reads.size, dtype=bool)
        rctx = ctx[reads]
        for c, (starts, prefix, unk, comps) in reqs.items():
            frate = self._first_rates[c]
            sel = np.flatnonzero(rctx == c)
            if not sel.size:
                continue
            end = self.a_end[reads[sel]]
            lo, stop = _resend_window(starts, comps, end)
            n_after = np.maximum(stop - lo, 0)
            lo_c = np.minimum(lo, starts.size)
            stop_c = np.maximum(stop, lo_c)
            count[sel] = n_after
            cost[sel] = ft[sel] * (prefix[stop_c] - prefix[lo_c])
            unknown[sel] = (unk[stop_c] - unk[lo_c]) > 0
            carrier = lo - 1  # the request that sent the read as new input (none: not sent yet)
            has = carrier < starts.size
            first_cost[sel[has]] = ft[sel[has]] * frate[carrier[has]]
        files, pos = np.unique(fcol[reads], return_inverse=True)
        tokens = np.bincount(pos, weights=ft, minlength=files.size)
        times = np.bincount(pos, minlength=files.size)
        rcount = np.bincount(pos, weights=count, minlength=files.size)
        rtokens = np.bincount(pos, weights=ft * count, minlength=files.size)
        rcost = np.bincount(pos, weights=cost, minlength=files.size)
        runknown = np.bincount(pos, weights=unknown & (count > 0) & (ft > 0), minlength=files.size)
        # a request after the read sent it; in a context whose requests carry no usage (a subagent
        # seen only through its streamed copies) it was sent too, at a cost not recorded
        carried = ~np.isin(rctx, list(reqs))
        for c, (starts, *_rest) in reqs.items():
            sel = np.flatnonzero(rctx == c)
            carried[sel] = np.searchsorted(starts, self.a_end[reads[sel]], side="left") < starts.size
        fcost = np.bincount(pos, weights=np.nan_to_num(first_cost), minlength=files.size)
        funknown = np.bincount(pos, weights=carried & np.isnan(first_cost) & (ft > 0), minlength=files.size)
        ctokens = np.bincount(pos, weights=ft * carried, minlength=files.size)
        ids: list[list[str]] = [[] for _ in range(files.size)]
        all_ids = t.ids
        for p, i in zip(pos.tolist(), reads.tolist(), strict=True):
            ids[p].append(all_ids[i])
        rows: list[JsonDict] = []
        for g, code in enumerate(files.tolist()):
            known = runknown[g] == 0
            resent_cost = float(rcost[g]) if (known or rcost[g]) else None
            first = float(fcost[g]) if (funknown[g] == 0 or fcost[g]) else None
            context = int(ctokens[g]) + int(rtokens[g])
            rows.append(
                {
                    "filePath": t.strings.values[code],
                    "tokens": int(tokens[g]),
                    "shareOfInput": pct(int(ctokens[g]) + int(rtokens[g]), total_input),
                    "timesRead": int(times[g]),
                    "resentCount": int(rcount[g]),
                    "resentTokens": int(rtokens[g]),
                    "resentCost": resent_cost,
                    # in context = the first read plus every request that re-sent it; its cost is of exactly those
                    "contextTokens": context,
                    "contextShare": pct(context, total_input),
                    "firstReadCost": first,
                    "contextCost": None if first is None or resent_cost is None else first + resent_cost,
                    "eventIds": ids[g],
                }
            )
        rows.sort(key=lambda r: -(r["tokens"] + r["resentTokens"]))
        return rows
