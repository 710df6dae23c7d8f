"""The event tree every transcript importer builds, shared by the Gemini CLI, Copilot
CLI, OpenCode and Cline/Roo Code importers, in the shape Claude Code's importer makes:

    agent "Turn N: prompt"              one per user prompt (top level)
      user_input  "User prompt"         zero length, with its text
      ai_response "Response #k"         tokens, model, the agent's own cost if it has one
      tool_execution <tool>             start/complete, or inferred from the next record
        file_read / file_write / network_request   what the tool touched
      user_input  "Waiting for user"    approvals, questions

So the flame graph, hints (files read or edited), lenses and suggestions work the
same on every agent. The state (`BuilderState`, on the importers' skeleton) is kept in the file's cursor (JSON), so
a follow-up read continues where the last stopped; ids come from the transcript, so
re-reading re-sends the same ids (an update, never a duplicate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from .common import EXCERPT, estimate_tokens, excerpt, excerpts, is_folder, make_event, short_args
from .skeleton import JsonState, OpenCall, ParserState, Turn, TurnKeeper

# (kind, path or url, startLine, endLine) of what a tool touched
IO = tuple[str, str, "int | None", "int | None"]
_GLOB = set("*?[")
_RECENT = 256  # remembered response/tool keys: a re-sent record keeps its number and start
# The longest gap an inferred tool span may cover (ms). Past it the side not recorded is not
# guessed: the call is zero-length at the time that was recorded and the gap is left
# unexplained (or idle, when a prompt ends it). Real inferred spans in the fixtures are at
# most 35 s, recorded tool calls at most 64 s, and the agents' own command timeouts are
# 2 min (Claude Code's Bash default, Copilot's bash calls ask <= 120 s); the one span over
# it (25 min, a Copilot `view`) is the user away and a prompt the file did not keep.
MAX_INFERRED_MS = 5 * 60_000


@dataclass
class Numbered(JsonState):
    """A response already sent: a re-sent record keeps its number and start."""

    no: int = 0
    start: float | None = None


@dataclass
class BuilderState(ParserState):
    """The session, its turn and counters (ParserState), and what a builder-based importer
    keeps between reads: the last boundary (prompt, tool result, response end) a span with
    no recorded start begins at, the model, recent responses and open tool calls."""

    TABLES: ClassVar[dict[str, type[JsonState]]] = {"resp": Numbered, "tools": OpenCall}

    boundary: float | None = None
    model: str | None = None
    resp: dict[str, Numbered] = field(default_factory=dict)
    tools: dict[str, OpenCall] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How a tool call ended, as its record says: ok or failed (with the error text), what
    it touched (file_read/file_write/network_request children), its result text (a read's
    gives its file's tokens) and metadata only this agent records."""

    ok: bool = True
    error: str | None = None
    io: Iterable[IO] = ()
    text: str | None = None
    extra: dict[str, Any] | None = None


S = TypeVar("S", bound=BuilderState)
T = TypeVar("T")


def _remember(table: dict[str, T], key: str, value: T) -> None:
    table[key] = value
    if len(table) > _RECENT:
        del table[next(iter(table))]


