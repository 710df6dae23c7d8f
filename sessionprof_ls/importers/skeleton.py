"""The skeleton the importers share: `RecordReader` (one clear error per bad record, the
rest kept; every importer, OTLP included), `TurnKeeper` (the session and its current
turn: touched, ensured, emitted once per read; Claude Code, Codex and the builder-based
importers) and `TranscriptParser`, the line-by-line part Claude Code and Codex fill in.
OTLP reads whole request bodies: no cursor and no turn (its spans name their own parents),
so it fills in only `RecordReader` (see otlp.py).

Parser state is typed: `JsonState` dataclasses whose field names are the cursor's JSON keys,
so stored cursors read back as they are (an older cursor continues in the new parser). A
field holding one record or a table of them (`NESTED`, `TABLES`) is converted both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

from .common import EventBuffer, ImportResult, JSONDecodeError, json_loads, make_event, read_new_lines

R = TypeVar("R")


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type[JsonState]) -> tuple[str, ...]:
    """A state class's field names (the cursor's keys), looked up once."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # a dataclass
    return names


class JsonState:
    """A dataclass kept in a cursor as JSON: `from_json` / `to_json` with its field names as keys."""

    NESTED: ClassVar[dict[str, type[JsonState]]] = {}  # fields holding one record (or None)
    TABLES: ClassVar[dict[str, type[JsonState]]] = {}  # fields holding {key: record}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """A cursor's state; keys it lacks (an older cursor) keep their defaults, unknown ones are dropped."""
        names = _names(cls)
        kw = {k: v for k, v in data.items() if k in names}
        for k, t in cls.NESTED.items():
            v = kw.get(k)
            if isinstance(v, dict):
                kw[k] = t.from_json(v)
            elif k in kw:
                kw[k] = None
        for k, t in cls.TABLES.items():
            v = kw.pop(k, None)
            if isinstance(v, dict):
                kw[k] = {key: t.from_json(x) for key, x in v.items() if isinstance(x, dict)}
        return cls(**kw)

    def to_json(self) -> dict[str, Any]:
        """The fields as a dict. Shallow below the records (asdict's deep copy was most of a
        re-run's time): values are plain JSON containers, and the parser is dropped once its
        cursor is taken."""
        out = {name: getattr(self, name) for name in _names(type(self))}
        for k in self.NESTED:
            v = out[k]
            out[k] = v.to_json() if v is not None else None
        for k in self.TABLES:
            out[k] = {key: x.to_json() for key, x in out[k].items()}
        return out


@dataclass
class Turn(JsonState):
    """The current turn: the top-level span of one prompt and what answered it."""

    id: str = ""
    name: str = ""
    start: float | None = None
    end: float | None = None
    text: str | None = None


@dataclass
class OpenCall(JsonState):
    """A tool call whose end comes in a later record: what its span needs then."""

    name: str = "tool"
    start: float | None = None
    parent: str | None = None
    args: Any = None


@dataclass
class ParserState(JsonState):
    """What a parser knows between reads: the session, the current turn and the counters
    that keep span names and ids stable across reads."""

    NESTED: ClassVar[dict[str, type[JsonState]]] = {"turn": Turn}

    sid: str | None = None
    cwd: str | None = None
    title: str | None = None
    turnNo: int = 0
    turn: Turn | None = None
    respNo: int = 0
    lastTs: float | None = None


_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


class RecordReader:
    """Records in, events out, and for a record of an unexpected shape one line naming where
    it is, never a traceback, never the valid records sent with it lost."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def record(self, where: str, shape: str, fn: Callable[..., R], *args: Any) -> R | None:
        """`fn(*args)`; a shape error becomes "where: shape (error)" (or "where: error")."""
        try:
            return fn(*args)
        except _SHAPE_ERRORS as exc:
            self.errors.append(f"{where}: {shape} ({exc!r})" if shape else f"{where}: {exc}")
            return None

    def json_line(self, line_no: int, raw: bytes, label: str, handle: Callable[..., object], *context: Any) -> None:
        """One JSON line to `handle(obj, line_no, *context)`; a line that is not JSON, not an
        object or not of the shape `handle` expects is one "label:line: what" error, not a stop."""
        try:
            d = json_loads(raw)
        except JSONDecodeError as exc:
            self.errors.append(f"{label}:{line_no}: invalid JSON ({exc})")
            return
        if not isinstance(d, dict):
            self.errors.append(f"{label}:{line_no}: expected a JSON object, got {type(d).__name__}")
            return
        self.record(f"{label}:{line_no}", f"unexpected {d.get('type')!r} line shape", handle, d, line_no, *context)


@dataclass
class LineRead:
    """What a JSON-lines file gained since its cursor: the lines, the new position, the parser
    state to continue from (None after a truncation or replacement: start again) and `more`."""

    lines: Iterator[tuple[int, bytes]]
    pos: dict[str, Any]
    state: dict[str, Any] | None
    more: bool

    def result(self, events: list[dict[str, Any]], errors: list[str], state: JsonState, fmt: str) -> ImportResult:
        """The read's events and errors, with the cursor: position, parser state and format."""
        self.pos["state"] = state.to_json()
        self.pos["format"] = fmt
        return ImportResult(events, errors, self.pos, self.more)


