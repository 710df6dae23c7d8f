"""Decoding and validating wire events on the hot path.

pydantic (models.py) is the source of the public schema but validates only
~28k events/s; msgspec decodes straight into typed structs at >100k/s. Each event
is decoded on its own so one bad event is rejected with a message naming the
field while the rest of the batch is kept. tests/test_events.py checks that this
decoder and the pydantic model agree.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import msgspec
import orjson

from .protocol import EVENT_TYPES
from .redact import maybe_secret, redact, redact_text

NonNeg = Annotated[int, msgspec.Meta(ge=0)]
Line = Annotated[int, msgspec.Meta(ge=1)]
EventType = Literal[EVENT_TYPES]


class Tokens(msgspec.Struct):
    input: NonNeg = 0
    output: NonNeg = 0
    cacheRead: NonNeg = 0
    cacheWrite: NonNeg = 0
    cacheWrite1h: NonNeg = 0  # the part of cacheWrite written to the 1-hour cache (priced higher)


class Metadata(msgspec.Struct):
    """The keys the analysis reads; unknown keys stay in the stored JSON."""

    model: str | None = None
    provider: str | None = None
    tokens: Tokens | None = None
    costUsd: Annotated[float, msgspec.Meta(ge=0)] | None = None
    toolName: str | None = None
    args: msgspec.Raw = msgspec.Raw(b"null")  # only looked at for secrets; stored as sent (redacted)
    filePath: str | None = None
    fileSize: NonNeg | None = None
    fileTokens: NonNeg | None = None
    startLine: Line | None = None
    endLine: Line | None = None
    url: str | None = None
    status: Literal["ok", "error"] | None = None
    error: str | None = None
    text: str | None = None
    sessionTitle: str | None = None
    source: str | None = None
    workspace: str | None = None
    compaction: bool | None = None


class Event(msgspec.Struct):
    sessionId: Annotated[str, msgspec.Meta(min_length=1)]
    id: Annotated[str, msgspec.Meta(min_length=1)]
    type: EventType
    name: str
    startTime: float | str
    parentId: str | None = None
    endTime: float | str | None = None
    metadata: Metadata | None = None


class EventError(ValueError):
    """A rejected event; the message names the field."""


_decode_one = msgspec.json.Decoder(Event).decode
_decode_raw_list = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_raw_obj = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode


def parse_time(value: float | str, field: str) -> float:
    """Epoch milliseconds from a number or an ISO-8601 string."""
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise EventError(f"{field}: not a number of epoch ms or an ISO-8601 time: {value[:60]!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.timestamp() * 1000.0
    if not math.isfinite(value) or value < 0:
        raise EventError(f"{field}: must be a finite, non-negative number of epoch ms, got {value!r}")
    return float(value)


def _time(value: float | str, field: str) -> float:
    # the hot path: a plausible number of epoch ms passes with one comparison (NaN fails it)
    if value.__class__ is float and 0.0 <= value < 1e17:
        return value
    return parse_time(value, field)


def _finish(event: Event) -> Event:
    event.startTime = _time(event.startTime, "startTime")
    if event.endTime is not None:
        event.endTime = _time(event.endTime, "endTime")
        if event.endTime < event.startTime:
            raise EventError(
                f"endTime: {event.endTime:.0f} is before startTime {event.startTime:.0f}"
            )
    if event.parentId == event.id:
        raise EventError("parentId: an event cannot be its own parent")
    return event


def _message(exc: Exception) -> str:
    text = str(exc)
    # msgspec says "... - at `$.metadata.tokens.input`"; drop the "$." for readability
    return text.replace("`$.", "`").replace("`$`", "the event")


def decode_event(raw: bytes) -> tuple[Event, bytes]:
    """Decode one event from its JSON; returns the event and the JSON to store
    (bytes or the msgspec.Raw slice of a batch: both store as they are)."""
    try:
        event = _finish(_decode_one(raw))
    except msgspec.ValidationError as exc:
        raise EventError(_message(exc)) from None
    except msgspec.DecodeError as exc:
        raise EventError(f"malformed JSON: {exc}") from None
    m = event.metadata
    if m is not None and ((len(m.args) > 4 and maybe_secret(bytes(m.args))) or (m.url and maybe_secret(m.url.encode()))):
        raw = _redacted(raw)
        _redact_url(event)
    return event, raw


def decode_stored(raw: bytes) -> Event:
    """An event from the store: validated and redacted when it was written."""
    try:
        return _finish(_decode_one(raw))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise EventError(_message(exc)) from None


def convert_event(obj: Any) -> tuple[Event, bytes]:
    """Validate one event given as a Python object (LSP params, importers)."""
    if not isinstance(obj, dict):
        raise EventError(f"an event must be a JSON object, got {type(obj).__name__}")
    meta = obj.get("metadata")
    check = obj
    if isinstance(meta, dict) and "args" in meta:  # any JSON value; Event holds it only as raw JSON
        check = dict(obj, metadata={k: v for k, v in meta.items() if k != "args"})
    try:
        event = _finish(msgspec.convert(check, Event))
    except msgspec.ValidationError as exc:
        raise EventError(_message(exc)) from None
    if isinstance(meta, dict) and _may_hold_secret(meta):
        obj = dict(obj, metadata=_redact_meta(meta))
        _redact_url(event)
    try:
        raw = orjson.dumps(obj)
    except TypeError as exc:
        raise EventError(f"not JSON-serialisable: {exc}") from None
    return event, raw


def _redact_url(event: Event) -> None:
    """The decoded event's URL, which the tree keeps and shows, as the stored JSON has it."""
    if event.metadata is not None and event.metadata.url:
        event.metadata.url = redact_text(event.metadata.url)


