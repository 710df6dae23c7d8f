"""`sessionprof`: import, follow, report and export sessions from the terminal.

Imports are kept lean (PERFORMANCE.md: start-up counts in a whole-command
comparison): rich, the importers, the engine and numpy load only in the commands
that use them. Every failure a user can cause ends in one line naming the problem
and a non-zero exit (cli_store.CliError), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_store import CliError, import_paths, open_engine, resolve

if TYPE_CHECKING:
    from rich.console import Console

    from .engine import Engine

__all__ = ["build_parser", "import_paths", "main"]


def _console(args: argparse.Namespace | None = None) -> Console:
    from rich.console import Console

    width = getattr(args, "width", None)
    return Console(width=width) if width else Console()


def _write_json(obj: object) -> None:
    import orjson

    sys.stdout.buffer.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n")


def cmd_report(args: argparse.Namespace) -> int:
    """No argument: what is new in the agents' folders, then the latest real session
    (the bundled sample, labelled, only when there is none). Else a session or a file."""
    from .cli_report import latest_or_sample

    if args.target:
        engine, sid = resolve(open_engine(args.store), args.target)
        sample = False
    else:
        engine, sid, sample = latest_or_sample(args.store)
    data = engine.performance(sid, include_events=args.json)
    if args.json:
        if sample:
            data["sample"] = True
        _write_json(data)
        return 0
    from .report import render

    console = _console(args)
    if sample:
        from .cli_report import sample_banner

        sample_banner(console)
    tree = engine.tree(sid)
    render(data, console, workspace=tree.workspace if tree is not None else None)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import, then show what came in: each touched session's time split, tokens and
    cost (the timing analysis of every one), as a table or as JSON summaries."""
    from .cli_report import agents_folders, import_table

    paths = args.paths or agents_folders(required=True)
    missing = [p for p in paths if not Path(p).expanduser().exists()]
    if missing:
        raise CliError(f"no such file or folder: {missing[0]}")
    engine = open_engine(args.store)
    if getattr(engine.store, "readonly", False):
        raise CliError(f"the store {engine.store.path} is read-only: nothing can be imported into it")
    sessions, errors = import_paths(engine, paths, progress=True)
    for e in errors:
        print(f"warning: {e}", file=sys.stderr)
    with engine.store.transaction():  # each summary records the session's cost: one commit for all
        summaries = [engine.summary(sid) for sid in sessions]
    summaries.sort(key=lambda s: s["startTime"] or 0, reverse=True)
    if args.json:
        _write_json(summaries)
        return 0
    if summaries:
        import_table(summaries, _console())
        print(
            f"imported {len(sessions)} session(s) into {engine.store.path}"
            + (f"; {len(errors)} problem(s) reported above" if errors else "")
        )
    else:
        print(f"nothing new to import (the store is {engine.store.path})")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    from .cli_report import fill_costs, sessions_table
    from .cli_store import open_store

    store = open_store(args.store)
    rows = fill_costs(store, store.sessions())
    if args.json:
        _write_json(rows)
        return 0
    if not rows:
        print(f"no sessions in {store.path} yet: `sessionprof import` reads the agents' folders")
        return 0
    sessions_table(rows, _console())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.otlp is not None:  # to an OpenTelemetry collector (issue 17)
        from .otlp_cli import export_otlp

        return export_otlp(args)
    if len(args.session) > 1:
        raise CliError("one session at a time for --format; several go to a collector with --otlp URL")
    if args.format is None:
        raise CliError("--format is required (or --otlp URL to send to an OpenTelemetry collector)")
    args.session = args.session[0]
    from .exports import export

    out = None
    if args.output and args.output != "-":
        out = Path(args.output).expanduser()
        if out.is_dir():
            raise CliError(f"-o {out} is a directory; give a file name")
        if not out.parent.is_dir():
            raise CliError(f"-o {out}: the folder {out.parent} does not exist")
    engine, sid = resolve(open_engine(args.store), args.session)
    data = export(engine.analysis(sid), args.format)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        from .safepath import write_private  # 0600, never through a symlink (issue 19)

        write_private(out, data)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from .follow import TranscriptFollower

    engine = open_engine(args.store)
    if getattr(engine.store, "readonly", False):
        raise CliError(f"the store {engine.store.path} is read-only: nothing can be recorded into it")
    workspaces = [Path(w).expanduser().resolve() for w in (args.workspace or [os.getcwd()])]
    for w in workspaces:
        if not w.is_dir():
            raise CliError(f"--workspace {w}: no such folder")
    pricer = _Pricer(engine)

    def sink(events: list[dict[str, Any]], cursor: tuple[str, dict[str, Any]] | None) -> None:
        res = engine.ingest(events, cursor)
        for r in res["rejected"]:
            print(f"warning: event {r['index']}: {r['error']}", file=sys.stderr)
        if res["accepted"]:
            print(f"+{res['accepted']} events ({', '.join(s[:8] for s in res['sessions'])})", flush=True)
        pricer.touch(res["sessions"])

    follower = TranscriptFollower(
        workspaces,
        sink,
        engine.store,
        claude_config_dir=Path(args.claude_config_dir) if args.claude_config_dir else None,
        codex_home=Path(args.codex_home) if args.codex_home else None,
        on_error=lambda msg: print(f"warning: {msg}", file=sys.stderr),
    )
    print(f"following transcripts of {', '.join(map(str, workspaces))} (Ctrl-C to stop)", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: stop as Ctrl-C does, costs saved
    try:
        asyncio.run(follower.run())
    except KeyboardInterrupt:
        pass
    finally:
        pricer.flush()
    return 0


class _Pricer:
    """Keeps the cost `sessions` lists current while `watch` runs: the sessions events
    arrived for are analysed in a thread a second later, never inside the sink (the
    follower must get back to watching the files at once)."""

    def __init__(self, engine: Engine):
        import threading

        self.engine = engine
        self.dirty: set[str] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        threading.Thread(target=self._run, daemon=True, name="pricer").start()

    def touch(self, sessions: Iterable[str]) -> None:
        with self.lock:
            self.dirty.update(sessions)
        self.wake.set()

    def _run(self) -> None:
        import time

        while True:
            self.wake.wait()
            time.sleep(1.0)
            self.wake.clear()
            self.flush()

    def flush(self) -> None:
        with self.lock:
            todo, self.dirty = self.dirty, set()
        for sid in todo:
            try:
                self.engine.summary(sid)
            except Exception as exc:  # a cost not saved now is computed by the next `sessions`
                print(f"warning: cost of {sid[:8]}: {exc}", file=sys.stderr)


def cmd_ui(args: argparse.Namespace) -> int:
    from .cli_ui import run_ui

    return run_ui(args)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        default=argparse.SUPPRESS,
        help="SQLite store path (default: $SESSIONPROF_STORE or the user data directory)",
    )
    parser = argparse.ArgumentParser(
        prog="sessionprof", parents=[common], description="Profile AI coding-agent sessions."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(
        name: str, func: Callable[[argparse.Namespace], int], text: str, *args: tuple[str, str, str | None]
    ) -> argparse.ArgumentParser:
        """A subcommand running `func`; `args`: (name, nargs, help) of its positional and --json arguments."""
        p = sub.add_parser(name, parents=[common], help=text)
        for arg, nargs, arg_help in args:
            if arg == "--json":
                p.add_argument(arg, action="store_true", help=arg_help)
            else:
                p.add_argument(arg, nargs=nargs, help=arg_help)
        p.set_defaults(func=func)
        return p

    p = command(
        "report",
        cmd_report,
        "print the performance overview of a session",
        (
            "target",
            "?",
            "session id (or unique prefix) or a transcript file; default: import "
            "what is new in the agents' folders and show the latest session",
        ),
        ("--json", "", "print PerformanceData as JSON"),
    )
    p.add_argument("--width", type=int, default=None, help="terminal width")
    command(
        "import",
        cmd_import,
        "import Claude Code / Codex transcripts or event files",
        (
            "paths",
            "*",
            "files or folders (searched recursively; the format is detected); "
            "default: Claude Code's projects and Codex's sessions folders",
        ),
        ("--json", "", "print the imported sessions' summaries as JSON"),
    )
    command("sessions", cmd_sessions, "list stored sessions", ("--json", "", None))

    p = command(
        "export",
        cmd_export,
        "export a session for another profiler (to stdout), or sessions to an OpenTelemetry collector (--otlp)",
    )
    p.add_argument("session", nargs="+", help="session id (or unique prefix) or a transcript file")
    p.add_argument("--format", choices=["speedscope", "cpuprofile", "chrome-trace", "json"])
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument(
        "--otlp",
        metavar="URL",
        nargs="?",
        const="",
        help="send as OTLP/HTTP traces to this collector (no URL: $OTEL_EXPORTER_OTLP_ENDPOINT)",
    )
    p.add_argument("--header", action="append", metavar="K=V", help="an HTTP header for --otlp (repeatable)")
    p.add_argument(
        "--content", action="store_true", help="with --otlp: include prompt text and tool arguments (redacted)"
    )

    p = command("watch", cmd_watch, "follow a workspace's transcripts as they grow")
    p.add_argument("--workspace", action="append", help="workspace folder (default: the current folder)")
    p.add_argument(
        "--claude-config-dir", help="default: the folders $CLAUDE_CONFIG_DIR names, else ~/.config/claude and ~/.claude"
    )
    p.add_argument("--codex-home", help="default: $CODEX_HOME or ~/.codex")

    p = command("ui", cmd_ui, "serve the web UI (flame graph) and open it in a browser")
    p.add_argument("session", nargs="?", help="session id (or unique prefix) or a transcript file; default: latest")
    p.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL (e.g. over SSH)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not hasattr(args, "store"):
        args.store = None
    try:
        status: int = args.func(args)
        return status
    except CliError as exc:
        print(f"sessionprof: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader left (`| head`): quiet, and no second error while flushing at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"sessionprof: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # sqlite3 and others: one line with the store, never a traceback
        import sqlite3

        if isinstance(exc, sqlite3.Error):
            print(f"sessionprof: error: the store {args.store or '(default)'}: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
