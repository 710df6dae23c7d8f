"""The spec's performance overview and token analysis, drawn in the terminal with rich.

Readable from 80 columns (the width when piped) to 200: sections are headed by a
rule instead of nested boxes (each box costs four columns), tables drop or
shorten their least important columns instead of cutting every number
(cli_layout), paths are shown relative to the session's workspace and cut in the
middle, and wrapped lines keep their indent. Every string from a session goes
through rich.text.Text (never markup), so a file named "[red]x" or agent text
with brackets prints as it is.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .analysis.formatting import fmt_ms, fmt_usd, row_cost, row_tokens, summary_cost, summary_tokens
from .cli_layout import Cell, Col, compact_number, end_ellipsis, fitted_table, rel_path

BAR_WIDTH = 48
# (summary key prefix, label, colour); buckets a session has none of are left out, except ALWAYS
BUCKETS = (
    ("aiThinking", "AI", "#8b5cf6"),
    ("toolExecution", "Tools", "#f59e0b"),
    ("network", "Network", "#06b6d4"),
    ("userWait", "Waiting on user", "#71717a"),
    ("hook", "Hooks", "#ec4899"),
    ("compaction", "Compaction", "#10b981"),
    ("agentOverhead", "Agent overhead", "#a3a3a3"),
    ("other", "Other", "#3f3f46"),
)
ALWAYS = {"aiThinking", "toolExecution", "network", "userWait"}
INDENT = 2


def _bar(percent: float, color: str, width: int) -> Text:
    filled = int(round(width * percent / 100.0))
    return Text("█" * filled, style=color) + Text("░" * (width - filled), style="grey35")


def _time(d: dict[str, Any], key: str) -> tuple[str, str]:
    """A bucket's time and share, or "not recorded" when the source cannot measure it."""
    t = d.get(f"{key}Time")
    if t is None:
        return "not recorded", ""
    return fmt_ms(t), f"({d[f'{key}Percent']:.0f}%)"


def _stat(label: str, value: str, sub: str = "") -> Text:
    t = Text(label.upper() + "\n", style="grey62")
    t.append(value, style="bold")
    if sub:
        t.append(" " + sub, style="grey62")
    return t


def _heading(console: Console, title: str, major: bool = False) -> None:
    console.print(Rule(Text(title, style="bold"), align="left", style="grey50" if not major else "bold"))


def _hanging(rows: list[tuple[Text, Text]]) -> Table:
    """A marker column and a text column: wrapped text stays indented under its first line."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for marker, text in rows:
        grid.add_row(marker, text)
    return grid


def _indented(renderable: RenderableType) -> Table:
    grid = Table.grid()
    grid.add_column(width=INDENT)
    grid.add_column()
    grid.add_row("", renderable)
    return grid


def render(data: dict[str, Any], console: Console, max_messages: int = 25, workspace: str | None = None) -> None:
    """`workspace`: the session's folder, that paths are shown relative to."""
    d = data
    width = console.width
    total = d["totalDuration"]
    header = Table.grid(padding=(0, 2))
    header.add_column(no_wrap=True)
    header.add_column(overflow="fold")
    title = Text(f"Session: {d['title']}")
    title.append(f" ({fmt_ms(total)})", style="grey62")
    header.add_row(Text("PERFORMANCE", style="bold"), title)
    console.print(header)

    nr_tokens = "totalTokens" in (d.get("notRecorded") or {})
    cost = summary_cost(d) + ("" if d.get("costComplete", True) or d.get("totalCost") is None else " +?")
    stats = [
        _stat("Total time", fmt_ms(total), f"({fmt_ms(d['activeTime'])} active)" if d.get("idleTime") else ""),
        _stat("AI thinking", *_time(d, "aiThinking")),
        _stat("Tool execution", *_time(d, "toolExecution")),
        _stat("Network", *_time(d, "network")),
        _stat("Total tokens", summary_tokens(d)),
        _stat("Avg response", "not recorded" if nr_tokens else f"{d['avgResponseTokens']:,.0f} tk"),
        _stat("Messages", f"{d['messageCount']:,}", f"· {d['toolCallCount']:,} tool calls"),
        _stat("Cost", cost),
    ]
    per_row = 4 if width >= 72 else 2
    grid = Table.grid(expand=True, padding=(0, 2))
    for _ in range(per_row):
        grid.add_column()
    for i in range(0, len(stats), per_row):
        if i:
            grid.add_row(*[Text("")] * per_row)
        grid.add_row(*stats[i : i + per_row])
    _heading(console, "SUMMARY")
    console.print(_indented(grid))

    bar_width = max(10, min(BAR_WIDTH, width - INDENT - 26))
    bars = Table.grid(padding=(0, 1))
    bars.add_column(no_wrap=True)
    bars.add_column(overflow="fold")
    notes = []
    for key, label, color in BUCKETS:
        if f"{key}Percent" not in d:
            continue  # a bucket this server does not have
        p = d[f"{key}Percent"]
        if p is None:
            why = (d.get("notRecorded") or {}).get(f"{key}Time") or (d.get("notRecorded") or {}).get(f"{key}Percent")
            bars.add_row(Text("·" * bar_width, style="grey35"), Text(f"{label}: not recorded", style="grey62"))
            if why:
                notes.append(Text(f"{label} not recorded: {why}", style="grey62"))
        elif p or key in ALWAYS:
            bars.add_row(_bar(p, color, bar_width), Text(f"{label} ({p:.0f}%)"))
    if d.get("idleTime"):
        notes.append(
            Text(
                f"Idle between turns: {fmt_ms(d['idleTime'])} ({d.get('idlePercent', 0):.0f}% of the wall "
                "time), left out of the shares above.",
                style="grey62",
            )
        )
    _heading(console, "TIME BREAKDOWN")
    console.print(_indented(bars))
    if notes:
        console.print(_indented(_hanging([(Text("·", style="grey62"), note) for note in notes])))

    _heading(console, "SLOWEST OPERATIONS")
    rows = []
    for op in d["slowestOperations"]:
        ev = op["event"]
        line = Text(ev["name"], style="bold")
        line.append(f"  {fmt_ms(ev['duration'])}", style="red")
        if op.get("detail"):
            line.append("  " + end_ellipsis(rel_path(op["detail"], workspace), 160), style="grey62")
        if op.get("suggestion"):
            line.append("\n💡 " + op["suggestion"], style="grey70")
        rows.append((Text(f"{op['rank']}.", style="bold"), line))
    console.print(_indented(_hanging(rows) if rows else Text("No operations yet.", style="grey62")))

    _heading(console, "OPTIMIZATION SUGGESTIONS")
    sugg = []
    for s in d["suggestions"]:
        t = Text(s["title"], style="bold")
        t.append(f"   {s['estimatedSaving']}", style="green")
        t.append("\n" + s["description"], style="grey70")
        sugg.append((Text("⚡", style="yellow"), t))
    console.print(
        _indented(
            _hanging(sugg) if sugg else Text("No suggestions: nothing stood out in this session.", style="grey62")
        )
    )
    render_tokens(d, console, max_messages, workspace)


