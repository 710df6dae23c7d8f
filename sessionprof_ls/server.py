"""`sessionprof-ls`: the language server (pygls 2, stdio).

The path of an event: it arrives by `sessionprof/ingest`, HTTP (http_api.py) or
a followed transcript (follow.py) -> `SessionProfServer.ingest` -> the engine
validates it, adds it to the session tree and commits it to the store ->
`schedule_update` -> the update task (coalesced) recomputes the summary and the
editor index -> `sessionprof/summary`, inlay hint / code lens refresh
(features.py answers hints and lenses from that index).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pygls.uris import to_fs_path

from . import __version__
from . import protocol as P
from .config import Config, merge
from .editor import EditorIndex
from .engine import Engine

log = logging.getLogger("sessionprof")

SUMMARY_INTERVAL = 0.15  # seconds between summaries while events stream in (a few a second)
REFRESH_INTERVAL = 1.0  # seconds between editor index rebuilds (and hint / lens refreshes) while events stream in


class SessionProfProtocol(LanguageServerProtocol):
    """Keeps our custom messages' params as plain JSON.

    pygls turns unknown params into namedtuples, renaming keys that are not
    Python identifiers; event metadata and tool arguments must arrive intact.
    """

    def structure_message(self, data: dict[str, Any]):
        method = data.get("method")
        if isinstance(method, str) and method.startswith("sessionprof/") and "jsonrpc" in data:
            if "id" in data:
                return JsonRPCRequestMessage(
                    id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
                )
            return JsonRPCNotification(method=method, jsonrpc=data["jsonrpc"], params=data.get("params"))
        return super().structure_message(data)

    def _send_data(self, data) -> None:
        """Answers as orjson bytes (fast_send.py, issue 13: the stock path took longer than
        building a 100k-event flame graph and overview); everything else as pygls sends it."""
        from .fast_send import send_fast

        if not send_fast(self, data):
            super()._send_data(data)


class _DefusingReader:
    """The stdio reader, with each message body passed through events.defuse_deep."""

    def __init__(self, reader):
        self.reader = reader

    async def readline(self) -> bytes:
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        from .events import defuse_deep

        return defuse_deep(await self.reader.readexactly(n))


class SessionProfServer(LanguageServer):
    def __init__(self, store: str | None = None, config: Config | None = None):
        super().__init__("sessionprof-ls", __version__, protocol_cls=SessionProfProtocol)
        self.config = config or Config()
        self.store_override = store
        self.engine: Engine | None = None
        self.http = None
        self.follower = None
        self.follow_task: asyncio.Task | None = None
        self.selected: str | None = None  # a session the user picked
        self.active: dict[str, float] = {}  # sessions this server has seen events for -> last time
        self.index = EditorIndex()
        self._summary: dict | None = None
        self._dirty: set[str] = set()
        self._update_task: asyncio.Task | None = None
        self._last_summary_at = 0.0
        self._last_refresh_at = 0.0
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._summary_sent_for: str | None = None
        self._index_wanted: str | None = None
        self._index_task: asyncio.Task | None = None
        self._last_index_at = 0.0
        # one worker: batches are stored in the order they arrived (same-id updates stay ordered)
        self.ingest_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sessionprof-ingest")

    # ------------------------------------------------------------ stdio

    def start_io(self, stdin=None, stdout=None) -> None:
        """stdio with stdin read by the event loop itself.

        pygls reads each header line and each body in a thread pool: three thread
        hops per message, each waiting for the GIL while ingest and analysis threads
        run. An asyncio pipe reader has none (under 10k events/s of ingest, hint
        latency's tail fell markedly). Falls back to pygls's reader when stdin is
        not a pipe, socket or terminal (a file)."""
        from pygls.io_ import StdoutWriter, run_async

        stdin = stdin or sys.stdin.buffer
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        async def serve() -> None:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=1 << 26)
            try:
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
            except ValueError:
                from pygls.io_ import StdinAsyncReader

                reader = StdinAsyncReader(stdin, self.thread_pool)
            reader = _DefusingReader(reader)  # an event nested thousands deep must not lose its message
            try:
                await run_async(
                    stop_event=self._stop_event,
                    reader=reader,
                    protocol=self.protocol,
                    logger=log,
                    error_handler=self.report_server_error,
                )
            except asyncio.IncompleteReadError:
                pass  # the client closed stdin mid-message: nothing more will come

        try:
            asyncio.run(serve())
        except BrokenPipeError:
            log.error("the client closed the connection")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    # ------------------------------------------------------------ set-up

    def open_engine(self) -> Engine:
        if self.engine is None:
            from .store import Store

            # a store that cannot be opened: start in memory and say so (ready.degraded), never half alive
            store = Store.open_or_degrade(self.store_override or self.config.store or None)
            store.on_problem = self._store_problem
            self.engine = Engine(store, self.config.slowThresholdMs, self.config.slowestCount)
        return self.engine

    def _store_problem(self, message: str) -> None:
        """Rows the store could not read: shown to the user (from any thread)."""
        loop = getattr(self, "_loop_ref", None)
        if loop is not None and loop.is_running() and threading.current_thread() is not threading.main_thread():
            loop.call_soon_threadsafe(self.show_warning, message)
        else:
            self.show_warning(message)

    def degraded(self) -> str | None:
        """Why the store in use is not the one configured (None: all is well)."""
        return self.engine.store.degraded if self.engine is not None else None

    def apply_settings(self, settings: Any) -> None:
        self.config, problems = merge(self.config, settings)
        # initializationOptions and workspace/configuration often repeat a bad key: report it once
        reported = self.__dict__.setdefault("_config_problems", set())
        for p in problems:
            if p not in reported:
                reported.add(p)
                self.show_warning(p)
        if self.engine is not None:
            self.engine.slow_threshold_ms = self.config.slowThresholdMs
            self.engine.slowest_count = self.config.slowestCount
            self.engine._analyses.clear()
        if self.config.otlp or getattr(self, "otlp_forwarder", None):
            from .outbox import live_configure

            live_configure(self)

    def workspace_folders(self) -> list[str]:
        folders = []
        try:
            for f in self.workspace.folders.values():
                folders.append(to_fs_path(f.uri))
            if not folders and self.workspace.root_path:
                folders.append(self.workspace.root_path)
        except RuntimeError:
            pass
        folders.extend(self.config.extraWorkspaces)
        return [os.path.normpath(f) for f in folders if f]

    def log_error(self, message: str) -> None:
        log.error(message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
        except Exception:
            pass

    def show_warning(self, message: str) -> None:
        log.warning(message)
        try:
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message))
        except Exception:
            pass

    # ------------------------------------------------------------ ingest

    async def ingest_async(self, events: list) -> dict:
        """Ingest in a worker thread: validating and storing a large batch must not
        hold up hint and lens requests (the engine's lock orders the batches)."""
        engine = self.open_engine()
        loop = asyncio.get_running_loop()
        return self.ingested(await loop.run_in_executor(self.ingest_worker, engine.ingest, events))

    async def ingest_body(self, body: bytes, content_type: str) -> dict:
        engine = self.open_engine()
        loop = asyncio.get_running_loop()
        return self.ingested(await loop.run_in_executor(self.ingest_worker, engine.ingest_body, body, content_type))

    def ingested(self, result: dict) -> dict:
        """After a batch is stored: the sessions it touched are active and get an update."""
        now = time.monotonic()
        for sid in result["sessions"]:
            self.active[sid] = now
        if result["sessions"]:
            self.schedule_update(result["sessions"])
            if self.config.otlp:  # live OTLP forwarding (issue 17): a background thread sends
                from .outbox import live_notify

                live_notify(self, result["sessions"])
        return result

    # ------------------------------------------------------------ current session

    def current_session(self) -> str | None:
        engine = self.open_engine()
        if self.selected and engine.tree(self.selected) is not None:
            return self.selected
        if self.active:
            return max(self.active, key=self.active.get)
        folders = self.workspace_folders()
        for row in engine.sessions():
            if row["workspace"] and any(os.path.normpath(row["workspace"]) == f for f in folders):
                return row["sessionId"]
        return None

    def select(self, session_id: str) -> None:
        if self.open_engine().tree(session_id) is None:
            raise ValueError(f"unknown session: {session_id}")
        self.selected = session_id
        self._summary_sent_for = None
        self.schedule_update([session_id])

    def current_summary(self) -> dict | None:
        return self._summary

    # ------------------------------------------------------------ live updates

    def schedule_update(self, sessions: list[str]) -> None:
        """Coalesce: at most one summary per SUMMARY_INTERVAL, the first one at once."""
        self._dirty.update(sessions)
        if self._update_task is None or self._update_task.done():
            try:
                self._update_task = asyncio.get_running_loop().create_task(self._update())
            except RuntimeError:  # no loop (unit use): nothing to notify
                pass

    async def _update(self) -> None:
        while self._dirty:
            wait = self._last_summary_at + SUMMARY_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            dirty, self._dirty = self._dirty, set()
            current = self.current_session()
            if current is None or (current not in dirty and self._summary_sent_for == current):
                continue
            try:
                await self.refresh_current(current)
            except Exception as exc:
                self.log_error(f"update failed: {exc!r}")
            self._last_summary_at = time.monotonic()

    async def refresh_current(self, current: str) -> None:
        """Send the current session's summary, then rebuild the editor index (throttled).

        The analysis (which copies the session's columns under the engine's lock, so it
        may wait for a batch being stored) and the work on the copies run in a worker
        thread: the loop keeps answering hint and lens requests meanwhile."""
        engine = self.open_engine()
        summary = await asyncio.to_thread(lambda: engine.analysis(current).summary())
        self._summary = summary
        self._summary_sent_for = current
        self.protocol.notify(P.SUMMARY, summary)
        if self.http:
            self.http.publish("summary", summary)
        from .warm import schedule_warm  # issue 13: the web UI's first paint ready before it asks

        schedule_warm(self, engine, current)
        self._index_wanted = current
        if self._index_task is None or self._index_task.done():
            self._index_task = asyncio.get_running_loop().create_task(self._rebuild_index())

    async def _rebuild_index(self) -> None:
        """Inlay hints and code lenses come from this index: rebuilt at most every
        REFRESH_INTERVAL while events stream in, then the client is asked to refresh."""
        while self._index_wanted:
            wait = self._last_index_at + REFRESH_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            current, self._index_wanted = self._index_wanted, None
            try:
                engine = self.open_engine()
                folders = self.workspace_folders()
                index = await asyncio.to_thread(lambda: EditorIndex.build(engine.analysis(current), folders))
            except Exception as exc:
                self.log_error(f"editor index failed: {exc!r}")
                continue
            finally:
                self._last_index_at = time.monotonic()
            changed = index.session_id != self.index.session_id or index.files != self.index.files
            self.index = index
            if changed:
                self.request_refresh()

    def request_refresh(self) -> None:
        """Ask the client to re-request hints and lenses (throttled)."""
        if self._refresh_handle is not None:
            return
        delay = max(0.0, self._last_refresh_at + REFRESH_INTERVAL - time.monotonic())
        loop = asyncio.get_running_loop()
        self._refresh_handle = loop.call_later(delay, self._send_refresh)

    def _send_refresh(self) -> None:
        self._refresh_handle = None
        self._last_refresh_at = time.monotonic()
        caps = self.client_capabilities
        if get_capability(caps, "workspace.inlay_hint.refresh_support", False):
            self.workspace_inlay_hint_refresh(None)
        if get_capability(caps, "workspace.code_lens.refresh_support", False):
            self.workspace_code_lens_refresh(None)

    # ------------------------------------------------------------ requests (LSP and HTTP)

    async def rpc(self, method: str, params: dict) -> Any:
        """The custom requests, shared by LSP handlers and the HTTP /v1/rpc route."""
        from . import features

        return await features.dispatch(self, method, params)

    # ------------------------------------------------------------ start and stop

    async def start_services(self) -> None:
        from .http_api import HttpEndpoint

        self.open_engine()
        self.http = HttpEndpoint(self, self.config.maxBodyBytes)
        try:
            url = await self.http.start(self.config.port)
        except OSError as exc:
            self.show_warning(
                f"sessionprof: cannot listen on 127.0.0.1:{self.config.port} ({exc}); trying a random port"
            )
            url = await self.http.start(0)
        self.write_discovery(url)
        from . import pricing

        asyncio.get_running_loop().run_in_executor(None, pricing.warm)
        self._loop_ref = asyncio.get_running_loop()
        ready = {"version": __version__, "endpoint": {"url": url, "token": self.http.token}}
        if self.degraded():
            ready["degraded"] = self.degraded()
            self.show_warning(f"sessionprof: {self.degraded()}")
        self.protocol.notify(P.READY, ready)
        self.restart_follower()
        current = self.current_session()
        if current:
            self.schedule_update([current])

    def write_discovery(self, url: str) -> None:
        """Where local agents find the endpoint: readable by this user only."""
        engine = self.open_engine()
        folder = engine.store.path.parent / "servers"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            _remove_stale_discovery(folder)
            path = folder / f"{os.getpid()}.json"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(
                    {"url": url, "token": self.http.token, "pid": os.getpid(), "workspaces": self.workspace_folders()},
                    f,
                )
            self.discovery_path = path
        except OSError as exc:
            log.warning("cannot write discovery file: %s", exc)

    def restart_follower(self) -> None:
        if self.follow_task is not None:
            self.follow_task.cancel()
            self.follow_task = None
        if not self.config.followTranscripts:
            return
        folders = self.workspace_folders()
        if not folders:
            return
        from .follow import TranscriptFollower

        loop = asyncio.get_running_loop()
        engine = self.open_engine()

        def sink(events: list[dict], cursor: tuple[str, dict]) -> None:
            # may run in the first scan's worker thread: the loop hears of it safely
            res = engine.ingest(events, cursor)
            loop.call_soon_threadsafe(self.ingested, res)
            for r in res["rejected"][:5]:
                log.warning("transcript event %s rejected: %s", r["index"], r["error"])

        self.follower = TranscriptFollower(
            [Path(f) for f in folders],
            sink,
            self.open_engine().store,
            claude_config_dir=self.config.claude_dirs(),
            codex_home=self.config.codex_dir(),
            on_error=lambda m: log.warning("%s", m),
        )
        self.follow_task = asyncio.get_running_loop().create_task(self._follow())

    async def _follow(self) -> None:
        try:
            await self._first_scan()
            await self.follower.run(scan_first=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log_error(f"transcript following stopped: {exc!r}")

    async def _first_scan(self) -> None:
        """Import what the transcripts hold already, in a worker thread, with $/progress."""
        loop = asyncio.get_running_loop()
        token = None
        if get_capability(self.client_capabilities, "window.work_done_progress", False):
            token = f"sessionprof-import-{os.getpid()}-{time.monotonic_ns()}"
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), timeout=5)
                self.work_done_progress.begin(
                    token,
                    lsp.WorkDoneProgressBegin(
                        title="sessionprof: importing transcripts", percentage=0, cancellable=False
                    ),
                )
            except Exception:
                token = None

        def progress(done: int, total: int, path: Path) -> None:
            if token:
                loop.call_soon_threadsafe(
                    self.work_done_progress.report,
                    token,
                    lsp.WorkDoneProgressReport(
                        message=f"{done + 1}/{total} {path.name}", percentage=int(100 * done / max(total, 1))
                    ),
                )

        try:
            events = await asyncio.to_thread(self.follower.scan_once, progress)
        finally:
            if token:
                self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message="transcripts imported"))
        log.info("first transcript scan: %s events", events)

    async def stop_services(self) -> None:
        if self.follow_task:
            self.follow_task.cancel()
        if getattr(self, "otlp_forwarder", None):  # issue 17: what is unsent stays in the outbox
            self.otlp_forwarder.stop(timeout=0.5)
        if self.http:
            await self.http.stop()
        path = getattr(self, "discovery_path", None)
        if path:
            try:
                path.unlink()
            except OSError:
                pass


def _remove_stale_discovery(folder: Path) -> None:
    """Discovery files of servers that were killed (no chance to remove their own)."""
    for f in folder.glob("*.json"):
        try:
            pid = int(f.stem)
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            try:
                f.unlink()
            except OSError:
                pass
        except OSError:
            continue  # alive, another user's: not ours to judge


def create_server(store: str | None = None) -> SessionProfServer:
    from . import features

    server = SessionProfServer(store)
    features.setup(server)
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
