"""What `sessionprof report` shows with no argument, and the CLI's session tables.

The main job must show the user's own latest session: it first imports what is
new in the agents' folders (cursors make that cheap), and falls back to the
bundled sample only when the store has no session at all; the sample is read
into memory, labelled, and never written into the store.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .cli_store import SAMPLE, CliError, import_paths, is_readonly, memory_engine, open_engine

if TYPE_CHECKING:
    from rich.console import Console

    from .engine import Engine
    from .store import Store


def agents_folders(required: bool) -> list[Path]:
    """The agents' transcript folders that exist; CliError naming where we looked if
    `required` and there are none."""
    from .importers import default_transcript_folders

    paths = default_transcript_folders()
    if not paths and required:
        raise CliError(f"no transcripts folder found (looked in {', '.join(_looked())}); name one")
    return paths


def _looked() -> list[str]:
    from .importers import claude_config_dirs, codex_home

    return [str(d / "projects") for d in claude_config_dirs()] + [str(codex_home() / "sessions")]


def latest_or_sample(store: str | None) -> tuple[Engine, str, bool]:
    """(engine, session id, is the sample)."""
    engine = open_engine(store)
    folders = agents_folders(required=False)
    if folders and not is_readonly(engine):
        _, errors = import_paths(engine, folders, progress=True)
        if errors:
            print(
                f"warning: {len(errors)} problem(s) reading the agents' transcripts (`sessionprof import` lists them)",
                file=sys.stderr,
            )
    latest = engine.latest_session()
    if latest is not None:
        return engine, latest, False
    mem = memory_engine()
    sessions, _ = import_paths(mem, [SAMPLE])
    if not sessions:
        raise CliError(f"no session found (looked in {', '.join(_looked())}) and the bundled sample is missing")
    return mem, sessions[0], True


def sample_banner(console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(
        Text("SAMPLE", style="bold black on yellow"),
        Text(
            "No session of yours yet (looked in " + ", ".join(_looked()) + "). Below is a bundled real "
            "Claude Code session, not stored. Run an agent, then `sessionprof report` again.",
            style="yellow",
        ),
    )
    console.print(grid)


def formatting() -> ModuleType:
    """analysis/formatting.py without the analysis package (whose __init__ loads numpy):
    listing sessions needs only how to write a duration and a price."""
    import importlib.util

    name = "sessionprof_ls.analysis.formatting"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "analysis" / "formatting.py")
        assert spec is not None and spec.loader is not None  # a source file path always has both
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules[name] = mod  # the package, if it loads later, takes this one
    return mod


def fill_costs(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions whose cost was never computed (recorded by `watch` or the server before any
    summary) get it now, so the list never says "price unknown" for a priced model. The
    engine (and numpy, for the analysis) loads only then."""
    todo = [r for r in rows if r["totalCost"] is None and r["eventCount"]]
    if not todo:
        return rows
    from .engine import Engine

    engine = Engine(store)
    with engine.store.transaction():
        for r in todo:
            try:
                summary = engine.summary(r["sessionId"])
                r["totalCost"] = summary["totalCost"]
                # a source that records no usage: "not recorded", not 0 tokens / "not priced" (issue 18)
                missing = {k: v for k, v in summary["notRecorded"].items() if k in ("totalTokens", "totalCost")}
                if missing:
                    r["notRecorded"] = missing
            except KeyError:
                pass
    return rows


def unique_prefix_len(ids: list[str], least: int = 8) -> int:
    """The shortest length (at least `least`) at which every id's prefix is unique."""
    n = least
    longest = max((len(i) for i in ids), default=least)
    while n < longest and len({i[:n] for i in ids}) < len(set(ids)):
        n += 1
    return n


def _date(ms: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000.0)) if ms else ""


def sessions_table(rows: list[dict[str, Any]], console: Console) -> None:
    from .cli_layout import Col, compact_number, fitted_table

    fmt_ms, fmt_usd, summary_tokens = formatting().fmt_ms, formatting().fmt_usd, formatting().summary_tokens
    n = unique_prefix_len([r["sessionId"] for r in rows])
    cols = [
        Col("SESSION", "left", 10),
        Col("DATE", "left", 6, short=lambda s: s[5:], cheap=True),
        Col("DURATION", priority=4),
        Col("TITLE", "left", 7, flex=True, min_width=16, want=30),
        Col("SOURCE", "left", 2),
        Col("EVENTS", priority=1, short=compact_number),
        Col("TOKENS", priority=5, short=compact_number),
        Col("COST", priority=8),
    ]
    cells = []
    for r in rows:
        dur = r["endTime"] - r["startTime"] if r["startTime"] and r["endTime"] else None
        cells.append(
            [
                r["sessionId"][:n],
                _date(r["startTime"]),
                fmt_ms(dur) if dur is not None else "",
                r["title"],
                r["source"] or "",
                f"{r['eventCount']:,}",
                summary_tokens(r),
                "not recorded"
                if "totalCost" in r.get("notRecorded", {})
                else fmt_usd(r["totalCost"])
                if r["totalCost"] is not None
                else "not priced",
            ]
        )
    console.print(fitted_table(cols, cells, console.width))


IMPORT_TABLE_ROWS = 50


def _pct(p: float | None) -> str:
    return "n/r" if p is None else f"{p:.0f}%"  # n/r: the source does not record it (footnote below)


def import_table(summaries: list[dict[str, Any]], console: Console) -> None:
    from .analysis.formatting import fmt_ms, summary_cost, summary_tokens
    from .cli_layout import Col, compact_number, fitted_table

    n = unique_prefix_len([s["sessionId"] for s in summaries])
    cols = [
        Col("SESSION", "left", 10),
        Col("TITLE", "left", 3, flex=True, min_width=16, want=30),
        Col("SOURCE", "left", 2),
        Col("DURATION", priority=7),
        Col("AI", priority=6),
        Col("TOOLS", priority=6),
        Col("NET", priority=4),
        Col("USER", priority=4),
        Col("TOKENS", priority=8, short=compact_number),
        Col("COST", priority=9),
    ]
    cells = [
        [
            s["sessionId"][:n],
            s["title"],
            s["source"] or "",
            fmt_ms(s["totalDuration"]),
            _pct(s["aiThinkingPercent"]),
            _pct(s["toolExecutionPercent"]),
            _pct(s["networkPercent"]),
            _pct(s["userWaitPercent"]),
            summary_tokens(s),
            summary_cost(s),
        ]
        for s in summaries[:IMPORT_TABLE_ROWS]
    ]
    console.print(fitted_table(cols, cells, console.width))
    if any("n/r" in row for row in cells):
        console.print("n/r: not recorded by this agent's transcripts", style="grey62")
    if len(summaries) > IMPORT_TABLE_ROWS:
        console.print(f"... and {len(summaries) - IMPORT_TABLE_ROWS} older session(s): `sessionprof sessions`")
