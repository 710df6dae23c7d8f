"""Decoding and validating wire events on the hot path.

pydantic (models.py) is the source of the public schema but validates only
~28k events/s; msgspec decodes straight into typed structs at >100k/s. Each event
is decoded on its own so one bad event is rejected with a message naming the
field while the rest of the batch is kept. The pydantic model of the metadata is
made from event_shape.METADATA; tests/test_event_shape.py checks this decoder against it.

Limits (issue 19): numbers must fit the tree's columns and be plausible (lines in
int32, token counts up to 2^40, times between 1970 and 2100), strings have a
size cap, and JSON nests at most MAX_DEPTH levels; an event past one is
rejected by index, naming the field, and never costs its batch. Every string
and key of an accepted event is redacted (redact.py) before it is stored or
reaches the tree, whichever way it came in.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import msgspec
import orjson

from .event_shape import ID_CHARS, MAX_COUNT, MAX_LINE, MAX_TOKENS, NAME_CHARS, PATH_CHARS, TEXT_CHARS
from .protocol import EVENT_TYPES
from .redact import redact_json

MAX_TIME_MS = 4_102_444_800_000.0  # 2100-01-01T00:00:00Z; 0 is 1970
MAX_DEPTH = 64  # JSON nesting of one event (the event object is level 1)

# limits and keys: event_shape.py (tests/test_event_shape.py checks Metadata against it)
NonNeg = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
Line = Annotated[int, msgspec.Meta(ge=1, le=MAX_LINE)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=ID_CHARS)]
Name = Annotated[str, msgspec.Meta(max_length=NAME_CHARS)]
PathText = Annotated[str, msgspec.Meta(max_length=PATH_CHARS)]
LongText = Annotated[str, msgspec.Meta(max_length=TEXT_CHARS)]
Time = Annotated[float, msgspec.Meta(ge=0, le=MAX_TIME_MS)] | Annotated[str, msgspec.Meta(max_length=64)]
if TYPE_CHECKING:
    EventType = str  # a Literal of the tuple is checked at run time (msgspec)
else:
    EventType = Literal[EVENT_TYPES]


class Tokens(msgspec.Struct):
    input: NonNeg = 0
    output: NonNeg = 0
    cacheRead: NonNeg = 0
    cacheWrite: NonNeg = 0
    cacheWrite1h: NonNeg = 0  # the part of cacheWrite written to the 1-hour cache (priced higher)


class Metadata(msgspec.Struct):
    """The keys the analysis reads (event_shape.METADATA, in its order); unknown keys stay
    in the stored JSON. Written out, not made from the table, so that mypy types the
    attributes the tree reads by name; tests/test_event_shape.py checks it against the table."""

    model: Name | None = None
    provider: Name | None = None
    tokens: Tokens | None = None
    costUsd: Annotated[float, msgspec.Meta(ge=0, le=1e9)] | None = None
    toolName: Name | None = None
    args: msgspec.Raw = msgspec.Raw(b"null")  # only looked at for secrets; stored as sent (redacted)
    filePath: PathText | None = None
    fileSize: Count | None = None
    fileTokens: Count | None = None
    startLine: Line | None = None
    endLine: Line | None = None
    url: PathText | None = None
    status: Literal["ok", "error"] | None = None
    error: LongText | None = None
    text: LongText | None = None
    sessionTitle: LongText | None = None
    source: Name | None = None
    workspace: PathText | None = None
    compaction: bool | None = None
    ttftMs: Any = None  # issue 12: OTLP ttft_ms (ms) for hints; any value accepted, tree.ttft keeps numbers
    timing: Name | None = None  # "inferred": a side of the span was not recorded (tree.F_INFERRED)


class Event(msgspec.Struct):
    sessionId: Id
    id: Id
    type: EventType
    name: Name
    startTime: Time
    parentId: Id | None = None
    endTime: Time | None = None
    metadata: Metadata | None = None


class EventError(ValueError):
    """A rejected event; the message names the field."""


_decode_one = msgspec.json.Decoder(Event).decode
_decode_raw_list = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_raw_obj = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode


def parse_time(value: float | str, field: str) -> float:
    """Epoch milliseconds from a number or an ISO-8601 string, between 1970 and 2100."""
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise EventError(f"{field}: not a number of epoch ms or an ISO-8601 time: {value[:60]!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        ms = dt.timestamp() * 1000.0
        if not 0.0 <= ms <= MAX_TIME_MS:
            raise EventError(f"{field}: {value[:40]!r} is outside 1970-2100")
        return ms
    if not math.isfinite(value) or not 0.0 <= value <= MAX_TIME_MS:
        raise EventError(f"{field}: must be epoch ms between 1970 and 2100 (0 to {MAX_TIME_MS:.0f}), got {value!r}")
    return float(value)


def _finish(event: Event) -> Event:
    # the hot path: msgspec has checked a number's range already; only strings are parsed
    start = event.startTime
    if start.__class__ is not float:
        event.startTime = start = parse_time(start, "startTime")
    end = event.endTime
    if end is not None:
        if end.__class__ is not float:
            event.endTime = end = parse_time(end, "endTime")
        if end < start:
            raise EventError(f"endTime: {end:.0f} is before startTime {start:.0f}")
    if event.parentId == event.id:
        raise EventError("parentId: an event cannot be its own parent")
    return event


def times(event: Event) -> tuple[float, float | None]:
    """A decoded event's start and end in epoch ms (_finish has parsed ISO strings)."""
    return cast(float, event.startTime), cast(float | None, event.endTime)


