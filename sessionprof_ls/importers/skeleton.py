"""The skeleton every line-by-line transcript importer shares (Claude Code, Codex).

A parser reads JSON lines into events: one clear error per bad line (never a traceback,
never the valid lines lost), its state in `self.s` (JSON-serialisable: the
cursor keeps it, so a follow-up read continues where the last one stopped) and the current
turn re-emitted once per read when a line moved its end. Subclasses implement `_line`
and may extend `_turn_meta` and `finish`. The state is typed (a `ParserState` dataclass per
importer); its field names are the cursor's JSON keys, so stored cursors read back as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self

from .common import EventBuffer, JSONDecodeError, json_loads, make_event


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


class TranscriptParser:
    """Lines in, events out; the turn bookkeeping both Claude Code and Codex need."""

    SOURCE = ""

    def __init__(self, state: dict | None, path: str, state_type: type[ParserState]):
        self.s = state_type.from_json(state) if state else state_type()
        self.path = path
        self.out = EventBuffer()
        self.errors: list[str] = []
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
        try:
            self._line(d, line_no, *context)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.errors.append(f"{label}:{line_no}: unexpected {d.get('type')!r} line shape ({exc!r})")

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
