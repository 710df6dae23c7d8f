"""`sessionprof export SESSION... --otlp [URL] [--header K=V] [--content]`: history to a collector.

Kept out of cli.py so the command's imports (the OpenTelemetry SDK) load only here.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from .cli_store import CliError, open_engine, resolve

if TYPE_CHECKING:
    from .engine import Engine


def export_otlp(args: argparse.Namespace) -> int:
    """cli.py's `export --otlp`; every failure is one CliError line."""
    from . import otlp_export as ox
    from .outbox import export_sessions

    logging.getLogger("opentelemetry").setLevel(logging.CRITICAL)  # its retry chatter; we say what failed

    try:
        headers = ox.parse_headers(args.header)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.format or (args.output and args.output != "-"):
        raise CliError("--otlp sends to a collector: leave out --format and -o")
    url = args.otlp or None
    if url is not None and not url.startswith(("http://", "https://")):
        raise CliError(f"--otlp {url!r}: expected an http:// or https:// URL of an OTLP/HTTP collector")
    target = ox.Target(url, headers)
    groups: dict[int, tuple[Engine, list[str]]] = {}
    for item in args.session:
        engine, sid = resolve(open_engine(args.store) if not groups else next(iter(groups.values()))[0], item)
        groups.setdefault(id(engine), (engine, []))[1].append(sid)
    total = {"spans": 0, "sessions": 0, "pending": 0}
    for engine, sids in groups.values():
        if getattr(engine.store, "readonly", False):
            raise CliError(f"the store {engine.store.path} is read-only: the outbox cannot be kept there")
        stats = export_sessions(engine, sids, target, content=args.content)
        total["spans"] += stats["spans"]
        total["sessions"] += stats["sessions"]
        total["pending"] += stats["pending"]
    if total["pending"]:
        print(
            f"sent {total['spans']:,} spans of {total['sessions']} session(s) to {target.url}; "
            f"{total['pending']} session(s) kept in the outbox: the collector did not accept them "
            "(sent again by the next `sessionprof export --otlp` to it, or by the server)",
            file=sys.stderr,
        )
        return 1
    print(f"sent {total['spans']:,} spans of {total['sessions']} session(s) to {target.url}")
    return 0
