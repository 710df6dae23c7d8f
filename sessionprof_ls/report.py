"""The spec's performance overview and token analysis, drawn in the terminal with rich.

Every string from a session goes through rich.text.Text (never markup), so a
file named "[red]x" or agent text with brackets prints as it is.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .analysis import fmt_ms, fmt_usd

BAR_WIDTH = 48
COLORS = {"ai": "#8b5cf6", "tool": "#f59e0b", "net": "#06b6d4", "user": "#71717a", "other": "#3f3f46"}


def _bar(percent: float, color: str) -> Text:
    filled = int(round(BAR_WIDTH * percent / 100.0))
    return Text("█" * filled, style=color) + Text("░" * (BAR_WIDTH - filled), style="grey35")


def _stat(label: str, value: str, sub: str = "") -> Text:
    t = Text(label.upper() + "\n", style="grey62")
    t.append(value, style="bold")
    if sub:
        t.append(" " + sub, style="grey62")
    return t


def render(data: dict, console: Console, max_messages: int = 25) -> None:
    d = data
    total = d["totalDuration"]
    header = Text("PERFORMANCE", style="bold")
    title = d["title"] if len(d["title"]) <= 70 else d["title"][:69] + "…"
    header.append(f"   Session: {title} ({fmt_ms(total)})", style="")

    grid = Table.grid(expand=True, padding=(0, 2))
    for _ in range(4):
        grid.add_column()
    grid.add_row(
        _stat("Total time", fmt_ms(total)),
        _stat("AI thinking", fmt_ms(d["aiThinkingTime"]), f"({d['aiThinkingPercent']:.0f}%)"),
        _stat("Tool execution", fmt_ms(d["toolExecutionTime"]), f"({d['toolExecutionPercent']:.0f}%)"),
        _stat("Network", fmt_ms(d["networkTime"]), f"({d['networkPercent']:.0f}%)"),
    )
    grid.add_row(Text(""), Text(""), Text(""), Text(""))
    cost = fmt_usd(d["totalCost"]) + ("" if d.get("costComplete", True) else " +?")
    grid.add_row(
        _stat("Total tokens", f"{d['totalTokens']:,}"),
        _stat("Avg response", f"{d['avgResponseTokens']:,.0f} tk"),
        _stat("Messages", f"{d['messageCount']:,}", f"· {d['toolCallCount']:,} tool calls"),
        _stat("Cost", cost),
    )

    bars = Table.grid(padding=(0, 1))
    bars.add_column()
    bars.add_column()
    for key, label, pkey in (("ai", "AI", "aiThinkingPercent"), ("tool", "Tools", "toolExecutionPercent"),
                             ("net", "Network", "networkPercent"), ("user", "Waiting on user", "userWaitPercent"),
                             ("other", "Other", "otherPercent")):
        bars.add_row(_bar(d[pkey], COLORS[key]), Text(f"{label} ({d[pkey]:.0f}%)"))

    slow_lines = []
    for op in d["slowestOperations"]:
        ev = op["event"]
        line = Text(f"{op['rank']}. ", style="bold")
        line.append(ev["name"], style="bold")
        line.append(f"  {fmt_ms(ev['duration'])}", style="red")
        if op.get("detail"):
            line.append("   " + op["detail"][:90], style="grey62")
        if op.get("suggestion"):
            line.append("\n   💡 " + op["suggestion"], style="grey70")
        slow_lines.append(line)
    slow = Group(*slow_lines) if slow_lines else Text("No operations yet.", style="grey62")

    sugg = []
    for s in d["suggestions"]:
        t = Text("⚡ ", style="yellow")
        t.append(s["title"], style="bold")
        t.append(f"   {s['estimatedSaving']}", style="green")
        t.append("\n   " + s["description"], style="grey70")
        sugg.append(t)
    if not sugg:
        sugg.append(Text("No suggestions: nothing stood out in this session.", style="grey62"))

    console.print(Panel(Group(
        header,
        Panel(grid, title="SUMMARY", title_align="left", box=box.ROUNDED),
        Panel(bars, title="TIME BREAKDOWN", title_align="left", box=box.ROUNDED),
        Panel(slow, title="SLOWEST OPERATIONS", title_align="left", box=box.ROUNDED),
        Panel(Group(*sugg), title="OPTIMIZATION SUGGESTIONS", title_align="left", box=box.ROUNDED),
    ), box=box.SQUARE))
    render_tokens(d, console, max_messages)


def render_tokens(d: dict, console: Console, max_messages: int = 25) -> None:
    msgs = Table(box=box.SIMPLE_HEAD, expand=True)
    for col, just in (("MSG", "right"), ("ROLE", "left"), ("INPUT", "right"), ("CACHE R/W", "right"),
                      ("OUTPUT", "right"), ("TOTAL", "right"), ("COST", "right")):
        msgs.add_column(col, justify=just, no_wrap=True)
    msgs.add_column("CONTENT", overflow="ellipsis", no_wrap=True, ratio=1)
    rows = d["tokensByMessage"]
    for r in rows[:max_messages]:
        msgs.add_row(f"#{r['index']}", r["role"], f"{r['input']:,}", f"{r['cacheRead']:,}/{r['cacheWrite']:,}",
                     f"{r['output']:,}", f"{r['total']:,}",
                     fmt_usd(r["cost"]) if r["role"] == "assistant" and r["total"] else "",
                     Text('"' + r["excerpt"][:60] + '"'))
    if len(rows) > max_messages:
        msgs.add_row("…", "", "", "", "", "", "", Text(f"{len(rows) - max_messages} more"))
    msgs.add_row("TOTAL", "", f"{d['inputTokens']:,}", f"{d['cacheReadTokens']:,}/{d['cacheWriteTokens']:,}",
                 f"{d['outputTokens']:,}", f"{d['totalTokens']:,}", fmt_usd(d["totalCost"]), "", style="bold")

    files = Table(box=box.SIMPLE_HEAD, expand=True)
    files.add_column("FILE", overflow="ellipsis", no_wrap=True, ratio=1)
    for col in ("TOKENS", "% OF INPUT", "READS", "RE-SENT", "RE-SENT COST"):
        files.add_column(col, justify="right", no_wrap=True)
    for r in d["tokensByFile"][:20]:
        files.add_row(Text(r["filePath"]), f"{r.get('contextTokens', r['tokens']):,}", f"{r['shareOfInput']:.1f}%", str(r["timesRead"]),
                      f"{r['resentTokens']:,} ({r['resentCount']}×)", fmt_usd(r["resentCost"]))
    files.add_row(Text("(conversation history)", style="italic"), f"{d['historyTokens']:,}",
                  f"{d['historyShare']:.1f}%", "", "", "")

    models = Table(box=box.SIMPLE_HEAD, expand=True)
    models.add_column("MODEL", overflow="ellipsis", no_wrap=True, ratio=1)
    models.add_column("", no_wrap=True)
    for col in ("REQUESTS", "TOKENS", "SHARE", "COST"):
        models.add_column(col, justify="right", no_wrap=True)
    for r in d["tokensByModel"]:
        filled = int(round(24 * r["share"] / 100.0))
        models.add_row(Text(r["model"]), Text("█" * filled + "░" * (24 - filled), style="#8b5cf6"),
                       str(r["requests"]), f"{r['total']:,}", f"{r['share']:.0f}%", fmt_usd(r["cost"]))

    console.print(Panel(Group(
        Panel(msgs, title="BY MESSAGE", title_align="left", box=box.ROUNDED),
        Panel(files, title="BY FILE IN CONTEXT", title_align="left", box=box.ROUNDED),
        Panel(models, title="BY MODEL", title_align="left", box=box.ROUNDED),
    ), title="TOKEN ANALYSIS", title_align="left", box=box.SQUARE))
