"""`sessionprof`: import, follow, report and export sessions from the terminal.

Imports are kept lean (PERFORMANCE.md: start-up counts in a whole-command
comparison): rich, the importers and the engine load only in the commands that
use them.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

SAMPLE = Path(__file__).parent / "samples" / "spotter-subagent.jsonl"


def _engine(args):
    from .engine import Engine

    return Engine(args.store)


def import_paths(engine, paths, progress: bool = False, out=sys.stderr) -> tuple[list[str], list[str]]:
    """Import transcript files or folders (only what is new since the last import).

    Returns (session ids touched, error messages). Events are stored with the
    file's new cursor, so an interrupted import resumes without loss or repeats.
    """
    from .importers import find_transcripts, import_new

    files = find_transcripts([Path(p) for p in paths])
    sessions: dict[str, None] = {}
    errors: list[str] = []
    bar = None
    if progress and len(files) > 3 and out.isatty():
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(file=out))  # stderr: stdout may be piped JSON
        bar.start()
        task = bar.add_task("importing", total=len(files))

    def sink(path, events, cursor):
        res = engine.ingest(events, cursor)
        sessions.update(dict.fromkeys(res["sessions"]))
        errors.extend(f"{path}: event {r['index']}: {r['error']}" for r in res["rejected"])

    try:
        for path in files:
            _, problems = import_new(path, engine.store, partial(sink, path))
            errors.extend(problems)
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
    return list(sessions), errors


def _resolve_session(engine, target: str | None) -> str | None:
    """A session id, a transcript file (imported on the way), or the latest session."""
    if target and Path(target).exists():
        sessions, errors = import_paths(engine, [target])
        for e in errors[:20]:
            print(f"warning: {e}", file=sys.stderr)
        if sessions:
            return sessions[0]
        return None
    if target:
        if engine.tree(target) is not None:
            return target
        matches = [s["sessionId"] for s in engine.sessions() if s["sessionId"].startswith(target)]
        return matches[0] if len(matches) == 1 else None
    latest = engine.latest_session()
    if latest is None and SAMPLE.exists():
        sessions, _ = import_paths(engine, [SAMPLE])
        return sessions[0] if sessions else None
    return latest


def cmd_report(args) -> int:
    engine = _engine(args)
    sid = _resolve_session(engine, args.target)
    if sid is None:
        print(f"error: no session {args.target!r} (see `sessionprof sessions`)", file=sys.stderr)
        return 1
    data = engine.performance(sid, include_events=args.json)
    if args.json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    from rich.console import Console

    from .report import render

    render(data, Console(width=args.width) if args.width else Console())
    return 0


IMPORT_TABLE_ROWS = 50


def cmd_import(args) -> int:
    """Import, then show what came in: each touched session's time split, tokens and
    cost (the timing analysis of every one), as a table or as JSON summaries."""
    paths = args.paths
    if not paths:
        from .importers import claude_config_dirs, codex_home, default_transcript_folders

        paths = default_transcript_folders()
        if not paths:
            looked = [str(d / "projects") for d in claude_config_dirs()] + [str(codex_home() / "sessions")]
            print(f"error: no transcripts folder found (looked in {', '.join(looked)}); name one", file=sys.stderr)
            return 1
    engine = _engine(args)
    sessions, errors = import_paths(engine, paths, progress=True)
    for e in errors:
        print(f"warning: {e}", file=sys.stderr)
    with engine.store.transaction():  # each summary records the session's cost: one commit for all
        summaries = [engine.summary(sid) for sid in sessions]
    summaries.sort(key=lambda s: s["startTime"] or 0, reverse=True)
    if args.json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps(summaries, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    if summaries:
        _import_table(summaries)
        print(f"imported {len(sessions)} session(s) into {engine.store.path}"
              + (f"; {len(errors)} problem(s) reported above" if errors else ""))
    else:
        print(f"nothing new to import (the store is {engine.store.path})")
    return 0


def _import_table(summaries: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .analysis import fmt_ms, fmt_usd

    console = Console()
    numbers = (("SOURCE", 11), ("DURATION", 8), ("AI", 4), ("TOOLS", 5), ("NET", 4), ("USER", 4), ("TOKENS", 9),
               ("COST", 7))
    fixed = 8 + sum(w for _, w in numbers) + 2 * len(numbers)  # the other columns and their padding
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("SESSION", no_wrap=True, min_width=8)
    show_title = console.width - fixed - 2 >= 10
    if show_title:  # the title takes what the numbers leave
        table.add_column("TITLE", no_wrap=True, overflow="ellipsis", max_width=min(60, console.width - fixed - 2))
    for name, width in numbers:
        table.add_column(name, no_wrap=True, min_width=width, justify="left" if name == "SOURCE" else "right")
    for s in summaries[:IMPORT_TABLE_ROWS]:
        title = [Text(s["title"][:80])] if show_title else []
        table.add_row(s["sessionId"][:8], *title, s["source"] or "", fmt_ms(s["totalDuration"]),
                      f"{s['aiThinkingPercent']:.0f}%", f"{s['toolExecutionPercent']:.0f}%",
                      f"{s['networkPercent']:.0f}%", f"{s['userWaitPercent']:.0f}%", f"{s['totalTokens']:,}",
                      fmt_usd(s["totalCost"]))
    console.print(table)
    if len(summaries) > IMPORT_TABLE_ROWS:
        console.print(f"... and {len(summaries) - IMPORT_TABLE_ROWS} older session(s): `sessionprof sessions`")


def cmd_sessions(args) -> int:
    engine = _engine(args)
    rows = engine.sessions()
    if args.json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .analysis import fmt_usd

    table = Table("SESSION", "TITLE", "SOURCE", "EVENTS", "TOKENS", "COST")
    for r in rows:
        table.add_row(r["sessionId"][:12], Text(r["title"][:60]), r["source"] or "", f"{r['eventCount']:,}",
                      f"{r['totalTokens']:,}", fmt_usd(r["totalCost"]))
    Console().print(table)
    return 0


class _OtlpError(Exception):
    """One line for the user from `export --otlp`."""


def _otlp_resolve(engine, target: str):
    sid = _resolve_session(engine, target)
    if sid is None:
        raise _OtlpError(f"no session {target!r}")
    return engine, sid


def cmd_export(args) -> int:
    if args.otlp is not None:  # to an OpenTelemetry collector (issue 17)
        from .otlp_cli import export_otlp

        try:
            return export_otlp(args, lambda store: _engine(args), _otlp_resolve, _OtlpError)
        except _OtlpError as exc:
            print(f"sessionprof: error: {exc}", file=sys.stderr)
            return 1
    if len(args.session) > 1 or args.format is None:
        print("sessionprof: error: --format and one session (several go to a collector with --otlp URL)",
              file=sys.stderr)
        return 1
    args.session = args.session[0]
    from .exports import default_filename, export

    engine = _engine(args)
    sid = _resolve_session(engine, args.session)
    if sid is None:
        print(f"error: no session {args.session!r}", file=sys.stderr)
        return 1
    data = export(engine.analysis(sid), args.format)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return 0
    out = Path(args.output or default_filename(sid, args.format))
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def cmd_watch(args) -> int:
    import asyncio

    from .follow import TranscriptFollower

    engine = _engine(args)
    workspaces = [Path(w).resolve() for w in (args.workspace or [os.getcwd()])]

    def sink(events, cursor):
        res = engine.ingest(events, cursor)
        for r in res["rejected"]:
            print(f"warning: event {r['index']}: {r['error']}", file=sys.stderr)
        if res["accepted"]:
            print(f"+{res['accepted']} events ({', '.join(s[:8] for s in res['sessions'])})", flush=True)

    follower = TranscriptFollower(workspaces, sink, engine.store,
                                  claude_config_dir=Path(args.claude_config_dir) if args.claude_config_dir else None,
                                  codex_home=Path(args.codex_home) if args.codex_home else None,
                                  on_error=lambda msg: print(f"warning: {msg}", file=sys.stderr))
    print(f"following transcripts of {', '.join(map(str, workspaces))} (Ctrl-C to stop)", flush=True)
    try:
        asyncio.run(follower.run())
    except KeyboardInterrupt:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=argparse.SUPPRESS,
                        help="SQLite store path (default: $SESSIONPROF_STORE or the user data directory)")
    parser = argparse.ArgumentParser(prog="sessionprof", parents=[common],
                                     description="Profile AI coding-agent sessions.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("report", parents=[common], help="print the performance overview of a session")
    p.add_argument("target", nargs="?", help="session id (or prefix) or a transcript file; default: latest")
    p.add_argument("--json", action="store_true", help="print PerformanceData as JSON")
    p.add_argument("--width", type=int, default=None, help="terminal width")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("import", parents=[common], help="import Claude Code / Codex transcripts or event files")
    p.add_argument("paths", nargs="*", help="files or folders (searched recursively; the format is detected); "
                   "default: Claude Code's projects and Codex's sessions folders")
    p.add_argument("--json", action="store_true", help="print the imported sessions' summaries as JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("sessions", parents=[common], help="list stored sessions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sessions)

    p = sub.add_parser("export", parents=[common], help="export a session for another profiler, "
                       "or sessions to an OpenTelemetry collector (--otlp)")
    p.add_argument("session", nargs="+")
    p.add_argument("--format", choices=["speedscope", "cpuprofile", "chrome-trace", "json"])
    p.add_argument("-o", "--output", help="output file ('-' for stdout)")
    p.add_argument("--otlp", metavar="URL", nargs="?", const="",
                   help="send as OTLP/HTTP traces to this collector (no URL: $OTEL_EXPORTER_OTLP_ENDPOINT)")
    p.add_argument("--header", action="append", metavar="K=V", help="an HTTP header for --otlp (repeatable)")
    p.add_argument("--content", action="store_true",
                   help="with --otlp: include prompt text and tool arguments (redacted)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("watch", parents=[common], help="follow a workspace's transcripts as they grow")
    p.add_argument("--workspace", action="append", help="workspace folder (default: the current folder)")
    p.add_argument("--claude-config-dir",
                   help="default: the folders $CLAUDE_CONFIG_DIR names, else ~/.config/claude and ~/.claude")
    p.add_argument("--codex-home", help="default: $CODEX_HOME or ~/.codex")
    p.set_defaults(func=cmd_watch)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not hasattr(args, "store"):
        args.store = None
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
