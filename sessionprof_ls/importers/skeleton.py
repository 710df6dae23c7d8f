"""The skeleton the importers share: `RecordReader` (one clear error per bad record, the
rest kept; Claude Code, Codex and OTLP) and `TranscriptParser`, the line-by-line part
Claude Code and Codex fill in (OTLP reads whole request bodies: no cursor, no turn, its
spans carry their own parents; see otlp.py).

A parser reads JSON lines into events: one clear error per bad line (never a traceback,
never the valid lines lost), its state in `self.s` (JSON-serialisable: the
cursor keeps it, so a follow-up read continues where the last one stopped) and the current
turn re-emitted once per read when a line moved its end. Subclasses implement `_line`
and may extend `_turn_meta` and `finish`. The state is typed (a `ParserState` dataclass per
importer); its field names are the cursor's JSON keys, so stored cursors read back as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self, TypeVar

from .common import EventBuffer, JSONDecodeError, json_loads, make_event

R = TypeVar("R")


@dataclass
class ParserState:
    """What a parser knows between reads: the session, the current turn (a dict, as stored)
    and the counters that keep span names and ids stable across reads."""

    sid: str | None = None
    cwd: str | None = None
    title: str | None = None
    turnNo: int = 0
    turn: dict | None = None
    respNo: int = 0
    lastTs: float | None = None

    @classmethod
    def from_json(cls, data: dict) -> Self:
        """A cursor's state; keys it lacks (an older cursor) keep their defaults, unknown ones are dropped."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_json(self) -> dict:
        """The fields as a dict. Shallow (asdict's deep copy was most of a re-run's time): the
        values are plain JSON containers and the parser is dropped once its cursor is taken."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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


class TranscriptParser(RecordReader):
    """Lines in, events out; the turn bookkeeping both Claude Code and Codex need."""

    SOURCE = ""

    def __init__(self, state: dict | None, path: str, state_type: type[ParserState]):
        super().__init__()
        self.s = state_type.from_json(state) if state else state_type()
        self.path = path
        self.out = EventBuffer()
        self._touched_turn = False

    def _sid(self) -> str:
        """The session id the transcript names, else the file's stem."""
        return self.s.sid or Path(self.path).stem

    def feed(self, line_no: int, raw: bytes, label: str, *context: Any) -> None:
        """One line; a line that is not JSON or not of a known shape is one error, not a stop."""
        try:
            d = json_loads(raw)
        except JSONDecodeError as exc:
            self.errors.append(f"{label}:{line_no}: invalid JSON ({exc})")
            return
        if not isinstance(d, dict):
            self.errors.append(f"{label}:{line_no}: expected a JSON object, got {type(d).__name__}")
            return
        self.record(f"{label}:{line_no}", f"unexpected {d.get('type')!r} line shape", self._line, d, line_no, *context)

    def _line(self, d: dict, line_no: int, *context: Any) -> None:
        raise NotImplementedError

    # -- the current turn ----------------------------------------------------
    def _touch_turn(self, ts: float | None) -> None:
        """A line at `ts` inside the current turn: the turn lasts at least until then."""
        turn = self.s.turn
        if turn is not None and ts is not None and (turn["end"] is None or ts > turn["end"]):
            turn["end"] = ts
            self._touched_turn = True

    def _ensure_turn(self, ts: float | None, turn_id: str) -> None:
        """Activity before any prompt (a resumed or cut file) gets a turn of its own."""
        if self.s.turn is None:
            self.s.turnNo += 1
            self.s.turn = {
                "id": turn_id,
                "name": f"Turn {self.s.turnNo}: (continued)",
                "start": ts,
                "end": ts,
                "text": None,
            }
            self._touched_turn = True

    def _turn_meta(self) -> dict[str, Any]:
        return {
            "sessionTitle": self.s.title,
            "source": self.SOURCE,
            "workspace": self.s.cwd,
            "text": self.s.turn["text"],
        }

    def _emit_turn(self) -> None:
        turn = self.s.turn
        if turn is None:
            return
        self.out.put(
            make_event(
                self._sid(), turn["id"], None, "agent", turn["name"], turn["start"], turn["end"], self._turn_meta()
            )
        )

    def finish(self) -> None:
        """End of a read: the turn once, with the end the read's lines gave it."""
        if self._touched_turn:
            self._emit_turn()
        self._touched_turn = False
