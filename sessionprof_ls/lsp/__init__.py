"""The language server's LSP surface, one module per concern (esbonio's manner): each
has `setup(server)`, typed against `SessionProfServer` and using only its public
methods; `setup` here wires them all. `create_server` and `main` start the server.

- configuration.py: initialize / initialized, settings (push and pull), folders, shutdown
- requests.py: the custom `sessionprof/*` requests (shared with HTTP /v1/rpc)
- commands.py: the server's commands, one table and one argument check for LSP and HTTP
- hints.py: inlay hints, code lenses and the hover on them
- ingest.py: the `sessionprof/ingest` notification
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys

from .. import __version__
from ..config import merge
from ..server import SessionProfServer
from . import commands, configuration, hints, ingest, requests

FEATURES = (configuration, requests, commands, hints, ingest)


def setup(server: SessionProfServer) -> None:
    for feature in FEATURES:
        feature.setup(server)


def create_server(store: str | None = None) -> SessionProfServer:
    server = SessionProfServer(store)
    setup(server)
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sessionprof-ls", description="sessionprof language server (stdio)")
    parser.add_argument("--store", help="SQLite store (default: $SESSIONPROF_STORE or the user data directory)")
    parser.add_argument("--port", type=int, help="HTTP endpoint port (default: random)")
    parser.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default")
    parser.add_argument("--version", action="version", version=f"sessionprof-ls {__version__}")
    parser.add_argument("--log-level", default=os.environ.get("SESSIONPROF_LOG", "WARNING"))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    # worker threads (ingest, analysis) hand the GIL back to the event loop quickly
    sys.setswitchinterval(0.001)
    # a full garbage collection holds every thread; the columns hold few objects, so
    # collect the young generation less often and the old one rarely
    gc.set_threshold(700, 10, 1000)
    server = create_server(args.store)
    if args.port is not None:
        server.config, _ = merge(server.config, {"port": args.port})
    server.start_io()
