"""Answers to requests written with orjson instead of pygls's stock path.

pygls serialises a response by unstructuring it with cattrs and then json.dumps: for the
web UI's first paint of a 100k-event session (a 5 MB flame graph and a 5 MB performance
overview) that took 0.3 s and 1.3 s on a loaded machine, more than building the answers.
Plain dict/list results go through orjson (numpy values included); anything else (lsp
types, non-string keys) falls back to pygls. The bytes on the wire are the same JSON value.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import orjson
from pygls.protocol.json_rpc import JsonRPCResponseMessage

from .answer import result_json

log = logging.getLogger("sessionprof")


def encode_response(data: Any) -> bytes | None:
    """The message as JSON bytes, or None when pygls must serialise it. A cached answer
    (answer.Answer: the flame graph) is written once and its bytes reused."""
    if type(data) is not JsonRPCResponseMessage or not isinstance(data.result, (dict, list)):
        return None
    try:
        head = orjson.dumps({"id": data.id, "jsonrpc": data.jsonrpc})
        return head[:-1] + b',"result":' + result_json(data.result) + b"}"
    except (TypeError, orjson.JSONEncodeError):
        return None


def send_fast(protocol: Any, data: Any) -> bool:
    """Write a response as orjson bytes; False when it is not one (the caller sends it)."""
    if protocol.writer is None:
        return False
    body = encode_response(data)
    if body is None:
        return False
    if protocol._include_headers:
        header = (
            f"Content-Length: {len(body)}\r\nContent-Type: {protocol.CONTENT_TYPE}; charset={protocol.CHARSET}\r\n\r\n"
        ).encode("ascii")
        body = header + body
    try:
        res = protocol.writer.write(body)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)
    except BrokenPipeError:
        log.error("the client closed the connection")
        raise
    return True
