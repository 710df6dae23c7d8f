"""Shared pieces of the transcript importers: fast JSON, timestamps, excerpts and
incremental line reading with a JSON-serialisable cursor.

Kept free of heavy imports: the CLI imports this on its start-up path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..redact import redact_text

json_loads: Callable[[bytes | str], Any]
JSONDecodeError: type[Exception]
try:  # orjson is the fastest decoder here; msgspec is a declared dependency.
    import orjson

    json_loads, JSONDecodeError = orjson.loads, orjson.JSONDecodeError
except ImportError:  # pragma: no cover - exercised only without orjson
    import msgspec

    json_loads, JSONDecodeError = msgspec.json.decode, msgspec.DecodeError

EXCERPT = 200
MAX_ARG_CHARS = 500
# A tool whose wall time exceeds its own measured duration by more than this was
# waiting before it ran: a permission prompt (user_input time, not tool time).
PERMISSION_GAP_MS = 1500
_HEAD_BYTES = 64  # first bytes kept in a cursor to recognise a replaced file


@dataclass
class ImportResult:
    events: list[dict[str, Any]]
    errors: list[str]
    cursor: dict[str, Any] = field(default_factory=dict)
    more: bool = False  # stopped at max_bytes: import again from `cursor` for the rest


# One read of a transcript takes at most this much (whole lines): a long session's
# file is imported in pieces, so memory stays bounded whatever the file's size.
READ_CHUNK = 32 * 1024 * 1024


_ts_cache: dict[str, float] = {}


def as_obj(v: Any) -> dict[str, Any]:
    """`v` if it is a JSON object, else an empty one: a record's optional sub-object."""
    return v if isinstance(v, dict) else {}


def as_str(v: Any, default: str = "") -> str:
    """`v` if it is a string, else `default`."""
    return v if isinstance(v, str) else default


def opt_str(v: Any) -> str | None:
    """`v` if it is a string, else None."""
    return v if isinstance(v, str) else None


def block_text(content: Any) -> str:
    """A message's text: a string, or the `text` of each block of a list, one a line."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


def parse_ts(value: Any) -> float | None:
    """ISO-8601 (or epoch seconds/ms number) to epoch milliseconds."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) * (1000.0 if value < 1e11 else 1.0)
    if not isinstance(value, str):
        return None
    cached = _ts_cache.get(value)
    if cached is not None:
        return cached
    try:
        s = value[:-1] + "+00:00" if value.endswith("Z") else value
        ms = round(datetime.fromisoformat(s).timestamp() * 1000.0, 3)
    except ValueError:
        return None
    if len(_ts_cache) > 50_000:
        _ts_cache.clear()
    _ts_cache[value] = ms
    return ms


def excerpt(text: Any, limit: int = EXCERPT) -> str:
    if not isinstance(text, str):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else redact_text(text)[: limit - 1] + "…"  # redact before cutting


def excerpts(text: Any, *limits: int) -> list[str]:
    """`excerpt(text, n)` for each limit, the text redacted once (the redaction of a
    long prompt costs far more than cutting it)."""
    if not isinstance(text, str):
        return [""] * len(limits)
    text = " ".join(text.split())
    if all(len(text) <= n for n in limits):
        return [text] * len(limits)
    red = redact_text(text)
    return [text if len(text) <= n else red[: n - 1] + "…" for n in limits]


def short_args(args: Any) -> Any:
    """Tool arguments with long strings cut, so events and cursors stay small."""
    if isinstance(args, str):
        return args if len(args) <= MAX_ARG_CHARS else redact_text(args)[:MAX_ARG_CHARS] + "…"  # redact, then cut
    if isinstance(args, dict):
        return {k: short_args(v) for k, v in args.items()}
    if isinstance(args, list):
        return [short_args(v) for v in args[:50]]
    return args


def estimate_tokens(text: Any) -> int:
    """Rough token count of text added to the context (about 4 chars a token)."""
    if isinstance(text, list):
        return sum(estimate_tokens(b.get("text") if isinstance(b, dict) else b) for b in text)
    if not isinstance(text, str):
        return 0
    return (len(text) + 3) // 4


