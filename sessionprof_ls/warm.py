"""Make the web UI's first paint answers before it asks (issue 13).

After the current session's summary is sent and no new batch arrived for SETTLE seconds,
a worker thread builds its time-view flame graph (base64, as the web UI asks for it) with
its JSON and gzipped HTTP bytes (answer.py), and its overview without events; all are
cached per analysis (flame.cached_flame_graph, Engine.performance), so opening the panel
finds them ready. Debounced: while events stream in, nothing is built; a running session
is left alone (its analysis is rebuilt on every request anyway)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .answer import http_body, result_json
from .flame_columns import make_columns_gzip

SETTLE = 0.5  # seconds without a new summary before warming

log = logging.getLogger("sessionprof")
_tasks: dict[int, asyncio.Task[None]] = {}


def warm_first_paint(engine: Any, session_id: str) -> None:
    tree = engine.tree(session_id)
    if tree is None or tree.running_count():
        return
    graph = engine.flame_graph(session_id, "time", "time", "base64")
    result_json(graph)  # the editors' LSP answer
    http_body(graph, "gzip")  # the browser's
    make_columns_gzip(graph)  # the browser page's boot asks for raw columns (flame_columns.py)
    engine.performance(session_id, include_events=False, include_messages=False)


def schedule_warm(server: Any, engine: Any, session_id: str) -> None:
    """(Re)start the debounced warm-up for this server's current session."""
    old = _tasks.get(id(server))
    if old is not None and not old.done():
        old.cancel()
    try:
        _tasks[id(server)] = asyncio.get_running_loop().create_task(_warm(engine, session_id))
    except RuntimeError:  # no loop (unit use)
        pass


async def _warm(engine: Any, session_id: str) -> None:
    await asyncio.sleep(SETTLE)
    try:
        await asyncio.to_thread(warm_first_paint, engine, session_id)
    except Exception as exc:  # a request will show the error; warming never fails the server
        log.debug("warming %s failed: %r", session_id, exc)
