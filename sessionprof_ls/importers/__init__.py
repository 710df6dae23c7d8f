"""Transcript and telemetry importers: Claude Code, Codex, OTLP/JSON and our own
event files, each reading only what was appended since the last cursor."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..protocol import EVENT_TYPES
from .common import READ_CHUNK, ImportResult, JSONDecodeError, json_loads, read_new_lines, sniff_lines
from .otlp import otlp_to_events

__all__ = [
    "ImportResult",
    "claude_config_dirs",
    "codex_home",
    "default_transcript_folders",
    "detect_format",
    "find_transcripts",
    "import_file",
    "import_new",
    "otlp_to_events",
]

_CLAUDE_TYPES = {"user", "assistant", "summary", "file-history-snapshot", "progress", "system", "queue-operation"}
_CODEX_TYPES = {"session_meta", "turn_context", "response_item", "event_msg", "compacted"}
_SUFFIXES = {".jsonl", ".json", ".ndjson", ".db"}
_COPILOT_PREFIXES = {"session", "user", "assistant", "tool", "system", "subagent", "skill", "hook", "abort"}
_WHOLE_FILE_LIMIT = 64 * 1024 * 1024


def claude_config_dirs() -> list[Path]:
    """Where Claude Code keeps its data: CLAUDE_CONFIG_DIR (a comma-separated list is
    read as ccusage reads it), else ~/.config/claude and ~/.claude, those that exist
    first (newer versions use the former)."""
    env = os.environ.get("CLAUDE_CONFIG_DIR")
    if env:
        return [Path(p.strip()).expanduser() for p in env.split(",") if p.strip()]
    found = [d for d in (Path.home() / ".config" / "claude", Path.home() / ".claude") if (d / "projects").is_dir()]
    return found or [Path.home() / ".claude"]


def codex_home() -> Path:
    env = os.environ.get("CODEX_HOME")
    return Path(env).expanduser() if env else Path.home() / ".codex"


def default_transcript_folders() -> list[Path]:
    """What `sessionprof import` reads when given nothing: every Claude Code projects
    folder and Codex's sessions folder that exist, then the other agents' folders and
    databases (importers/discovery.py: Gemini CLI, Copilot CLI, OpenCode, Kilo, Cline,
    Roo Code, Kilo Code)."""
    from .discovery import other_agent_paths

    candidates = [d / "projects" for d in claude_config_dirs()] + [codex_home() / "sessions"]
    return [d for d in candidates if d.is_dir()] + other_agent_paths()


def _kind_of(obj: Any) -> str | None:
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) and "ts" in x and x.get("type") in ("say", "ask") for x in obj[:5]):
            return "cline"  # a Cline / Roo Code / Kilo Code task's ui_messages.json
        return "events" if obj and all(_kind_of(x) == "events" for x in obj[:5]) else None
    if not isinstance(obj, dict):
        return None
    t = obj.get("type")
    kind = _other_agent(obj, t)
    if kind is not None:
        return kind
    if t in _CODEX_TYPES and "payload" in obj:
        return "codex"
    if t in EVENT_TYPES and "sessionId" in obj and "id" in obj and "startTime" in obj:
        return "events"
    if t in _CLAUDE_TYPES and ("sessionId" in obj or t in ("summary", "file-history-snapshot")):
        return "claude-code"
    if isinstance(obj.get("events"), list):
        return "events"
    if "resourceSpans" in obj or "resourceLogs" in obj:
        return "otlp"
    return None


def _other_agent(obj: dict[str, Any], t: Any) -> str | None:
    """Gemini CLI, Copilot CLI (both formats), OpenCode's message files, Cline/Roo tasks."""
    if "projectHash" in obj and "sessionId" in obj or (t == "gemini" and "id" in obj and "timestamp" in obj):
        return "gemini-cli"
    if isinstance(t, str) and isinstance(obj.get("data"), dict) and "." in t and "timestamp" in obj and "id" in obj:
        return "copilot-cli" if t.split(".", 1)[0] in _COPILOT_PREFIXES else None
    if isinstance(obj.get("timeline"), list) and "chatMessages" in obj:
        return "copilot-cli-legacy"
    if "projectID" in obj and "directory" in obj and str(obj.get("id", "")).startswith("ses"):
        return "opencode"  # an OpenCode session file of the older JSON storage
    return None