def read_new_lines(
    path: Path, cursor: dict[str, Any] | None, max_bytes: int | None = None
) -> tuple[Iterator[tuple[int, bytes]], dict[str, Any], bool, bool]:
    """Lines appended since `cursor` as (line number, bytes).

    Returns (lines, new position dict, reset, more). `reset` is True when the file
    was truncated or replaced (inode change or size < offset): it is read from 0 and
    the caller must drop its parser state. A last line without a newline is only
    consumed when it is already complete JSON; otherwise it waits for next time.
    With `max_bytes`, about that much is read (whole lines; a longer line whole)
    and `more` says that the file holds more after the new position.
    """
    st = os.stat(path)
    offset = int(cursor.get("offset", 0)) if cursor else 0
    line_no = int(cursor.get("line", 0)) if cursor else 0
    head = cursor.get("head") if cursor else None
    reset = False
    if cursor and (cursor.get("inode") not in (None, st.st_ino) or st.st_size < offset):
        offset, line_no, head, reset = 0, 0, None, True
    pos: dict[str, Any] = {"offset": offset, "line": line_no, "inode": st.st_ino, "head": head}
    with open(path, "rb") as f:
        if head and offset:
            # Inode numbers are reused: a replaced file is recognised by its first bytes.
            if f.read(len(head) // 2).hex() != head:
                offset, line_no, reset = 0, 0, True
                pos.update(offset=0, line=0, head=None)
        if st.st_size == offset:
            return iter(()), pos, reset, False
        f.seek(offset)
        # the file may grow meanwhile: we only take whole lines
        data = f.read(max_bytes) if max_bytes else f.read()
        cut = bool(max_bytes) and len(data) == max_bytes
        while cut and max_bytes and b"\n" not in data[-max_bytes:]:  # one line longer than a chunk: read it whole
            more_data = f.read(max_bytes)
            data += more_data
            cut = len(more_data) == max_bytes
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if tail.strip() and not cut:  # a cut chunk's tail is the start of the next line
        try:
            json_loads(tail)
            end = len(data)  # complete JSON without a final newline: take it
        except JSONDecodeError:
            pass  # half-written: leave it for the next read
    body = data[:end]
    pos["offset"] = offset + end
    if not pos["head"] or len(pos["head"]) < 2 * _HEAD_BYTES:
        first = (data if offset == 0 else b"")[: min(_HEAD_BYTES, pos["offset"])]
        if first:
            pos["head"] = first.hex()
    n_lines = body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)
    pos["line"] = line_no + n_lines

    def gen() -> Iterator[tuple[int, bytes]]:
        n = line_no
        for raw in body.split(b"\n") if body else ():
            n += 1
            if raw.strip():
                yield n, raw

    return gen(), pos, reset, cut


def sniff_lines(path: Path, max_lines: int = 5) -> Iterator[Any]:
    """The first few decodable JSON lines of a file (for format detection), decoded
    one at a time: a caller that knows the format after the first stops there."""
    found = 0
    try:
        with open(path, "rb") as f:
            for i, raw in enumerate(f):
                if i >= max_lines * 4 or found >= max_lines:
                    return
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    obj = json_loads(raw)
                except JSONDecodeError:
                    continue
                found += 1
                yield obj
    except OSError:
        return


class EventBuffer:
    """Events produced by one read, keyed by id: a later version of a span (same
    id, e.g. a response that gained a line) replaces the earlier one."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}

    def put(self, ev: dict[str, Any]) -> None:
        self.events[ev["id"]] = ev

    def values(self) -> list[dict[str, Any]]:
        return list(self.events.values())


def make_event(
    session_id: str,
    eid: str,
    parent: str | None,
    etype: str,
    name: str,
    start: float | None,
    end: float | None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "sessionId": session_id,
        "id": eid,
        "parentId": parent,
        "type": etype,
        "name": name,
        "startTime": start if start is not None else (end or 0.0),
    }
    if end is not None:
        ev["endTime"] = max(end, ev["startTime"])
    if metadata:
        ev["metadata"] = {k: v for k, v in metadata.items() if v is not None}
    return ev


def is_folder(path: str, workspace: str | None) -> bool:
    """A path a tool was given that names a folder, not a file: the workspace itself (a
    Read/view of the project folder), `.`, `..`, or one ending in a separator. A folder is
    never a row of the file table nor a file hint, whatever the tool listed of it."""
    bare = path.rstrip("/\\")
    if bare in ("", ".", "..") or bare != path:
        return True
    return workspace is not None and bare == workspace.rstrip("/\\")


def split_permission_wait(
    start: float | None, end: float | None, measured_ms: float | None
) -> tuple[float | None, float | None]:
    """Given a tool's wall span and its own measured duration, return the tool's
    real start and, if it waited noticeably before running, the wait's end."""
    if measured_ms is None or measured_ms < 0 or start is None or end is None:
        return start, None
    real_start = end - measured_ms
    if real_start - start > PERMISSION_GAP_MS:
        return real_start, real_start
    return start, None


def read_document(
    path: Path, cursor: dict[str, Any] | None, fmt: str
) -> tuple[Any, ImportResult | None, dict[str, Any]]:
    """A JSON document an agent rewrites whole: (document, None, new cursor), or
    (None, the result to return, cursor) when it did not change since `cursor` or
    cannot be read now (caught mid-rewrite: read again when it next changes)."""
    st = path.stat()
    cur = {"format": fmt, "sig": [st.st_size, st.st_mtime_ns, st.st_ino], "inode": st.st_ino, "offset": st.st_size}
    if cursor and cursor.get("sig") == cur["sig"]:
        return None, ImportResult([], [], cursor), cursor
    try:
        return json_loads(path.read_bytes()), None, cur
    except JSONDecodeError as exc:
        return None, ImportResult([], [f"{path}: invalid JSON ({exc})"], dict(cursor or {}, format=fmt)), cur
