"""A base64 flame graph answer as one binary HTTP body: its columns as raw bytes (issue 13).

Why: the browser page's first paint read the 5 MB base64 answer as text (UTF-8 decoding
as it arrived), parsed it as JSON and decoded each column from base64, all on its main
thread while its modules were being evaluated: ~20-30 ms of the 100k first paint. As
raw bytes the body is a quarter smaller and the page makes its typed arrays as views of
one ArrayBuffer, with no text to decode or parse but a small JSON head.

The page asks for it with `Accept: application/vnd.sessionprof.columns` on `/v1/rpc`
(index.html's boot, flameGraph base64 only); any other answer, or a server that does
not know it, is JSON as before. Layout (little-endian):
  u32   H, the byte length of the head (spaces pad 4 + H to a multiple of 8);
  H     UTF-8 JSON of the body {"result": graph}, each base64 column of graph.frames and
        graph.layout.order, and the "\\n"-joined id string, replaced by
        {"at": offset into the data, "bytes": length}, with "type": "u1" or "u2" for the
        name and depth columns when sent as uint8 or uint16 (their values fit);
  data  the parts, each at an offset that is a multiple of 8 (typed arrays need it), the ids
        last: the page (columns.js readColumns) builds and paints the graph before they are in.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import threading
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from .answer import _ENCODE_GZIP, GZIP_LEVEL, Answer, _accepts_gzip, _encoded, http_body_async

COLUMNS_TYPE = "application/vnd.sessionprof.columns"

# the bodies; their gzips are made under answer.py's gzip lock, as the JSON's are: a request
# needing a body does not wait for a gzip being made
_ENCODE_COLUMNS = threading.Lock()


def wants_columns(accept: str) -> bool:
    return COLUMNS_TYPE in accept


def columns_body(result: Any) -> bytes | None:
    """The binary body of a base64 flame graph answer (cached for an Answer), else None."""
    if not isinstance(result, dict) or result.get("encoding") != "base64" or not isinstance(result.get("frames"), dict):
        return None

    def make() -> bytes:
        parts: list[bytes] = []
        size = 0

        def put(raw: bytes) -> dict[str, Any]:
            nonlocal size
            pad = -size % 8
            if pad:
                parts.append(b"\0" * pad)
                size += pad
            ref = {"at": size, "bytes": len(raw)}
            parts.append(raw)
            size += len(raw)
            return ref

        frames = dict(result["frames"])
        for key, col in frames.items():
            if isinstance(col, str) and key != "id":  # base64 columns
                frames[key] = _column(base64.b64decode(col), key, put)
        graph = {**result, "frames": frames}
        layout = result.get("layout")
        if isinstance(layout, dict) and isinstance(layout.get("order"), str):
            graph["layout"] = {**layout, "order": put(base64.b64decode(layout["order"]))}
        if isinstance(frames.get("id"), str):  # the ids last, as text: the page paints before they are in
            frames["id"] = put(frames["id"].encode())
        head = orjson.dumps({"result": graph}, option=orjson.OPT_SERIALIZE_NUMPY)
        head += b" " * (-(4 + len(head)) % 8)
        return len(head).to_bytes(4, "little") + head + b"".join(parts)

    return _encoded(result, "columns", _ENCODE_COLUMNS, make) if isinstance(result, Answer) else make()


# int32 columns sent narrower when every value fits: a quarter or half of their bytes
NARROW = ("name", "depth")


def _column(raw: bytes, key: str, put: Callable[[bytes], dict[str, Any]]) -> dict[str, Any]:
    """A column's reference; name and depth as uint8/uint16 ("type") when their values fit."""
    if key in NARROW and raw:
        import numpy as np

        col = np.frombuffer(raw, dtype="<i4")
        lo, hi = int(col.min()), int(col.max())
        for dtype, tag in (("u1", "u1"), ("<u2", "u2")):
            if lo >= 0 and hi <= np.iinfo(dtype).max:
                return {**put(col.astype(dtype).tobytes()), "type": tag}
    return put(raw)


def columns_http_body(result: Any, accept_encoding: str = "") -> tuple[bytes, str | None] | None:
    """The binary body and its Content-Encoding: gzipped when the client accepts it and the
    gzip is made already (warm.py makes it: for an ssh tunnel; on loopback plain bytes are
    as fast), else plain. None when `result` is not a base64 flame graph."""
    body = columns_body(result)
    if body is None:
        return None
    if isinstance(result, Answer) and _accepts_gzip(accept_encoding):
        gz = result.encoded.get("columns.gz")
        if gz is not None:
            return gz, "gzip"
    return body, None


def make_columns_gzip(result: Any) -> None:
    """Make (once) the gzipped binary body of a cached answer (warm.py)."""
    body = columns_body(result)
    if body is not None and isinstance(result, Answer):
        _encoded(result, "columns.gz", _ENCODE_GZIP, lambda: gzip.compress(body, GZIP_LEVEL, mtime=0))


async def http_answer_async(result: Any, headers: Mapping[str, str]) -> tuple[bytes, str | None, str]:
    """A `/v1/rpc` answer's body, Content-Encoding and Content-Type: raw columns when the
    request asks for them and `result` is a base64 flame graph, else JSON (answer.py)."""
    accept_encoding = headers.get("Accept-Encoding", "")
    if wants_columns(headers.get("Accept", "")):
        cols = await asyncio.to_thread(columns_http_body, result, accept_encoding)
        if cols is not None:
            return cols[0], cols[1], COLUMNS_TYPE
    body, encoding = await http_body_async(result, accept_encoding)
    return body, encoding, "application/json"
