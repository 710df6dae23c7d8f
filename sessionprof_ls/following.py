"""The server's transcript following: the first import of what the workspace's
transcripts hold (in a worker thread, with $/progress), then watching them.

Kept apart from server.py so the server class stays about events and updates; it
gets what it needs as arguments (engine, folders, settings, a callback), not the server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.progress import Progress

from . import followed_sessions
from .config import Config
from .engine import Engine
from .follow import TranscriptFollower

log = logging.getLogger("sessionprof")

# (the ingest result, live: read as the transcript grew, not from the first scan's backlog)
Ingested = Callable[[dict[str, Any], bool], Any]


class Following:
    """One follower task at a time; `restart` replaces it (settings or folders changed)."""

    def __init__(self, on_ingested: Ingested, log_error: Callable[[str], None]):
        self.on_ingested = on_ingested  # called on the event loop after each stored batch
        self.log_error = log_error
        self.follower: TranscriptFollower | None = None
        self.task: asyncio.Task[None] | None = None
        self.backlog = False  # the first scan runs: what it reads was there before the server

    def restart(self, engine: Engine, folders: list[str], config: Config, progress: Progress | None) -> None:
        self.stop()
        if not config.followTranscripts or not folders:
            return
        loop = asyncio.get_running_loop()

        def sink(events: list[dict[str, Any]], cursor: tuple[str, dict[str, Any]]) -> None:
            # may run in the first scan's worker thread: the loop hears of it safely
            res = engine.ingest(events, cursor)
            if res["sessions"] and self._scoped(cursor[0]):  # the workspace's, even after a restart
                followed_sessions.record(engine.store, folders, res["sessions"])
            loop.call_soon_threadsafe(self.on_ingested, res, not self.backlog)
            for r in res["rejected"][:5]:
                log.warning("transcript event %s rejected: %s", r["index"], r["error"])

        self.follower = TranscriptFollower(
            [Path(f) for f in folders],
            sink,
            engine.store,
            claude_config_dir=config.claude_dirs(),
            codex_home=config.codex_dir(),
            on_error=lambda m: log.warning("%s", m),
        )
        self.task = loop.create_task(self._follow(self.follower, progress))

    def _scoped(self, path: str) -> bool:
        """A transcript found by the workspace (not one of the agents whose every session
        is followed, wherever it ran: OpenCode/Kilo databases, Cline-family tasks)."""
        agents = self.follower.agents if self.follower is not None else None
        everywhere = [*agents.databases, *agents.cline] if agents is not None else []
        p = Path(path)
        return not any(root == p or root in p.parents for root in everywhere)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def describe(self, config: Config, folders: list[str]) -> str:
        """Which transcript folders are followed (or why none are), for the editor's log."""
        if not config.followTranscripts:
            return "transcript following is off (sessionprof.followTranscripts)"
        if self.follower is None or not folders:
            return "no workspace folder: no transcripts are followed"
        try:
            roots = self.follower.roots()
            there = [str(r) for r in roots if r.is_dir()]
        except Exception as exc:  # a folder that vanished: say so, keep serving
            roots, there = [], [f"(could not list: {exc})"]
        text = "following transcripts in: " + (
            ", ".join(there) if there else "(none of the agents' folders exists yet)"
        )
        if len(roots) > len(there):
            text += f"; {len(roots) - len(there)} other agent folder(s) not there yet"
        return text

    async def _follow(self, follower: TranscriptFollower, progress: Progress | None) -> None:
        try:
            self.backlog = True
            try:
                await _first_scan(follower, progress)
            finally:
                self.backlog = False
            await follower.run(scan_first=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log_error(f"transcript following stopped: {exc!r}")


async def _first_scan(follower: TranscriptFollower, progress: Progress | None) -> None:
    """Import what the transcripts hold already, in a worker thread, with $/progress."""
    loop = asyncio.get_running_loop()
    token: str | None = None
    if progress is not None:
        token = f"sessionprof-import-{os.getpid()}-{time.monotonic_ns()}"
        try:
            await asyncio.wait_for(progress.create_async(token), timeout=5)
            progress.begin(
                token,
                lsp.WorkDoneProgressBegin(title="sessionprof: importing transcripts", percentage=0, cancellable=False),
            )
        except Exception:
            token = None

    def report(done: int, total: int, path: Path) -> None:
        if token and progress is not None:
            loop.call_soon_threadsafe(
                progress.report,
                token,
                lsp.WorkDoneProgressReport(
                    message=f"{done + 1}/{total} {path.name}", percentage=int(100 * done / max(total, 1))
                ),
            )

    try:
        events = await asyncio.to_thread(follower.scan_once, report)
    finally:
        if token and progress is not None:
            progress.end(token, lsp.WorkDoneProgressEnd(message="transcripts imported"))
    log.info("first transcript scan: %s events", events)
