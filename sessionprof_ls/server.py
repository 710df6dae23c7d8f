"""`sessionprof-ls`: the language server class (pygls 2, stdio).

The path of an event: it arrives by `sessionprof/ingest` (lsp/ingest.py), HTTP
(http_api.py) or a followed transcript (following.py) -> `SessionProfServer.ingest*`
-> the engine validates it, adds it to the session tree and commits it to the store
-> `schedule_update` -> the update task (coalesced) recomputes the current session's
summary and the editor index -> `sessionprof/summary`, inlay hint / code lens refresh.

The LSP features live in `lsp/` (one module per concern, wired by `lsp.setup`); they
use this class only through its public methods. Which session is current is decided
by current_session.py alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__, current_session, endpoint_discovery, followed_sessions
from . import protocol as P
from .config import Config, merge
from .editor import EditorIndex
from .engine import Engine
from .following import Following
from .recent_hints import HintSource, RecentHints
from .stdio_io import SessionProfProtocol, serve_stdio

if TYPE_CHECKING:
    from .http_api import HttpEndpoint
    from .outbox import Forwarder

log = logging.getLogger("sessionprof")

SUMMARY_INTERVAL = 0.15  # seconds between summaries while events stream in (a few a second)
REFRESH_INTERVAL = 1.0  # seconds between editor index rebuilds (and hint / lens refreshes) while events stream in

RequestHandler = Callable[[dict[str, Any]], Awaitable[Any]]


class SessionProfServer(LanguageServer):
    def __init__(self, store: str | None = None, config: Config | None = None):
        super().__init__("sessionprof-ls", __version__, protocol_cls=SessionProfProtocol)
        self.config = config or Config()
        self.store_override = store
        self.engine: Engine | None = None
        self.http: HttpEndpoint | None = None
        self.sp_neovim = False  # the client is Neovim: hover links are worded for it (hover.py)
        self.otlp_forwarder: Forwarder | None = None  # outbox.py's live forwarding (issue 17)
        self.otlp_problem: str | None = None
        self.selected: str | None = None  # a session the user picked
        # sessions whose events arrived while this server ran (LSP/HTTP, a growing transcript) -> wall time
        self.arrived: dict[str, float] = {}
        self.index = EditorIndex()
        self.recent = RecentHints()
        self.following = Following(self.ingested, self.log_error)
        self._requests: dict[str, RequestHandler] = {}
        self._summary: dict[str, Any] | None = None
        self._dirty: set[str] = set()
        self._update_task: asyncio.Task[None] | None = None
        self._last_summary_at = 0.0
        self._last_refresh_at = 0.0
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._summary_sent_for: str | None = None
        self._index_wanted: str | None = None
        self._index_task: asyncio.Task[None] | None = None
        self._last_index_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._config_problems: set[str] = set()
        self._discovery_path: Path | None = None
        # one worker: batches are stored in the order they arrived (same-id updates stay ordered)
        self.ingest_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sessionprof-ingest")

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """stdio with stdin read by the event loop itself (stdio_io.py)."""
        from pygls.io_ import StdoutWriter

        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        coro = serve_stdio(
            self.protocol, stdin or sys.stdin.buffer, self.thread_pool, self._stop_event, self.report_server_error
        )
        try:
            asyncio.run(coro)
        except BrokenPipeError:
            log.error("the client closed the connection")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # pygls's LanguageServer.shutdown is unannotated

    # ------------------------------------------------------------ set-up

    def open_engine(self) -> Engine:
        if self.engine is None:
            from .store import Store

            # a store that cannot be opened: start in memory and say so (ready.degraded), never half alive
            store = Store.open_or_degrade(self.store_override or self.config.store or None)
            setattr(store, "on_problem", self._store_problem)  # noqa: B010 (store.py declares it `= None`, untyped)
            self.engine = Engine(store, self.config.slowThresholdMs, self.config.slowestCount)
        return self.engine

    def _store_problem(self, message: str) -> None:
        """Rows the store could not read: shown to the user (from any thread)."""
        loop = self._loop
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
        for p in problems:
            if p not in self._config_problems:
                self._config_problems.add(p)
                self.show_warning(p)
        if self.engine is not None:
            self.engine.configure(self.config.slowThresholdMs, self.config.slowestCount)
        if self.config.otlp or self.otlp_forwarder is not None:
            from .outbox import live_configure

            live_configure(self)

    def workspace_folders(self) -> list[str]:
        folders = []
        try:
            for f in self.workspace.folders.values():
                folders.append(to_fs_path(f.uri) or "")
            if not folders and self.workspace.root_path:
                folders.append(self.workspace.root_path)
        except RuntimeError:
            pass
        folders.extend(self.config.extraWorkspaces)
        return [os.path.normpath(f) for f in folders if f]

    def log_error(self, message: str) -> None:
        log.error(message)
        self._window_message(lsp.MessageType.Error, message, show=False)

    def log_info(self, message: str) -> None:
        self._window_message(lsp.MessageType.Info, message, show=False)

    def show_warning(self, message: str) -> None:
        log.warning(message)
        self._window_message(lsp.MessageType.Warning, message, show=True)

    def _window_message(self, kind: lsp.MessageType, message: str, show: bool) -> None:
        try:
            if show:
                self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))
            else:
                self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:
            pass  # no client yet (unit use) or the connection is gone

    # ------------------------------------------------------------ ingest

    async def ingest_async(self, events: list[Any]) -> dict[str, Any]:
        """Ingest in a worker thread: validating and storing a large batch must not
        hold up hint and lens requests (the engine's lock orders the batches)."""
        engine = self.open_engine()
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.ingest_worker, engine.ingest, events)
        return self.ingested(result, live=True)

    async def ingest_body(self, body: bytes, content_type: str) -> dict[str, Any]:
        engine = self.open_engine()
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.ingest_worker, engine.ingest_body, body, content_type)
        return self.ingested(result, live=True)

    def ingested(self, result: dict[str, Any], live: bool = False) -> dict[str, Any]:
        """After a batch is stored: the sessions it touched get an update. Those whose events
        arrive now (sent, or a transcript growing; not the first scan's backlog) are live
        candidates for current wherever they ran (current_session.py)."""
        sessions: list[str] = result["sessions"]
        if live:
            now = time.time()
            self.arrived.update(dict.fromkeys(sessions, now))
        if sessions:
            self.schedule_update(sessions)
            if self.config.otlp:  # live OTLP forwarding (issue 17): a background thread sends
                from .outbox import live_notify

                live_notify(self, sessions)
        return result

    # ------------------------------------------------------------ current session

    def current_session(self) -> str | None:
        """current_session.py's rule over the store's session rows."""
        engine = self.open_engine()
        folders = self.workspace_folders()
        followed = followed_sessions.of(engine.store, folders)
        return current_session.pick(
            engine.sessions(), folders, self.selected, self.arrived, time.time() * 1000.0, followed
        )

    def select(self, session_id: str) -> None:
        if self.open_engine().tree(session_id) is None:
            raise ValueError(f"unknown session: {session_id}")
        self.selected = session_id
        self.resend_summary()

    def resend_summary(self) -> None:
        """Send the current session's summary again even if it did not change (settings changed)."""
        self._summary_sent_for = None
        current = self.current_session()
        if current:
            self.schedule_update([current])

    def current_summary(self) -> dict[str, Any] | None:
        return self._summary

    def hint_source(self, doc_path: str) -> HintSource | None:
        """The hint of a document: the current session's, else a recent workspace session's."""
        return self.recent.lookup(self.index, doc_path, time.time() * 1000.0)

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
            # off the loop: it reads the store's session rows, which a batch being stored holds
            current = await asyncio.to_thread(self.current_session)
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
            engine = self.open_engine()
            folders = self.workspace_folders()
            try:
                index = await asyncio.to_thread(_build_index, engine, current, folders)
                recent_changed = await asyncio.to_thread(self.recent.update, engine, folders, current)
            except Exception as exc:
                self.log_error(f"editor index failed: {exc!r}")
                continue
            finally:
                self._last_index_at = time.monotonic()
            changed = index.session_id != self.index.session_id or index.files != self.index.files
            self.index = index
            if changed or recent_changed:
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

    def add_request(self, method: str, handler: RequestHandler) -> None:
        """A custom request (lsp/requests.py, lsp/commands.py register theirs here)."""
        self._requests[method] = handler

    async def rpc(self, method: str, params: dict[str, Any]) -> Any:
        """The custom requests, shared by LSP handlers and the HTTP /v1/rpc route."""
        handler = self._requests.get(method)
        if handler is None:
            raise ValueError(f"unknown method: {method}")
        return await handler(params)

    # ------------------------------------------------------------ start and stop

    @property
    def services_started(self) -> bool:
        return self.http is not None

    async def start_services(self) -> None:
        from .http_api import HttpEndpoint

        engine = self.open_engine()
        http = self.http = HttpEndpoint(self, self.config.maxBodyBytes)
        try:
            url = await http.start(self.config.port)
        except OSError as exc:
            self.show_warning(
                f"sessionprof: cannot listen on 127.0.0.1:{self.config.port} ({exc}); trying a random port"
            )
            url = await http.start(0)
        folder = engine.store.path.parent / "servers"
        self._discovery_path = endpoint_discovery.write(folder, url, http.token, self.workspace_folders())
        from . import pricing

        self._loop = asyncio.get_running_loop()
        self._loop.run_in_executor(None, pricing.warm)
        ready: dict[str, Any] = {"version": __version__, "endpoint": {"url": url, "token": http.token}}
        degraded = self.degraded()
        if degraded:
            ready["degraded"] = degraded
            self.show_warning(f"sessionprof: {degraded}")
        self.protocol.notify(P.READY, ready)
        self.restart_follower()
        current = self.current_session()  # a restarted server has the session in its store already
        if current:
            self.schedule_update([current])

    def restart_follower(self) -> None:
        progress = None
        if get_capability(self.client_capabilities, "window.work_done_progress", False):
            progress = self.work_done_progress
        self.following.restart(self.open_engine(), self.workspace_folders(), self.config, progress)

    def followed_text(self) -> str:
        """Which transcript folders are followed (or why none are), for the editor's log."""
        return self.following.describe(self.config, self.workspace_folders())

    async def stop_services(self) -> None:
        self.following.stop()
        if self.otlp_forwarder is not None:  # issue 17: what is unsent stays in the outbox
            self.otlp_forwarder.stop(timeout=0.5)
        if self.http:
            await self.http.stop()
        endpoint_discovery.remove(self._discovery_path)


def _build_index(engine: Engine, session_id: str, folders: list[str]) -> EditorIndex:
    return EditorIndex.build(engine.analysis(session_id), folders)
