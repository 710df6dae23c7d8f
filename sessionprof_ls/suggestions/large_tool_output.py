"""Large tool outputs flood the context: guidance to read narrower, never a deny rule.

Safe by rule: nothing is denied or hidden. A file is only named in the guidance when the
agent neither edited it nor read it again after the large read; files it worked on stay
out of the text entirely.

Saving (a bound): per large output, the tokens past a 2,000-token narrower read, once as
new input and again for every later request that re-sent it (the file table's count).
"""

from __future__ import annotations

import numpy as np

from ..analysis.base import JsonDict
from ..analysis.formatting import counted
from ..analysis.limits import LARGE_TOOL_OUTPUT_TOKENS
from ..tree import FREAD, FWRITE
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo
from .markdown import md_code

NARROW_READ_TOKENS = 2000


class LargeToolOutput(Rule):
    info = RuleInfo(
        "large_tool_output",
        "context",
        "Large tool outputs flood the context",
        Metric("tokens of large tool outputs per session", "tokens"),
        "large tool output",
    )
    threshold = LARGE_TOOL_OUTPUT_TOKENS

    def _big(self, ctx: Context) -> list[int]:
        a = ctx.a
        big = np.flatnonzero((a._col("file_tokens") >= self.threshold) & (a.a_type != FWRITE))
        in_order: list[int] = big[np.argsort(a.a_start[big], kind="stable")].tolist()
        return in_order

    def detect(self, ctx: Context) -> Finding | None:
        big = self._big(ctx)
        if not big:
            return None
        t = ctx.t
        res = ctx.resends
        tokens = 0
        narrow: set[str] = set()  # files safe to name: not edited, not used after the large read
        paths: set[str] = set()
        for i in big:
            ft = t.file_tokens[i]
            carry = 1 + (res.get(i, 0) if t.type[i] == FREAD else 0)
            tokens += (ft - NARROW_READ_TOKENS) * carry
            p = ctx.path(i)
            if p:
                paths.add(p)
                if p not in ctx.written and ctx.touched_later.get(p, t.start[i]) <= t.start[i]:
                    narrow.add(p)
        # a file read big once but also used afterwards is never named, even if another read was last
        narrow = {p for p in narrow if all(ctx.touched_later.get(p, 0) <= t.start[i] for i in big if ctx.path(i) == p)}
        return Finding(big, {"tokens": int(tokens), "paths": sorted(paths), "narrow": sorted(narrow)})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        n = finding.data["tokens"]
        return self.up_to(
            f"{n:,} tokens",
            f"Per output of at least {self.threshold:,} tokens: the tokens past a "
            f"{NARROW_READ_TOKENS:,}-token narrower read, counted once plus once per later request that "
            "re-sent a file read (the tokens-by-file count); a bound.",
            tokens=n,
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        names = ", ".join(ctx.rel(p) for p in finding.data["paths"][:3]) or "command output"
        return (
            f"{counted(len(finding.events), 'tool result')} carried at least {self.threshold:,} tokens each ({names}); "
            f"a narrower read would have saved up to {est.tokens:,} tokens."
        )

    def guidance(self, ctx: Context, finding: Finding) -> str:
        text = (
            "Avoid dumping large outputs into the context: read line ranges, filter command output "
            "(head, grep, --quiet), and skip generated or vendored files."
        )
        narrow = [r for p in finding.data["narrow"] if (r := ctx.workspace_rel(p))]
        if narrow:
            text += " Search these instead of reading them whole: " + ", ".join(md_code(p) for p in narrow[:10]) + "."
        return text

    def extra(self, ctx: Context, finding: Finding) -> JsonDict:
        return {"filePaths": [ctx.rel(p) for p in finding.data["paths"]][:200]}

    def metric(self, ctx: Context) -> float | None:
        ft = ctx.t.file_tokens
        return float(sum(ft[i] for i in self._big(ctx)))
