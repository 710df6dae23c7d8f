"""The custom requests (`sessionprof/sessions`, `performance`, `flameGraph`, `event`,
`openFile` and the suggestions'), registered once on the server (`add_request`) and
reached the same way over LSP and over HTTP `/v1/rpc` (`SessionProfServer.rpc`)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path

from .. import protocol as P
from ..answer import in_order
from ..apply import inside
from ..editor import editor_paths
from ..server import RequestHandler, SessionProfServer
from ..suggestions.rpc import REQUESTS as SUGGESTION_REQUESTS


def as_object(params: Any) -> dict[str, Any]:
    """Request params as a dict (pygls hands other clients' objects over as namedtuples)."""
    if params is None:
        return {}
    if isinstance(params, dict):
        return params
    if hasattr(params, "_asdict"):
        return dict(params._asdict())
    raise TypeError("params must be an object")


def setup(server: SessionProfServer) -> None:
    def bind(handler: Callable[[SessionProfServer, dict[str, Any]], Any]) -> RequestHandler:
        async def run(params: dict[str, Any]) -> Any:
            result = handler(server, params)
            return await result if inspect.isawaitable(result) else result

        return run

    handlers: dict[str, Callable[[SessionProfServer, dict[str, Any]], Any]] = {
        P.SESSIONS: lambda ls, params: sessions(ls),
        # issue 13: one worker, in order (answer.in_order): the loop serves the page meanwhile
        P.PERFORMANCE: lambda ls, params: in_order(performance, ls, params),
        P.FLAME_GRAPH: lambda ls, params: in_order(flame_graph, ls, params),
        P.EVENT: event,
        P.OPEN_FILE: open_file,
        **SUGGESTION_REQUESTS,  # issue 14: preview, applied, undone, effects
    }
    for method, handler in handlers.items():
        server.add_request(method, bind(handler))
        server.feature(method)(_lsp_handler(method))


def _lsp_handler(method: str) -> Callable[[SessionProfServer, Any], Awaitable[Any]]:
    async def handler(ls: SessionProfServer, params: Any) -> Any:
        try:
            return await ls.rpc(method, as_object(params))
        except (KeyError, ValueError, TypeError) as exc:
            raise JsonRpcInvalidParams(str(exc).strip("'\"")) from None

    return handler


def sessions(ls: SessionProfServer) -> list[dict[str, Any]]:
    current = ls.current_session()
    rows = ls.open_engine().sessions()
    for r in rows:
        r["current"] = r["sessionId"] == current
    return rows


def session_of(ls: SessionProfServer, params: dict[str, Any]) -> str:
    """The request's session (`sessionId`, else the current one), known to the engine."""
    sid = params.get("sessionId") or ls.current_session()
    if not sid:
        raise ValueError("no session yet: send events or open a workspace with agent transcripts")
    if not isinstance(sid, str) or ls.open_engine().tree(sid) is None:
        raise ValueError(f"unknown session: {sid}")
    return sid


def performance(ls: SessionProfServer, params: dict[str, Any]) -> dict[str, Any]:
    sid = session_of(ls, params)
    include = params.get("includeEvents", True)
    messages = params.get("includeMessages", True)  # issue 13: false -> tokensByMessage null
    return ls.open_engine().performance(sid, include_events=bool(include), include_messages=bool(messages))


def flame_graph(ls: SessionProfServer, params: dict[str, Any]) -> dict[str, Any]:
    sid = session_of(ls, params)
    view = params.get("view", "time")
    weight = params.get("weight", "time")
    if view not in P.FLAME_VIEWS:
        raise ValueError(f"view must be one of {', '.join(P.FLAME_VIEWS)}, got {view!r}")
    if weight not in P.FLAME_WEIGHTS:
        raise ValueError(f"weight must be one of {', '.join(P.FLAME_WEIGHTS)}, got {weight!r}")
    encoding = params.get("encoding", "json")
    if encoding not in ("json", "base64"):
        raise ValueError(f"encoding must be json or base64, got {encoding!r}")
    return ls.open_engine().flame_graph(sid, view, weight, encoding)


def event(ls: SessionProfServer, params: dict[str, Any]) -> dict[str, Any]:
    sid = session_of(ls, params)
    eid = params.get("eventId")
    if not isinstance(eid, str):
        raise ValueError("eventId (string) is required")
    ev = ls.open_engine().event(sid, eid)
    if ev is None:
        raise ValueError(f"unknown event {eid} in session {sid}")
    return ev


async def open_file(ls: SessionProfServer, params: dict[str, Any]) -> dict[str, Any]:
    """Open a session's file in the editor (from the web UI), inside the workspace only."""
    path = params.get("filePath")
    if not isinstance(path, str) or not path:
        raise ValueError("filePath (string) is required")
    tree = ls.open_engine().tree(ls.current_session() or "")
    folders = ls.workspace_folders()
    for candidate in editor_paths(path, tree.workspace if tree else None, folders):
        if any(inside(Path(f), Path(candidate)) for f in folders) and os.path.isfile(candidate):
            line = max(0, int(params.get("line") or 1) - 1)
            await ls.window_show_document_async(
                lsp.ShowDocumentParams(
                    uri=from_fs_path(candidate) or candidate,
                    take_focus=True,
                    selection=lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
                )
            )
            return {"opened": True, "path": candidate}
    return {"opened": False, "path": None, "message": f"{path} is not a file in the workspace"}
