"""The server's wire: its protocol class (custom params kept as JSON, answers sent
fast) and stdio, with stdin read on the event loop itself and each body defused.

pygls reads each header line and each body in a thread pool: three thread hops per
message, each waiting for the GIL while ingest and analysis threads run. An asyncio
pipe reader has none (under 10k events/s of ingest, hint latency's tail fell
markedly). Falls back to pygls's reader when stdin is not a pipe, socket or terminal.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Protocol

from pygls.io_ import StdinAsyncReader, run_async
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

from .events import defuse_deep

log = logging.getLogger("sessionprof")


class SessionProfProtocol(LanguageServerProtocol):
    """Keeps our custom messages' params as plain JSON.

    pygls turns unknown params into namedtuples, renaming keys that are not
    Python identifiers; event metadata and tool arguments must arrive intact.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method")
        if isinstance(method, str) and method.startswith("sessionprof/") and "jsonrpc" in data:
            if "id" in data:
                return JsonRPCRequestMessage(
                    id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
                )
            return JsonRPCNotification(method=method, jsonrpc=data["jsonrpc"], params=data.get("params"))
        return super().structure_message(data)

    def _send_data(self, data: Any) -> None:
        """Answers as orjson bytes (fast_send.py, issue 13: the stock path took longer than
        building a 100k-event flame graph and overview); everything else as pygls sends it."""
        from .fast_send import send_fast

        if not send_fast(self, data):
            super()._send_data(data)


class _Reader(Protocol):
    def readline(self) -> Awaitable[bytes]: ...
    def readexactly(self, n: int) -> Awaitable[bytes]: ...


class DefusingReader:
    """The stdio reader, with each message body passed through events.defuse_deep
    (an event nested thousands deep must not lose its message)."""

    def __init__(self, reader: _Reader):
        self.reader = reader

    async def readline(self) -> bytes:
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        return defuse_deep(await self.reader.readexactly(n))


async def serve_stdio(
    protocol: JsonRPCProtocol,
    stdin: BinaryIO,
    thread_pool: ThreadPoolExecutor,
    stop_event: threading.Event,
    error_handler: Callable[[Exception, Any], Any],
) -> None:
    loop = asyncio.get_running_loop()
    reader: _Reader = asyncio.StreamReader(limit=1 << 26)
    stream = reader
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)  # type: ignore[arg-type]
    except ValueError:
        reader = StdinAsyncReader(stdin, thread_pool)
    try:
        await run_async(
            stop_event=stop_event,
            reader=DefusingReader(reader),
            protocol=protocol,
            logger=log,
            error_handler=error_handler,
        )
    except asyncio.IncompleteReadError:
        pass  # the client closed stdin mid-message: nothing more will come
