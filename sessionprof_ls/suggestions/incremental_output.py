"""Ask for large outputs in steps (guidance only)."""

from __future__ import annotations

import numpy as np

from ..analysis.base import Index
from ..analysis.formatting import fmt_ms, pct
from ..analysis.limits import LARGE_OUTPUT_TOKENS
from ..tree import AI
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo

FIRST_USEFUL_TOKENS = 1500


class IncrementalOutput(Rule):
    info = RuleInfo(
        "incremental_output",
        "prompting",
        "Request incremental outputs",
        Metric("output tokens in responses over the large-output threshold per session", "tokens"),
        "large response",
    )
    guidance_text = (
        "Deliver large changes incrementally: one file or one step per response, and confirm before continuing."
    )
    threshold = LARGE_OUTPUT_TOKENS

    def _big(self, ctx: Context) -> Index:
        a = ctx.a
        big = np.flatnonzero((a.a_type == AI) & (a._col("tout") > self.threshold))
        return big[np.argsort(a.a_start[big], kind="stable")]

    def detect(self, ctx: Context) -> Finding | None:
        big = self._big(ctx)
        if not big.size:
            return None
        a = ctx.a
        tout = a._col("tout")[big]
        ms = float(np.sum((a.a_end[big] - a.a_start[big]) * np.clip(1 - FIRST_USEFUL_TOKENS / tout, 0, 1)))
        return Finding(big.tolist(), {"ms": ms, "largest": int(tout.max()), "tokens": int(tout.sum())})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        ms = finding.data["ms"]
        method = (
            f"Per large response, its duration scaled by the share past the first "
            f"{FIRST_USEFUL_TOKENS:,} output tokens: the wait until a first useful step arrives."
        )
        return self.up_to(f"{fmt_ms(ms)} of waiting ({pct(ms, ctx.summary['totalDuration'])}%)", method, ms=ms)

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        return (
            f"{len(finding.events)} responses had more than {self.threshold:,} output tokens "
            f"(largest {finding.data['largest']:,}). Ask for the work in smaller steps."
        )

    def metric(self, ctx: Context) -> float | None:
        big = self._big(ctx)
        return float(ctx.a._col("tout")[big].sum())