class SessionBuilder(TurnKeeper[S]):
    """Builds one session's events from an agent's records, in order."""

    def __init__(self, state: dict[str, Any] | None, source: str, fallback_sid: str, state_type: type[S]):
        super().__init__(state_type.from_json(state) if state else state_type(), fallback_sid, source)

    # -- session ---------------------------------------------------------------
    @property
    def sid(self) -> str:
        return self._sid()

    def turn_id(self) -> str | None:
        return self.s.turn.id if self.s.turn else None

    def touch(self, ts: float | None) -> None:
        if ts is None:
            return
        self._touch_turn(ts)
        b = self.s.boundary
        if b is None or ts > b:
            self.s.boundary = ts

    def since_boundary(self, end: float | None) -> float | None:
        """Where a span with no recorded start begins: the last boundary, unless there is
        none or it comes after the span's end (then the span is zero-length at `end`)."""
        b = self.s.boundary
        return b if b is not None and end is not None and b <= end else end

    def _turn_meta(self, turn: Turn) -> dict[str, Any]:
        return {**super()._turn_meta(turn), "model": self.s.model}

    def ensure_turn(self, ts: float | None, key: str) -> None:
        """Records before any prompt (a resumed or cut file) go in a turn of their own."""
        self._ensure_turn(ts, f"turn:{key}")

    # -- records ---------------------------------------------------------------
    def prompt(self, key: str, text: str | None, ts: float | None, extra: dict[str, Any] | None = None) -> None:
        s = self.s
        if s.turn is not None:
            self._emit_turn()
        s.turnNo += 1
        text = text or ""
        short, title, full = excerpts(text, 60, 120, EXCERPT)
        if s.title is None and text.strip():
            s.title = title
        tid = f"turn:{key}"
        s.turn = Turn(tid, f"Turn {s.turnNo}: {short}", ts, ts, full)
        self._touched_turn = True
        meta = {"text": full, "sessionTitle": s.title, "source": self.source, "workspace": s.cwd, **(extra or {})}
        self.out.put(make_event(self.sid, f"prompt:{key}", tid, "user_input", "User prompt", ts, ts, meta))
        s.boundary = ts

    def response(
        self,
        key: str,
        end: float | None,
        tokens: dict[str, Any] | None,
        model: str | None = None,
        provider: str | None = None,
        text: str | None = None,
        start: float | None = None,
        extra: dict[str, Any] | None = None,
        name: str | None = None,
        parent: str | None = None,
    ) -> str:
        """One model request from the last boundary (prompt, tool result, previous
        response) to `end`, unless the record says when it started."""
        s = self.s
        self.ensure_turn(start if start is not None else end, key)
        prev = s.resp.get(key)
        if prev is None:
            if name is None:  # a named span (the rest of a response after its tools) takes no number
                s.respNo += 1
            first = start if start is not None else self.since_boundary(end)
            prev = Numbered(s.respNo, first)
            _remember(s.resp, key, prev)
        elif start is not None:
            prev.start = start
        if model:
            s.model = model
        meta: dict[str, Any] = {
            "model": model or s.model,
            "provider": provider,
            "text": excerpt(text) or None,
            **(extra or {}),
        }
        if tokens is not None:
            meta["tokens"] = tokens
        eid = f"resp:{key}"
        self.out.put(
            make_event(
                self.sid,
                eid,
                parent or self.turn_id(),
                "ai_response",
                name or f"Response #{prev.no}",
                prev.start,
                end,
                meta,
            )
        )
        self.touch(end)
        return eid

    def tool_start(self, key: str, name: str, args: Any, ts: float | None) -> None:
        """A tool call whose completion comes in a later record (start/complete pairs)."""
        self.ensure_turn(ts, key)
        args = short_args(args)
        _remember(self.s.tools, key, OpenCall(name, ts, self.turn_id(), args))
        meta = {"toolName": name, "args": args}
        self.out.put(make_event(self.sid, f"tool:{key}", self.turn_id(), "tool_execution", name, ts, None, meta))
        self.touch(ts)

    def tool_end(self, key: str, ts: float | None, done: Outcome, name: str | None = None, args: Any = None) -> None:
        """The completion of a tool_start call; `name` and `args` stand in when its start
        was never seen (a cut file): then it is a span of the gap before it."""
        started = self.s.tools.pop(key, None)
        if started is None:
            self.tool(key, name or "tool", args, None, ts, done, inferred=True)
        else:
            self.tool(key, started.name, started.args, started.start, ts, done, parent=started.parent, cut=True)

    def tool(
        self,
        key: str,
        name: str,
        args: Any,
        start: float | None,
        end: float | None,
        done: Outcome,
        *,
        inferred: bool = False,
        parent: str | None = None,
        wait: bool = False,
        cut: bool = False,
    ) -> None:
        """A finished tool call. With no recorded start it began at the last boundary; an
        `inferred` call with a start ended at the next record (`end`). Either way the span is
        marked inferred, and one longer than MAX_INFERRED_MS is cut to the recorded side
        (`unrecordedMs` keeps the gap): no tool runs for the time the user was away."""
        ok, error, io, result_text = done.ok, done.error, done.io, done.text
        self.ensure_turn(start if start is not None else end, key)
        no_start = start is None
        if start is None:
            start = self.since_boundary(end)
            inferred = True
        unrecorded = None
        if inferred and start is not None and end is not None and end - start > MAX_INFERRED_MS:
            unrecorded = end - start
            start, end = (end, end) if no_start else (start, start)
        parent = parent or self.turn_id()
        meta: dict[str, Any] = {
            "toolName": name,
            "args": args if cut else short_args(args),
            "status": "ok" if ok else "error",
            **(done.extra or {}),
        }
        if error:
            meta["error"] = excerpt(error)
        if inferred:
            meta["timing"] = "inferred"
        if unrecorded is not None:
            meta["unrecordedMs"] = unrecorded
        eid = f"tool:{key}"
        children = []
        # a folder or a glob pattern (Gemini's read_many_files takes both) is no file
        touched = [x for x in io if x[0] == "network_request" or not (is_folder(x[1], self.s.cwd) or _GLOB & set(x[1]))]
        for i, (kind, target, sl, el) in enumerate(touched):
            m: dict[str, Any] = {"toolName": name, "status": meta["status"]}
            if kind == "network_request":
                m["url"] = target
            else:
                m.update(filePath=target, startLine=sl, endLine=el)
                if kind == "file_read" and ok and result_text:
                    m["fileTokens"] = estimate_tokens(result_text)
                meta.setdefault("filePath", target)
                if sl:
                    meta.setdefault("startLine", sl)
            children.append(make_event(self.sid, f"{eid}:io{i}", eid, kind, target, start, end, m))
        etype = "user_input" if wait else "tool_execution"
        self.out.put(make_event(self.sid, eid, parent, etype, name, start, end, meta))
        for ch in children:
            self.out.put(ch)
        self.touch(end)

    def wait(self, key: str, start: float | None, end: float | None, text: str, name: str = "Waiting for user") -> None:
        self.ensure_turn(start, key)
        self.out.put(
            make_event(self.sid, f"wait:{key}", self.turn_id(), "user_input", name, start, end, {"text": excerpt(text)})
        )
        self.touch(end)

    def marker(self, key: str, name: str, ts: float | None, meta: dict[str, Any]) -> None:
        """A zero-length top-level record (compaction, usage reported at shutdown)."""
        self.out.put(
            make_event(
                self.sid, key, None, "agent", name, ts, ts, {"source": self.source, "workspace": self.s.cwd, **meta}
            )
        )
