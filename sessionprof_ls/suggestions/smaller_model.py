"""Use a smaller model for the simple work, never for the whole project.

Safe by rule: the edit is a Claude Code subagent definition
(`.claude/agents/quick-tasks.md`, `model: haiku`) the main model may delegate short
lookups and routine edits to, or a Codex profile (`[profiles.quick]`) the user picks
with `--profile quick`; the project's default model is never touched. Other agents
get guidance only.

The saving is a bound: the short responses priced at the smaller model's rates (same
tokens, cache included), as if all of them had been delegated.
"""

from __future__ import annotations

import numpy as np

from .. import pricing
from ..analysis.base import Index, JsonDict
from ..analysis.formatting import fmt_usd, pct
from ..analysis.limits import SIMPLE_RESPONSE_TOKENS, SMALLER_MODEL
from ..tree import AI, F_TOKENS
from .base import Change, Context, Estimate, Finding, Metric, Rule, RuleInfo

AGENT_NAME = "quick-tasks"
CODEX_PROFILE = "quick"
CLAUDE_ALIAS = {"claude-haiku-4-5": "haiku"}


def subagent_text(model_alias: str) -> str:
    return (
        f"---\nname: {AGENT_NAME}\n"
        "description: Short lookups and routine, well-specified edits (rename, small fix, find where X is "
        "defined). Use it for simple steps; keep planning and hard debugging in the main conversation.\n"
        f"model: {model_alias}\n---\n\n"
        "You handle small, well-defined tasks quickly. Read only what the task needs, make the change, "
        "and report back in a few lines.\n"
    )


class SmallerModel(Rule):
    info = RuleInfo(
        "smaller_model",
        "model",
        "Delegate simple steps to a smaller model",
        Metric("cost per simple response", "usd"),
        f"short response (≤ {SIMPLE_RESPONSE_TOKENS} output tokens)",
    )
    guidance_text = (
        "Delegate short lookups and routine, well-specified edits to a smaller model "
        f"(the `{AGENT_NAME}` subagent or the `{CODEX_PROFILE}` profile); keep planning and hard "
        "debugging on the main model."
    )
    simple_tokens = SIMPLE_RESPONSE_TOKENS

    def _simple(self, ctx: Context) -> Index:
        a = ctx.a
        is_req = (a.a_type == AI) & ((a.a_flags & F_TOKENS) != 0)
        cost = a.cost_array()
        return np.flatnonzero(
            is_req & (a._col("tout") <= self.simple_tokens) & ~np.isnan(cost) & (a._col("model") >= 0)
        )

    def detect(self, ctx: Context) -> Finding | None:
        a, t = ctx.a, ctx.t
        cost = a.cost_array()
        ai_total = int(((a.a_type == AI) & ((a.a_flags & F_TOKENS) != 0)).sum())
        cand = self._simple(ctx)
        model = a._col("model")
        tin, tout, tcr, tcw = (a._col(c) for c in ("tin", "tout", "tcr", "tcw"))
        chosen: list[int] = []
        current = small = 0.0
        small_models: dict[str, str] = {}
        for code in np.unique(model[cand]).tolist():
            name = t.strings.values[code]
            low = name.lower()
            target = next((sm for key, sm in SMALLER_MODEL if key in low), None)
            if target is None or target.split("-")[1] in low and "mini" in low:
                continue
            rates = pricing.rates_for(target)
            if rates is None:
                continue
            idx = cand[model[cand] == code]
            alt = (
                tin[idx] * rates.input
                + tout[idx] * rates.output
                + tcr[idx] * rates.cache_read
                + tcw[idx] * rates.cache_write
            )
            cheaper = alt < cost[idx]
            if not cheaper.any():
                continue
            chosen.extend(idx[cheaper].tolist())
            current += float(cost[idx][cheaper].sum())
            small += float(alt[cheaper].sum())
            small_models[name] = target
        if len(chosen) < 3 or len(chosen) < 0.2 * ai_total:
            return None
        chosen.sort(key=t.start.__getitem__)
        targets = list(small_models.values())
        suggested = max(set(targets), key=targets.count)
        return Finding(
            chosen,
            {
                "current": current,
                "small": small,
                "models": sorted(small_models),
                "suggested": suggested,
                "total": ai_total,
            },
        )

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        d = finding.data
        saving = d["current"] - d["small"]
        share = pct(saving, ctx.summary["totalCost"] or d["current"])
        return self.up_to(
            f"{fmt_usd(saving)} ({share}% of the cost)",
            f"The responses with at most {self.simple_tokens} output tokens, priced with the same token counts at "
            f"{d['suggested']}'s rates. A bound: only the steps the agent delegates move to the smaller model.",
            usd=saving,
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        d = finding.data
        return (
            f"{len(finding.events)} of {d['total']} responses were short (≤ {self.simple_tokens} output tokens): "
            f"they cost {fmt_usd(d['current'])} on {', '.join(d['models'])} and would cost {fmt_usd(d['small'])} "
            f"on {d['suggested']}. "
            "The project keeps its model; simple steps can go to a smaller one."
        )

    def extra(self, ctx: Context, finding: Finding) -> JsonDict:
        return {"models": finding.data["models"], "suggestedModel": finding.data["suggested"]}

    def edits(self, suggestion: JsonDict, source: str | None) -> list[Change]:
        model = str(suggestion.get("suggestedModel") or "")
        out: list[Change] = []
        if source == "codex":
            out.append(
                {
                    "op": "toml_profile",
                    "path": ".codex/config.toml",
                    "profile": CODEX_PROFILE,
                    "values": {"model": model},
                }
            )
        elif source in (None, "claude-code") and model in CLAUDE_ALIAS:
            out.append(
                {"op": "file", "path": f".claude/agents/{AGENT_NAME}.md", "text": subagent_text(CLAUDE_ALIAS[model])}
            )
        out.extend(super().edits(suggestion, source))
        return out

    def metric(self, ctx: Context) -> float | None:
        """Mean cost of the simple responses (all models): lower once they run on a smaller one."""
        idx = self._simple(ctx)
        if not idx.size:
            return None
        return float(ctx.a.cost_array()[idx].mean())