def detect_format(path: str | Path) -> str | None:
    """ "claude-code" | "codex" | "gemini-cli" | "copilot-cli" | "copilot-cli-legacy" | "events" |
    "otlp" (an OTLP/JSON export) | None."""
    p = Path(path)
    if p.suffix == ".db":
        return _sqlite_kind(p)
    for obj in sniff_lines(p):
        kind = _kind_of(obj)
        if kind is not None:
            return kind
    # A pretty-printed JSON document (events array or OTLP export).
    try:
        if p.stat().st_size <= _WHOLE_FILE_LIMIT:
            with open(p, "rb") as f:
                head = f.read(1).lstrip()
                if head in (b"[", b"{"):
                    f.seek(0)
                    return _kind_of(json_loads(f.read()))
    except (OSError, JSONDecodeError):
        return None
    return None


def _sqlite_kind(p: Path) -> str | None:
    """An OpenCode or Kilo CLI database: tables `session`, `message` and `part`."""
    try:
        with open(p, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return None
        from .opencode import connect_ro

        con = connect_ro(p)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except Exception:  # unreadable or not a database: not ours
        return None
    return "opencode" if {"session", "message", "part"} <= names else None


def _is_subagent_file(p: Path) -> bool:
    return p.name.startswith("agent-") and (p.parent.name == "subagents" or p.suffix == ".jsonl")


def find_transcripts(paths: Iterable[str | Path]) -> list[Path]:
    """Files to import under `paths` (folders searched recursively). Subagent files
    are left out: their main file's import reads them."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            candidates = sorted(
                f
                for f in p.rglob("*")
                if f.suffix in _SUFFIXES
                and f.is_file()
                and "subagents" not in f.parts[len(p.parts) :]
                and not _is_subagent_file(f)
            )
            for f in candidates:
                if f not in seen and detect_format(f) is not None:
                    seen.add(f)
                    out.append(f)
        elif p.is_file() and p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _import_events(path: Path, cursor: dict[str, Any] | None, max_bytes: int | None = None) -> ImportResult:
    """Our own events: NDJSON (incremental) or one JSON document (array / {"events"})."""
    errors: list[str] = []
    events: list[dict[str, Any]] = []
    with open(path, "rb") as f:
        first = f.read(1)
    if first == b"[" or (first == b"{" and _looks_single_document(path)):
        try:
            doc = json_loads(path.read_bytes())
        except JSONDecodeError as exc:
            return ImportResult([], [f"{path}: invalid JSON ({exc})"], cursor or {})
        items = doc.get("events") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            return ImportResult([], [f'{path}: expected a JSON array of events or {{"events": [...]}}'], cursor or {})
        for i, ev in enumerate(items):
            if isinstance(ev, dict):
                events.append(ev)
            else:
                errors.append(f"{path}: events[{i}]: expected an object")
        st = path.stat()
        return ImportResult(events, errors, {"offset": st.st_size, "inode": st.st_ino, "line": 0, "format": "events"})
    lines, pos, _reset, more = read_new_lines(path, cursor, max_bytes)
    for n, raw in lines:
        try:
            ev = json_loads(raw)
        except JSONDecodeError as exc:
            errors.append(f"{path}:{n}: invalid JSON ({exc})")
            continue
        if isinstance(ev, dict):
            events.append(ev)
        else:
            errors.append(f"{path}:{n}: expected a JSON object")
    pos["format"] = "events"
    return ImportResult(events, errors, pos, more)


def _looks_single_document(path: Path) -> bool:
    with open(path, "rb") as f:
        line = f.readline()
    try:
        json_loads(line)
        return False  # the first line is a whole object: NDJSON
    except JSONDecodeError:
        return True


def _import_otlp(path: Path) -> ImportResult:
    events: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        lines = [json_loads(path.read_bytes())]
    except JSONDecodeError:
        lines = []
        for n, raw in enumerate(path.read_bytes().splitlines(), 1):
            if raw.strip():
                try:
                    lines.append(json_loads(raw))
                except JSONDecodeError as exc:
                    errors.append(f"{path}:{n}: invalid JSON ({exc})")
    for body in lines:
        kind = "logs" if isinstance(body, dict) and "resourceLogs" in body else "traces"
        evs, errs = otlp_to_events(body, kind)
        events.extend(evs)
        errors.extend(f"{path}: {e}" for e in errs)
    st = path.stat()
    return ImportResult(events, errors, {"offset": st.st_size, "inode": st.st_ino, "line": 0, "format": "otlp"})


if TYPE_CHECKING:  # the importers named in the table below, as edges the import-graph test reads
    from . import claude_code, cline, codex, copilot, gemini, opencode  # noqa: F401

_Importer = Callable[[Path, dict[str, Any] | None, int | None], ImportResult]
# format -> (module, function) of its importer, imported when a file of that format is first
# read (importing all six would add ~20 ms to every cold start)
_TRANSCRIPT_IMPORTERS = {
    "claude-code": ("claude_code", "import_claude"),
    "codex": ("codex", "import_codex"),
    "gemini-cli": ("gemini", "import_gemini"),
    "copilot-cli": ("copilot", "import_copilot"),
    "copilot-cli-legacy": ("copilot", "import_copilot"),
    "cline": ("cline", "import_cline"),
    "opencode": ("opencode", "import_opencode"),
}


def import_file(path: str | Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    """Import what was appended to `path` since `cursor` (None = from the start).

    A half-written last line is left for next time; a truncated or replaced file
    (size < offset or inode change) is re-read from 0. Malformed lines are
    reported as "path:line: what was wrong" and skipped. With `max_bytes`, a JSON-lines
    file is read about that much at a time: `more` on the result says to go on.
    """
    p = Path(path)
    if not p.is_file():
        return ImportResult([], [f"{p}: file not found"], cursor or {})
    fmt = (cursor or {}).get("format") or detect_format(p)
    try:
        if fmt in _TRANSCRIPT_IMPORTERS:
            module, name = _TRANSCRIPT_IMPORTERS[fmt]
            importer: _Importer = getattr(importlib.import_module(f".{module}", __name__), name)
            return importer(p, cursor, max_bytes)
        if fmt == "events":
            return _import_events(p, cursor, max_bytes)
        if fmt == "otlp":
            return _import_otlp(p)
    except OSError as exc:
        return ImportResult([], [f"{p}: cannot read ({exc.strerror or exc})"], cursor or {})
    return ImportResult(
        [],
        [
            f"{p}: not a transcript sessionprof reads (Claude Code, Codex, Gemini CLI, Copilot CLI, "
            "OpenCode, Cline/Roo Code), an OTLP export or a sessionprof events file"
        ],
        cursor or {},
    )


class CursorStore(Protocol):
    """Where a file's cursor is kept (the Store; the CLI's read-only store)."""

    def get_cursor(self, path: str) -> dict[str, Any] | None: ...
    def set_cursor(self, path: str, cursor: dict[str, Any]) -> None: ...


# sink(events, (key, cursor)): keeps a read's events and the file's new cursor together
Sink = Callable[[list[dict[str, Any]], tuple[str, dict[str, Any]]], object]


def import_new(
    path: str | Path, cursors: CursorStore, sink: Sink, fmt: str | None = None, max_bytes: int = READ_CHUNK
) -> tuple[int, list[str]]:
    """Import what `path` gained since its stored cursor (the CLI and the follower).

    `sink(events, (key, cursor))` must keep the events and the file's new cursor
    together (Engine.ingest does, in one transaction); with no events the cursor is
    stored here (blank or malformed lines were passed over). One key per file for
    both: its resolved path. A long file goes in pieces of about `max_bytes`, each
    stored with its cursor, so memory stays bounded and an interrupted import resumes.
    Returns (events imported, problems reported as "path:line: what was wrong").
    """
    key = str(Path(path).resolve())
    old = cursors.get_cursor(key)
    cursor = old or ({"format": fmt} if fmt else None)
    errors: list[str] = []
    count = 0
    while True:
        result = import_file(path, cursor, max_bytes)
        errors.extend(result.errors)
        count += len(result.events)
        if result.events:
            sink(result.events, (key, result.cursor))
        elif result.cursor and result.cursor != old:
            cursors.set_cursor(key, result.cursor)
        if not result.more:  # a cut piece always moved the cursor on: this ends
            break
        old = cursor = cursors.get_cursor(key)  # the next piece starts from what was stored
    return count, errors
