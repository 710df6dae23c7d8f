"""Batch sequential file reads into one step of parallel reads (guidance only)."""

from __future__ import annotations

import math

import numpy as np

from ..analysis.base import JsonDict
from ..analysis.formatting import fmt_ms, pct
from ..tree import AI, FREAD, FWRITE, NET, TOOL
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo

READ_TOOLS = ("read", "read_file", "view")


class BatchReads(Rule):
    info = RuleInfo(
        "batch_reads",
        "batching",
        "Batch file reads",
        Metric("time in sequential read runs per session", "ms"),
        "sequential read",
    )
    guidance_text = (
        "When you need several files, read them all in one step with parallel tool calls instead of one read per turn."
    )
    min_run = 3

    def _runs(self, ctx: Context) -> list[tuple[list[int], list[int]]]:
        a, t = ctx.a, ctx.t
        cctx = a._context_of()
        typ = a.a_type
        sel = np.flatnonzero(np.isin(typ, (AI, TOOL, FREAD, FWRITE, NET)))
        sel = sel[np.lexsort((a.a_start[sel], cctx[sel]))]
        read_tools = np.array([k for k, v in enumerate(t.strings.values) if v.lower() in READ_TOOLS] or [-2])
        # a tool call that read a file (its file_read child carries the read) does not break a run
        reading_tool = (typ[sel] == TOOL) & (a._col("file")[sel] >= 0) & np.isin(a._col("tool")[sel], read_tools)
        runs: list[tuple[list[int], list[int]]] = []
        run: list[int] = []
        ais: list[int] = []
        last_end, prev = -math.inf, None
        starts, ends = a.a_start, a.a_end
        for i, c, ty, rt in zip(
            sel.tolist(), cctx[sel].tolist(), typ[sel].tolist(), reading_tool.tolist(), strict=True
        ):
            if c != prev:
                if len(run) >= self.min_run:
                    runs.append((run, ais))
                run, ais, last_end, prev = [], [], -math.inf, c
            if ty == FREAD:
                if starts[i] >= last_end - 1:  # sequential: starts after the previous read ended
                    run.append(i)
                else:  # parallel with the previous read: already batched
                    if len(run) >= self.min_run:
                        runs.append((run, ais))
                    run, ais = [i], []
                last_end = ends[i]
            elif ty == AI:
                if run:
                    ais.append(i)
            elif not rt:
                if len(run) >= self.min_run:
                    runs.append((run, ais))
                run, ais, last_end = [], [], -math.inf
        if len(run) >= self.min_run:
            runs.append((run, ais))
        return runs

    def detect(self, ctx: Context) -> Finding | None:
        if not (runs := self._runs(ctx)):
            return None
        a = ctx.a
        saving = 0.0
        reads: list[int] = []
        for run, ais in runs:
            durs = [a.a_end[i] - a.a_start[i] for i in run]
            # the AI round trips between the first and the last read disappear too
            between = [x for x in ais if a.a_start[x] < a.a_start[run[-1]]]
            saving += sum(durs) - max(durs) + sum(a.a_end[x] - a.a_start[x] for x in between)
            reads.extend(run)
        return Finding(reads, {"runs": len(runs), "ms": float(saving)})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        ms = finding.data["ms"]
        return self.up_to(
            f"{fmt_ms(ms)} ({pct(ms, ctx.summary['totalDuration'])}% of the time)",
            "Per run of sequential reads: every read but the longest, plus the model round trips "
            "between them, as if all had run in parallel in one step (a bound).",
            ms=ms,
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        return (
            f"{len(finding.events)} sequential reads in {finding.data['runs']} run(s) could have been one step "
            "of parallel reads."
        )

    def extra(self, ctx: Context, finding: Finding) -> JsonDict:
        return {"filePaths": sorted({ctx.rel(p) for i in finding.events if (p := ctx.path(i))})[:200]}

    def metric(self, ctx: Context) -> float | None:
        f = self.detect(ctx)
        return f.data["ms"] if f else 0.0
