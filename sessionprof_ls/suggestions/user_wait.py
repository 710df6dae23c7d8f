"""Time lost waiting on the user or on permission prompts (guidance only: pre-approving
tools is the user's security decision, so nothing is written to settings)."""

from __future__ import annotations

import numpy as np

from ..analysis.formatting import fmt_ms, pct
from ..tree import USER
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo


class UserWait(Rule):
    info = RuleInfo(
        "user_wait",
        "workflow",
        "Time lost waiting on you or on permissions",
        Metric("idle time waiting on you or on permissions per session", "ms"),
        "waiting on the user",
    )
    guidance_text = (
        "Ask all clarifying questions in one message at the start of a task rather than stopping "
        "repeatedly; batch actions that need approval."
    )

    def detect(self, ctx: Context) -> Finding | None:
        a, t = ctx.a, ctx.t
        waits = np.flatnonzero((a.a_type == USER) & (a.a_end > a.a_start)).tolist()
        wait = ctx.summary["userWaitTime"]
        total = ctx.summary["totalDuration"]
        if not waits or wait < 30_000 and wait < 0.1 * total:
            return None
        prompted = sorted(
            {t.strings.values[t.tool[t.parent[i]]] for i in waits if t.parent[i] >= 0 and t.tool[t.parent[i]] >= 0}
        )
        return Finding(waits, {"wait": wait, "total": total, "tools": prompted})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        d = finding.data
        return self.up_to(
            f"{fmt_ms(d['wait'])} ({pct(d['wait'], d['total'])}% of the time)",
            "The session's time waiting on you (the time split's user bucket); a bound: some "
            "questions need you whatever the workflow.",
            ms=float(d["wait"]),
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        d = finding.data
        tools = f" for {', '.join(d['tools'])}" if d["tools"] else ""
        return (
            f"The agent waited {fmt_ms(d['wait'])} ({pct(d['wait'], d['total'])}% of the session) in "
            f"{len(finding.events)} prompts{tools}. Answer open questions up front; pre-approve routine "
            "tools yourself if you trust them."
        )

    def metric(self, ctx: Context) -> float | None:
        return float(ctx.summary["userWaitTime"])