def _may_hold_secret(meta: dict) -> bool:
    args, url = meta.get("args"), meta.get("url")
    if args is not None:
        try:
            if maybe_secret(orjson.dumps(args)):
                return True
        except TypeError:
            return True  # not plain JSON: let the redaction walk it
    return isinstance(url, str) and maybe_secret(url.encode())


def _redact_meta(meta: dict) -> dict:
    meta = dict(meta)
    if "args" in meta:
        meta["args"] = redact(meta["args"])
    if isinstance(meta.get("url"), str):
        meta["url"] = redact(meta["url"])
    return meta


def _redacted(raw: bytes) -> bytes:
    obj = orjson.loads(bytes(raw))
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        obj["metadata"] = _redact_meta(meta)
    return orjson.dumps(obj)


def split_body(body: bytes, content_type: str = "") -> list[msgspec.Raw | bytes]:
    """Split an HTTP body into raw events: a JSON array, {"events": [...]}, or NDJSON.

    Raises EventError when the body as a whole cannot be read; a bad NDJSON line is
    returned as-is so that it is rejected at its own index.
    """
    stripped = body.lstrip()
    if "ndjson" in content_type or "jsonl" in content_type or (
        stripped[:1] == b"{" and b"\n" in body.strip() and not stripped.startswith(b'{"events"')
    ):
        lines = [line for line in body.split(b"\n") if line.strip()]
        if "ndjson" in content_type or "jsonl" in content_type or len(lines) > 1:
            return lines
    try:
        if stripped[:1] == b"[":
            return _decode_raw_list(body)
        if stripped[:1] == b"{":
            obj = _decode_raw_obj(body)
            if "events" not in obj:
                raise EventError('body: expected a JSON array of events, {"events": [...]}, or NDJSON')
            return _decode_raw_list(obj["events"])
    except msgspec.ValidationError as exc:
        raise EventError(f"body: {_message(exc)}") from None
    except msgspec.DecodeError as exc:
        raise EventError(f"body: malformed JSON: {exc}") from None
    raise EventError('body: expected a JSON array of events, {"events": [...]}, or NDJSON')