def read_lines(path: Path, cursor: dict[str, Any] | None, max_bytes: int | None) -> LineRead:
    """`common.read_new_lines`, with the parser state the cursor holds (if still valid)."""
    lines, pos, reset, more = read_new_lines(path, cursor, max_bytes)
    return LineRead(lines, pos, None if reset or not cursor else cursor.get("state"), more)


def feed_json_lines(
    lines: Iterator[tuple[int, bytes]], label: str, handle: Callable[[dict[str, Any], int], None], errors: list[str]
) -> None:
    """Every line of a read through `RecordReader.json_line`, its errors added to `errors`
    (the builder-based importers' line loop)."""
    reader = RecordReader()
    reader.errors = errors
    for n, raw in lines:
        reader.json_line(n, raw, label, handle)


S = TypeVar("S", bound=ParserState)


class TurnKeeper(RecordReader, Generic[S]):
    """The session's events and its current turn, re-emitted once per read when a record
    moved its end."""

    SOURCE = ""

    def __init__(self, s: S, fallback_sid: str, source: str | None = None) -> None:
        super().__init__()
        self.s: S = s
        self.fallback_sid = fallback_sid
        self.source = source or self.SOURCE
        self.out = EventBuffer()
        self._touched_turn = False

    def _sid(self) -> str:
        """The session id the records name, else the fallback (the file's stem)."""
        return self.s.sid or self.fallback_sid

    def _touch_turn(self, ts: float | None) -> None:
        """A record at `ts` inside the current turn: the turn lasts at least until then."""
        turn = self.s.turn
        if turn is not None and ts is not None and (turn.end is None or ts > turn.end):
            turn.end = ts
            self._touched_turn = True

    def _ensure_turn(self, ts: float | None, turn_id: str) -> None:
        """Activity before any prompt (a resumed or cut file) gets a turn of its own."""
        if self.s.turn is None:
            self.s.turnNo += 1
            self.s.turn = Turn(turn_id, f"Turn {self.s.turnNo}: (continued)", ts, ts, None)
            self._touched_turn = True

    def _turn_meta(self, turn: Turn) -> dict[str, Any]:
        return {"sessionTitle": self.s.title, "source": self.source, "workspace": self.s.cwd, "text": turn.text}

    def _emit_turn(self) -> None:
        turn = self.s.turn
        if turn is None:
            return
        ev = make_event(self._sid(), turn.id, None, "agent", turn.name, turn.start, turn.end, self._turn_meta(turn))
        self.out.put(ev)

    def finish(self) -> list[dict[str, Any]]:
        """End of a read: the turn once, with the end the read's records gave it; the read's events."""
        if self._touched_turn:
            self._emit_turn()
        self._touched_turn = False
        return self.out.values()


class TranscriptParser(TurnKeeper[S]):
    """Lines in, events out: Claude Code's and Codex's parsers implement `_line`."""

    def __init__(self, state: dict[str, Any] | None, path: str, state_type: type[S]):
        super().__init__(state_type.from_json(state) if state else state_type(), Path(path).stem)
        self.path = path

    def feed(self, line_no: int, raw: bytes, label: str, *context: Any) -> None:
        """One line; a line that is not JSON or not of a known shape is one error, not a stop."""
        self.json_line(line_no, raw, label, self._line, *context)

    def _line(self, d: dict[str, Any], line_no: int, *context: Any) -> None:
        raise NotImplementedError


__all__ = [
    "JsonState",
    "OpenCall",
    "ParserState",
    "RecordReader",
    "TranscriptParser",
    "Turn",
    "TurnKeeper",
    "feed_json_lines",
    "read_lines",
]
