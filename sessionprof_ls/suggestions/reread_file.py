"""Stop re-reading unchanged files.

A re-read is wasted when one conversation read the same file twice and it was neither
written nor the conversation compacted in between. A subagent (an agent span a tool
started) has its own conversation, empty at its start: its read of a file its caller read before is its first, and the
guidance (refer to what you read before) could not have saved it. Reads that failed do
not count: they read nothing. A re-read's cost is what the file table counts for that
read: its tokens once as new input plus once per later request that re-sent it (the
same per-read count the table multiplies by), so the suggestion's number is part of
the table's `tokens + resentTokens` for the file.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from itertools import pairwise

import numpy as np

from ..analysis.base import JsonDict
from ..analysis.formatting import counted, fmt_ms
from ..tree import FWRITE
from .base import Context, Estimate, Finding, Metric, Rule, RuleInfo


def _between(times: list[float], a: float, b: float) -> bool:
    """Whether any of the sorted `times` falls in (a, b]."""
    return bisect_right(times, b) != bisect_right(times, a)


class RereadFile(Rule):
    info = RuleInfo(
        "reread_file",
        "context",
        "Stop re-reading the same files",
        Metric("re-read tokens per session (new input + re-sent)", "tokens"),
        "re-read of an unchanged file",
    )
    guidance_text = (
        "Do not re-read a file you already read in this session unless it changed since; refer to what you read before."
    )

    def detect(self, ctx: Context) -> Finding | None:
        t = ctx.t
        a = ctx.a
        fcol = a._col("file")
        reads = a.file_reads()  # a read that failed read nothing
        if not reads.size:
            return None
        # one key per (conversation, file): a subagent's context is its agent span's index,
        # the main one -1, so (context + 1) * files + file is unique and np.unique stays 1-D
        rctx = a._context_of()[reads]
        rfile = fcol[reads].astype(np.int64)
        key = (rctx + 1) * (int(rfile.max()) + 1) + rfile
        _, group, counts = np.unique(key, return_inverse=True, return_counts=True)
        twice = counts[group.ravel()] >= 2
        repeated = reads[twice]
        if not repeated.size:
            return None
        again = np.unique(fcol[repeated])
        writes: dict[int, list[float]] = defaultdict(list)
        for i in np.flatnonzero((a.a_type == FWRITE) & np.isin(fcol, again)).tolist():
            writes[t.file[i]].append(t.start[i])
        per_file: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, c in zip(repeated.tolist(), rctx[twice].tolist(), strict=True):
            per_file[c, t.file[i]].append(i)
        # a read after its conversation was compacted fetches what the model no longer has
        comps = {c: times.tolist() for c, times in a.compactions_by_context().items()}
        wasted: list[int] = []
        for (c, f), idxs in per_file.items():
            idxs.sort(key=t.start.__getitem__)
            ws = sorted(writes.get(f, []))
            cs = comps.get(c, [])
            for prev, cur in pairwise(idxs):
                # a read after the file was written, or after a compaction, is not a wasted re-read
                if not _between(ws, t.start[prev], t.start[cur]) and not _between(cs, t.start[prev], t.start[cur]):
                    wasted.append(cur)
        if not wasted:
            return None
        wasted.sort(key=t.start.__getitem__)
        per_path: dict[str, dict[str, int]] = {}
        res = ctx.resends
        for i in wasted:
            ft = max(0, t.file_tokens[i])
            path = t.strings.values[t.file[i]]  # a read of a file: file >= 0
            row = per_path.setdefault(path, {"reads": 0, "tokens": 0, "resent": 0})
            row["reads"] += 1
            row["tokens"] += ft
            row["resent"] += ft * res.get(i, 0)
        return Finding(wasted, {"files": per_path})

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        files = finding.data["files"]
        new = sum(r["tokens"] for r in files.values())
        resent = sum(r["resent"] for r in files.values())
        ms = sum(ctx.a.ends[i] - ctx.t.start[i] for i in finding.events)
        return Estimate(
            f"-{new + resent:,} tokens ({new:,} read again + {resent:,} re-sent)",
            "Each re-read of a file not written since its previous read: its tokens as new input, plus the "
            "same tokens for every later request that re-sent them (the count the tokens-by-file table uses).",
            bound=False,
            ms=float(ms),
            tokens=new + resent,
        )

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        files = finding.data["files"]
        names = sorted(files, key=lambda p: -(files[p]["tokens"] + files[p]["resent"]))
        table = {r["filePath"]: r["tokens"] + r["resentTokens"] for r in ctx.by_file}
        parts = [
            f"{ctx.rel(p)} ×{files[p]['reads']}: {files[p]['tokens'] + files[p]['resent']:,} of the "
            f"{table.get(p, 0):,} tokens the file table counts for it"
            for p in names[:3]
        ]
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return (
            f"{counted(len(finding.events), 'read')} fetched a file again that had not changed "
            f"({'; '.join(parts)}{more}). "
            f"Together {est.tokens:,} tokens, the re-reads and the requests that re-sent them "
            f"({fmt_ms(est.ms)} of reading)."
        )

    def extra(self, ctx: Context, finding: Finding) -> JsonDict:
        return {"filePaths": sorted(ctx.rel(p) for p in finding.data["files"])[:200]}

    def metric(self, ctx: Context) -> float | None:
        f = self.detect(ctx)
        return float(self.estimate(ctx, f).tokens) if f else 0.0
