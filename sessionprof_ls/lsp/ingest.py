"""The `sessionprof/ingest` notification: events from an editor extension or an agent
connected over LSP. A bad batch is one line in the editor's log, never an exception."""

from __future__ import annotations

from typing import Any

from .. import protocol as P
from ..server import SessionProfServer
from .requests import as_object


def setup(server: SessionProfServer) -> None:
    @server.feature(P.INGEST)
    async def on_ingest(ls: SessionProfServer, params: Any) -> None:
        try:
            events = as_object(params).get("events")
        except TypeError as exc:
            ls.show_warning(f"sessionprof/ingest: {exc}")
            return
        if not isinstance(events, list):
            ls.show_warning('sessionprof/ingest: params must be {"events": [...]}')
            return
        result = await ls.ingest_async(events)
        if result["rejected"]:
            first = result["rejected"][0]
            ls.log_error(
                f"sessionprof/ingest: rejected {len(result['rejected'])} of {len(events)} events; "
                f"event {first['index']}: {first['error']}"
            )
