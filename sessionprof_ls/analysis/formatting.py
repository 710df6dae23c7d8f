"""How the analysis writes numbers for people: durations, dollars, percentages.

The reference for every client: sessionprof_ls/format_cases.json holds the cases that
this module, the VS Code extension (format.ts), Neovim (format.lua) and the web UI
(format.js) are all tested against (tests/test_format_cases.py, format_cases.test.ts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# no import from the analysis package: cli_report loads this file alone, without numpy
Row = Mapping[str, Any]  # a summary or a table row (JSON)

NOT_RECORDED = "not recorded"
INTERRUPTED = "interrupted"
PRICE_UNKNOWN = "price unknown"


def counted(n: int, noun: str) -> str:
    """A count with its noun, for a sentence: "1 read", "2 reads"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def fmt_ms(ms: float | None) -> str:
    """Durations as the spec writes them: 4m 12s, 12.3s, 450ms, 1h 02m."""
    if ms is None:
        return NOT_RECORDED
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
    """Dollars: $0.014, $1,234; a tiny cost is "<$0.001" (never "$0.000", which reads as free)."""
    if usd is None:
        return PRICE_UNKNOWN
    if 0 < usd < 0.0005:
        return "<$0.001"
    return f"${usd:.3f}" if usd < 100 else f"${usd:,.0f}"


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def fmt_pct(p: float | None) -> str:
    """A share as people read it: 62%."""
    return NOT_RECORDED if p is None else f"{p:.0f}%"


def fmt_int(n: float | None) -> str:
    """An exact count with thousands separators: 1,234,567."""
    return NOT_RECORDED if n is None else f"{round(n):,}"


def fmt_tokens(n: int | None) -> str:
    """Token counts for a hint: 548, 1,234, 24.3k, 1.04M (exact while short enough)."""
    if n is None:
        return NOT_RECORDED
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


def fmt_usd_short(usd: float | None) -> str:
    """Dollars for a one-line hint: $0.57, $0.004; "cost not recorded" when unknown."""
    if usd is None:
        return "cost not recorded"
    return f"${usd:.2f}" if usd >= 0.1 else f"${usd:.3f}"


def file_hint(row: Row, total_input: int) -> tuple[str, str]:
    """A file's inlay hint and its tooltip, from a tokensByFile row: its tokens in the
    context (first read + re-sent as history), their share of all input the session sent
    and the cost of exactly those tokens, e.g. `1.04M tk · 8.4% of input · $0.57`."""
    ctx = row.get("contextTokens", row["tokens"] + row["resentTokens"])
    share = row.get("contextShare", 0.0)
    cost = row.get("contextCost")
    label = f"{fmt_tokens(ctx)} tk · {share:.1f}% of input · {fmt_usd_short(cost)}"
    first = ctx - row["resentTokens"]
    if ctx == 0 and row["tokens"] > 0:
        # read, but no request came after it: the model never saw it (the session ended first)
        label = f"{fmt_tokens(row['tokens'])} tk read · not sent to the model"
        tooltip = (
            f"sessionprof — {row['filePath']}\n"
            f"{row['tokens']:,} tokens read in {row['timesRead']} read(s), but no request came after "
            "the read: the model never received them, so they cost nothing and are 0% of input."
        )
        return label, tooltip
    tooltip = (
        f"sessionprof — {row['filePath']}\n"
        f"{ctx:,} tokens in context ({share:.1f}% of the session's {total_input:,} input tokens), "
        f"{fmt_usd(cost) if cost is not None else 'cost not recorded'}:\n"
        f"· first read: {first:,} tokens in {row['timesRead']} read(s), "
        f"{fmt_usd(row.get('firstReadCost')) if row.get('firstReadCost') is not None else 'cost not recorded'}\n"
        f"· re-sent as history by {row['resentCount']} later request(s): {row['resentTokens']:,} tokens, "
        f"{fmt_usd(row['resentCost']) if row['resentCost'] is not None else 'cost not recorded'}"
    )
    return label, tooltip


def summary_tokens(s: Row) -> str:
    """A session's token count, or "not recorded" when its source records no usage."""
    return NOT_RECORDED if "totalTokens" in (s.get("notRecorded") or {}) else f"{s['totalTokens']:,}"


def summary_cost(s: Row) -> str:
    """A session's cost as every client writes it: "not recorded" when its responses carry no
    usage, "price unknown" when a model has no price; when the agent reported its own cost
    (which counts in totalCost) and genai-prices prices the same requests differently, both:
    `$0.040 (agent $0.040 · priced $0.193)`."""
    if "totalCost" in (s.get("notRecorded") or {}):
        return NOT_RECORDED
    text = fmt_usd(s.get("totalCost"))
    if s.get("costDiffers") and s.get("agentCost") is not None:
        text += f" (agent {fmt_usd(s['agentCost'])} · priced {fmt_usd(s.get('pricedCost'))})"
    return text


def row_tokens(row: Row, key: str = "total") -> str:
    """A message-table cell: "not recorded" for a response whose usage the source did not
    record (never 0)."""
    return NOT_RECORDED if row.get("usageRecorded") is False else f"{row[key]:,}"


def row_cost(row: Row) -> str:
    """A message row's cost: blank for a user message, "not recorded" without usage."""
    if row.get("role") == "user":
        return ""
    return NOT_RECORDED if row.get("usageRecorded") is False else fmt_usd(row.get("cost"))


def inferred_hint(dur: float, no_usage: bool = False) -> str:
    """An operation the agent recorded one end of (metadata timing "inferred"): its duration
    is the gap between the records around it, not a measurement, so no advice on speed. The
    one wording of it: the slowest operations, the report and the lens hover (hover.py)."""
    usage = " Its usage was not recorded either." if no_usage else ""
    gap = f"it took at most {fmt_ms(dur)}, the gap between the records around it"
    return f"Not measured: only one end was recorded; {gap}.{usage}"