def _role(s: str) -> str:
    return {"assistant": "asst"}.get(s, s)


def render_tokens(d: dict[str, Any], console: Console, max_messages: int = 25, workspace: str | None = None) -> None:
    width = console.width - INDENT
    console.print()
    _heading(console, "TOKEN ANALYSIS", major=True)

    cols = [
        Col("MSG", priority=9),
        Col("ROLE", "left", 8, short=_role, cheap=True),
        Col("INPUT", priority=4, short=compact_number),
        Col("CACHE R/W", priority=5, short=compact_number),
        Col("OUTPUT", priority=6, short=compact_number),
        Col("TOTAL", priority=8, short=compact_number),
        Col("COST", priority=7),
        Col("CONTENT", "left", 3, flex=True, min_width=12, want=20),
    ]
    rows = d["tokensByMessage"]
    cells: list[list[Cell]] = []
    styles: list[str | None] = []
    for r in rows[:max_messages]:
        nr = r.get("usageRecorded") is False  # usage the source did not record: "not recorded", never 0
        cells.append(
            [
                f"#{r['index']}",
                r["role"],
                "" if nr else f"{r['input']:,}",
                "" if nr else f"{r['cacheRead']:,}/{r['cacheWrite']:,}",
                "" if nr else f"{r['output']:,}",
                "n/r" if nr else row_tokens(r),
                "n/r" if nr else row_cost(r) if r["role"] == "assistant" and r["total"] else "",
                Text('"' + r["excerpt"][:200] + '"'),
            ]
        )
        styles.append(None)
    if len(rows) > max_messages:
        cells.append(["…", "", "", "", "", "", "", Text(f"{len(rows) - max_messages} more")])
        styles.append(None)
    nr = "totalTokens" in (d.get("notRecorded") or {})
    cells.append(
        [
            "TOTAL",
            "",
            "" if nr else f"{d['inputTokens']:,}",
            "" if nr else f"{d['cacheReadTokens']:,}/{d['cacheWriteTokens']:,}",
            "" if nr else f"{d['outputTokens']:,}",
            summary_tokens(d),
            summary_cost(d),
            "",
        ]
    )
    styles.append("bold")
    _heading(console, "BY MESSAGE")
    console.print(_indented(fitted_table(cols, cells, width, row_styles=styles)))
    if any(r.get("usageRecorded") is False for r in rows[:max_messages]):
        console.print(_indented(Text("n/r: usage not recorded by the source for this response", style="grey62")))

    cols = [
        Col("FILE", "left", 9, flex=True, min_width=16, want=40, cut="middle"),
        Col("TOKENS", priority=8, short=compact_number),
        Col("% OF INPUT", priority=7),
        Col("READS", priority=5),
        Col("RE-SENT", priority=4, short=compact_number),
        Col("RE-SENT COST", priority=6),
    ]
    cells = [
        [
            rel_path(r["filePath"], workspace),
            f"{r.get('contextTokens', r['tokens']):,}",
            f"{r['shareOfInput']:.1f}%",
            str(r["timesRead"]),
            f"{r['resentTokens']:,} ({r['resentCount']}×)",
            fmt_usd(r["resentCost"]),
        ]
        for r in d["tokensByFile"][:20]
    ]
    cells.append(
        [
            Text("(conversation history)", style="italic"),
            f"{d['historyTokens']:,}",
            f"{d['historyShare']:.1f}%",
            "",
            "",
            "",
        ]
    )
    _heading(console, "BY FILE IN CONTEXT")
    console.print(_indented(fitted_table(cols, cells, width)))

    bar = 24 if width >= 100 else 12
    cols = [
        Col("MODEL", "left", 9, flex=True, min_width=14, want=28),
        Col("", "left", 2),
        Col("REQUESTS", priority=5),
        Col("TOKENS", priority=7, short=compact_number),
        Col("SHARE", priority=6),
        Col("COST", priority=8),
    ]
    cells = []
    for r in d["tokensByModel"]:
        filled = int(round(bar * r["share"] / 100.0))
        cells.append(
            [
                Text(r["model"]),
                Text("█" * filled + "░" * (bar - filled), style="#8b5cf6"),
                str(r["requests"]),
                f"{r['total']:,}",
                f"{r['share']:.0f}%",
                fmt_usd(r["cost"]),
            ]
        )
    _heading(console, "BY MODEL")
    console.print(_indented(fitted_table(cols, cells, width)))