def _message(exc: Exception) -> str:
    text = str(exc)
    # msgspec says "... - at `$.metadata.tokens.input`"; drop the "$." for readability
    return text.replace("`$.", "`").replace("`$`", "the event")


_STRUCTURE = re.compile(rb'[\[\]{}]|"(?:[^"\\]|\\.)*"\s*:?')  # brackets outside strings; strings (keys end in :)


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> str | None:
    """Where this JSON nests more than `limit` levels (the keys leading there, like
    "metadata.args"), else None. A count of brackets first: most events have a handful."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return None
    depth = 0
    keys: list[str] = []
    for m in _STRUCTURE.finditer(raw):
        c = raw[m.start()]
        if c == 0x5B or c == 0x7B:
            depth += 1
            if depth > limit:
                return ".".join(keys[:3]) or "the event"
        elif c == 0x5D or c == 0x7D:
            depth -= 1
        elif depth <= 3 and m.group().endswith(b":"):  # a key of one of the first levels
            del keys[depth - 1 :]
            keys.append(m.group().rstrip(b": \t\r\n")[1:-1].decode("utf-8", "replace")[:40])
    return None


def _decode(raw: bytes) -> Event:
    try:
        return _finish(_decode_one(raw))
    except msgspec.ValidationError as exc:
        raise EventError(_message(exc)) from None
    except msgspec.DecodeError as exc:
        if "depth" in str(exc) or "nest" in str(exc).lower():
            raise EventError(f"the event: JSON nested deeper than {MAX_DEPTH} levels") from None
        raise EventError(f"malformed JSON: {exc}") from None


def decode_event(raw: bytes | bytearray | memoryview) -> tuple[Event, bytes]:
    """Decode one event from its JSON; returns the event and the JSON to store
    (bytes or the msgspec.Raw slice of a batch: both store as they are). When the JSON
    may hold a secret, every string and key is redacted and the event decoded again
    from the redacted JSON, so the store and the tree hold the same redacted text."""
    data = bytes(raw) if raw.__class__ is not bytes else raw
    where = too_deep(data)
    if where is not None:  # before decoding: msgspec would hit the recursion limit
        raise EventError(f"{where}: JSON nested deeper than {MAX_DEPTH} levels")
    stored = raw if isinstance(raw, bytes) else data  # a msgspec.Raw slice is bytes: no copy
    event = _decode(stored)
    redacted = redact_json(data)  # the one pre-check, then every string and key
    if redacted is not None:
        stored = redacted
        event = _decode(stored)
    return event, stored


def decode_stored(raw: bytes) -> Event:
    """An event from the store: validated and redacted when it was written."""
    return _decode(raw)


_decode_lines = msgspec.json.Decoder(Event).decode_lines


def decode_stored_lines(data: bytes) -> tuple[list[Event], int]:
    """A stored batch's events (NDJSON) in one msgspec call (a cold load), and how many
    lines could not be read (then each line is decoded alone, the bad ones skipped)."""
    try:
        events = _decode_lines(data)
        for ev in events:
            if ev.startTime.__class__ is not float or ev.endTime.__class__ is str:
                _finish(ev)  # ISO times are stored as sent
        return events, 0
    except (msgspec.ValidationError, msgspec.DecodeError, EventError):
        pass
    events, bad = [], 0
    for raw in data.split(b"\n"):
        try:
            events.append(_decode(raw))
        except EventError:
            bad += 1
    return events, bad


def convert_event(obj: Any) -> tuple[Event, bytes]:
    """Validate one event given as a Python object (LSP params, importers): as its JSON,
    so it takes exactly the checks and the redaction of an event sent over HTTP."""
    if not isinstance(obj, dict):
        raise EventError(f"an event must be a JSON object, got {type(obj).__name__}")
    if DEEP_MARK in obj:
        raise EventError(str(obj[DEEP_MARK]))
    try:
        raw = orjson.dumps(obj)
    except TypeError as exc:
        if "ecursion" in str(exc):
            raise EventError(f"metadata: JSON nested deeper than {MAX_DEPTH} levels") from None
        raise EventError(f"not JSON-serialisable: {exc}") from None
    return decode_event(raw)


def split_body(body: bytes, content_type: str = "") -> list[msgspec.Raw | bytes]:
    """Split an HTTP body into raw events: a JSON array, {"events": [...]}, or NDJSON.

    Raises EventError when the body as a whole cannot be read; a bad NDJSON line is
    returned as-is so that it is rejected at its own index.
    """
    stripped = body.lstrip()
    if (
        "ndjson" in content_type
        or "jsonl" in content_type
        or (stripped[:1] == b"{" and b"\n" in body.strip() and not stripped.startswith(b'{"events"'))
    ):
        lines = [line for line in body.split(b"\n") if line.strip()]
        if "ndjson" in content_type or "jsonl" in content_type or len(lines) > 1:
            return lines
    try:
        if stripped[:1] == b"[":
            return _raw_items(body)
        if stripped[:1] == b"{":
            obj = _decode_raw_obj(body) if not too_deep(body, 2) else {"events": msgspec.Raw(_events_member(body))}
            if "events" not in obj:
                raise EventError('body: expected a JSON array of events, {"events": [...]}, or NDJSON')
            return _raw_items(bytes(obj["events"]))
    except msgspec.ValidationError as exc:
        raise EventError(f"body: {_message(exc)}") from None
    except msgspec.DecodeError as exc:
        raise EventError(f"body: malformed JSON: {exc}") from None
    raise EventError('body: expected a JSON array of events, {"events": [...]}, or NDJSON')


_TOKENS = re.compile(rb'[\[\]{},]|"(?:[^"\\]|\\.)*"')


def _item_spans(buf: bytes, start: int = 0) -> tuple[list[tuple[int, int]], int]:
    """(start, end) of each element of the JSON array that opens at or after `start`, and
    the index just past its closing bracket, by a flat scan (no recursion, any depth)."""
    spans: list[tuple[int, int]] = []
    depth, begin, end = 0, -1, -1
    for m in _TOKENS.finditer(buf, start):
        c = buf[m.start()]
        if c == 0x5B or c == 0x7B:
            depth += 1
            if depth == 1:
                begin = m.end()
        elif c == 0x5D or c == 0x7D:
            depth -= 1
            if depth == 0:
                end = m.end()
                break
        elif c == 0x2C and depth == 1:
            spans.append((begin, m.start()))
            begin = m.end()
    if end < 0 or begin < 0:
        raise EventError("body: malformed JSON: the array is not closed")
    if buf[begin : end - 1].strip() or spans:
        spans.append((begin, end - 1))
    return spans, end


def _raw_items(array: bytes) -> list[msgspec.Raw | bytes]:
    """The elements of a JSON array as raw slices. msgspec skips nested values by
    recursion, so an element nested thousands deep would fail the whole body: such a
    body is split by a flat scan instead, and the deep element is rejected on its own."""
    try:
        return list(_decode_raw_list(array))
    except RecursionError:
        pass
    spans, _ = _item_spans(array)
    return [array[a:b].strip() for a, b in spans]


DEEP_MARK = "sessionprofRejected"  # an event replaced before parsing (defuse_deep); convert_event rejects it


def defuse_deep(body: bytes, limit: int = 200) -> bytes:
    """An LSP message is parsed whole by pygls (json.loads, recursive): an event nested
    thousands deep would lose the whole message. Each such event of its "events" array is
    replaced by a small marker object, which convert_event rejects by index, naming the field."""
    if not too_deep(body, limit):
        return body
    m = re.search(rb'"events"\s*:\s*\[', body)
    if not m:
        return body
    try:
        spans, _ = _item_spans(body, m.end() - 1)
    except EventError:
        return body
    out, last = [], 0
    for a, b in spans:
        where = too_deep(body[a:b].strip(), MAX_DEPTH)
        if where is not None:
            out += [body[last:a], orjson.dumps({DEEP_MARK: f"{where}: JSON nested deeper than {MAX_DEPTH} levels"})]
            last = b
    out.append(body[last:])
    return b"".join(out)


def _events_member(body: bytes) -> bytes:
    """The raw value of the top-level "events" key of a deep body (see _raw_items)."""
    m = re.match(rb'\s*\{\s*"events"\s*:\s*', body)
    if not m:
        raise EventError('body: expected a JSON array of events, {"events": [...]}, or NDJSON')
    return body[m.end() : body.rstrip().rstrip(b"}").__len__()]
