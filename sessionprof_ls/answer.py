"""Cached request answers that keep their encoded bytes (issue 13: first paint).

The web UI's first paint asks for the same 5 MB flame graph on every load; the graph is
made once per analysis (flame.cached_flame_graph), but writing it as JSON (~25 ms) and
gzipping it for the browser (~80 ms at level 1 on a loaded machine) happened per request.
An Answer is a dict whose copies share one cache of those bytes; changing a copy's keys
detaches that copy, so stale bytes are never sent. Light: no pygls, numpy or aiohttp here.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

GZIP_MIN = 64 * 1024  # smaller answers are sent as they are: compressing costs more than it saves
GZIP_LEVEL = 1  # level 1: 5.1 MB -> 1.3 MB in ~80 ms; higher levels gain little on these columns


class Answer(dict[str, Any]):
    """A dict answer with its JSON (and gzipped HTTP body) cached, shared by its copies."""

    __slots__ = ("encoded",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.encoded: dict[str, bytes] = {}

    def copy(self) -> Answer:  # an Answer, sharing the bytes
        out = Answer(self)
        out.encoded = self.encoded
        return out

    def _changed(self) -> None:
        self.encoded = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._changed()
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self._changed()
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self._changed()
        super().clear()

    def __ior__(self, other: Any) -> Answer:  # type: ignore[override,misc]
        self._changed()
        super().__ior__(other)
        return self


_LOCKS = threading.Lock()
_IN_ORDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sessionprof-answers")


def in_order(fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """Run a heavy request (flame graph, overview) in one worker, in the order asked: the
    event loop stays free to serve the page's modules and flush answers while a cold 100k
    session loads, and the graph asked first is made first, not beside the overview
    (two builds in two threads share one GIL)."""
    return asyncio.get_running_loop().run_in_executor(_IN_ORDER, functools.partial(fn, *args))


def build_lock(owner: Any, key: Hashable) -> threading.Lock:
    """One lock per (owner, answer): a request arriving while warm.py's worker builds the
    same answer waits for it instead of building it again beside it (two builds of a 100k
    graph in two threads take twice as long: they share one GIL)."""
    with _LOCKS:
        locks: dict[Hashable, threading.Lock] = owner.__dict__.setdefault("_build_locks", {})
        lock = locks.get(key)
        if lock is None:
            lock = locks[key] = threading.Lock()
        return lock


# an Answer's bytes are made once, not by warm.py and a request side by side; apart, so a
# request needing the JSON does not wait for a gzip being made
_ENCODE_JSON = threading.Lock()
_ENCODE_GZIP = threading.Lock()


def _encoded(answer: Answer, key: str, lock: threading.Lock, make: Callable[[], bytes]) -> bytes:
    """answer.encoded[key], made by `make` once under `lock` (checked again inside it)."""
    cached = answer.encoded.get(key)
    if cached is None:
        with lock:
            cached = answer.encoded.get(key)
            if cached is None:
                cached = answer.encoded[key] = make()
    return cached


def result_json(result: Any) -> bytes:
    """The result as JSON bytes (numpy values included), from the cache for an Answer."""

    def make() -> bytes:
        return orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY)

    return _encoded(result, "json", _ENCODE_JSON, make) if isinstance(result, Answer) else make()


def http_body(result: Any, accept_encoding: str = "") -> tuple[bytes, str | None]:
    """The /v1/rpc body `{"result": ...}` and its Content-Encoding (gzip when the client
    accepts it and the body is large; cached for an Answer)."""
    body = b'{"result":' + result_json(result) + b"}"
    if len(body) < GZIP_MIN or not _accepts_gzip(accept_encoding):
        return body, None

    def make() -> bytes:
        return gzip.compress(body, GZIP_LEVEL, mtime=0)

    return (_encoded(result, "gzip", _ENCODE_GZIP, make) if isinstance(result, Answer) else make()), "gzip"


async def http_body_async(result: Any, accept_encoding: str = "") -> tuple[bytes, str | None]:
    """http_body without blocking the event loop (JSON and gzip of a 100k-event answer took it
    0.1-0.7 s while the page waited for its scripts and answers: py-spy, issue 13). A cached
    Answer goes gzipped once its gzip is made (warm.py makes the first paint's) and as plain
    JSON before: on loopback 5 MB plain costs ~10 ms more than 1.3 MB gzipped, making the gzip
    0.1-0.4 s; its gzip is then made in the background for the next request (and ssh tunnels)."""
    if isinstance(result, Answer):
        gz = "gzip" in result.encoded and _accepts_gzip(accept_encoding)
        if "json" in result.encoded:
            out = http_body(result, accept_encoding if gz else "")
        else:
            out = await asyncio.to_thread(http_body, result, accept_encoding if gz else "")
        if not gz and _accepts_gzip(accept_encoding) and len(out[0]) >= GZIP_MIN:
            asyncio.get_running_loop().run_in_executor(None, http_body, result, "gzip")
        return out
    body = b'{"result":' + result_json(result) + b"}"  # orjson: ms even at 4 MB; gzip is the slow part
    if len(body) < GZIP_MIN or not _accepts_gzip(accept_encoding):
        return body, None
    return await asyncio.to_thread(functools.partial(gzip.compress, body, GZIP_LEVEL, mtime=0)), "gzip"


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and _float(q[2:]) == 0.0)
    return False


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
