"""Start a new session (or compact) when the history dominates the input (guidance only)."""

from __future__ import annotations

import numpy as np

from .. import pricing
from ..analysis.formatting import fmt_usd, pct
from ..tree import AI, F_TOKENS
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo


class NewSession(Rule):
    info = RuleInfo(
        "new_session",
        "context",
        "Start a new session for unrelated tasks",
        Metric("share of input tokens that is conversation history", "percent"),
        "request carrying the first half's history",
    )
    guidance_text = "Keep sessions focused: start a new session for an unrelated task, and compact long ones."
    min_share = 60.0

    def detect(self, ctx: Context) -> Finding | None:
        a = ctx.a
        share = pct(ctx.history_tokens, ctx.total_input)
        reqs = np.flatnonzero((a.a_type == AI) & ((a.a_flags & F_TOKENS) != 0))
        if share < self.min_share or reqs.size < 4:
            return None
        reqs = reqs[np.argsort(a.a_start[reqs], kind="stable")]
        ctxs = a._col("tin")[reqs] + a._col("tcr")[reqs] + a._col("tcw")[reqs]
        half = reqs.size // 2
        base = ctxs[0]
        # starting afresh half-way, the second half would not have carried the first half's history
        carried = ctxs[half] - base
        later = ctxs[half:]
        cut = np.where(later > base, np.minimum(carried, later - base), 0)
        rate = np.full(later.size, np.nan)
        models = a._col("model")[reqs[half:]]
        for code in np.unique(models).tolist():
            r = pricing.rates_for(ctx.t.strings.values[code]) if code >= 0 else None
            if r is not None:
                rate[models == code] = r.cache_read
        usd = float(np.nansum(cut * rate)) if not np.isnan(rate).all() else None
        return Finding(reqs[half:].tolist(), {"share": share, "tokens": int(cut.sum()), "usd": usd})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        d = finding.data
        usd = f", {fmt_usd(d['usd'])}" if d["usd"] is not None else ""
        return Estimate(
            f"about -{d['tokens']:,} tokens{usd}",
            "Splitting at the middle request: each later request's context minus the first request's, "
            "capped at the history the first half had built; priced at cache-read rates.",
            bound=False,
            tokens=d["tokens"],
            usd=d["usd"],
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        return (
            f"{finding.data['share']}% of input tokens are conversation history. Starting a new session "
            f"(or compacting) half-way would have sent about {est.tokens:,} fewer tokens."
        )

    def metric(self, ctx: Context) -> float | None:
        return pct(ctx.history_tokens, ctx.total_input) if ctx.total_input else None
