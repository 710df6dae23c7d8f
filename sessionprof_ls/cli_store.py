"""Opening the store and finding a session for the CLI, with one clear line for
every way that goes wrong (a directory, a file that is not a database, a
read-only mount, an ambiguous id prefix) instead of a traceback.

A store that cannot be written is opened read-only: it still serves `report`,
`sessions` and `export`; only commands that must write say so.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from .store import Store, default_store_path

if TYPE_CHECKING:
    from .engine import Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
SAMPLE = Path(__file__).parent / "samples" / "spotter-subagent.jsonl"


class CliError(Exception):
    """One line for the user; `sessionprof` prints it and exits with status 1."""


class ReadOnlyStore(Store):
    """A store on a read-only mount or file: reads as usual, nothing written (a
    session's cost is computed again each time instead of being saved)."""

    readonly = True

    def __init__(self, path: Path):  # not super().__init__: it would create tables
        self.path = path
        self.lock = threading.RLock()
        uri = "file:" + quote(str(path.resolve()))
        try:
            self.db = sqlite3.connect(uri + "?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
            self._keys = self._read_keys()
        except sqlite3.OperationalError:
            # a WAL database whose -shm cannot be created (read-only folder): nothing else
            # can be writing to it either, so it is read as immutable
            self.db = sqlite3.connect(uri + "?immutable=1", uri=True, check_same_thread=False, isolation_level=None)
            self._keys = self._read_keys()

    def update_session(self, session_id: str, **fields: Any) -> None:
        pass

    def append(self, batches: list[tuple[str, list[bytes]]]) -> list[int]:
        raise CliError(f"the store {self.path} is read-only: nothing can be imported into it")

    def set_cursor(self, path: str, cursor: dict[str, Any]) -> None:
        raise CliError(f"the store {self.path} is read-only: nothing can be imported into it")


def open_store(path: str | None) -> Store:
    """The store at `path` (default: $SESSIONPROF_STORE or the user data folder), read-only
    when it cannot be written; CliError naming the path when it cannot be used at all."""
    p = Path(path).expanduser() if path else default_store_path()
    if p.is_dir():
        raise CliError(f"the store {p} is a directory; give a file, e.g. --store {p / 'sessions.sqlite3'}")
    if p.is_file() and p.stat().st_size:
        try:
            with open(p, "rb") as f:
                head = f.read(16)
        except OSError as exc:
            raise CliError(f"cannot read the store {p}: {exc.strerror}") from None
        if head != SQLITE_MAGIC:
            raise CliError(f"{p} is not a sessionprof store (not an SQLite database); give another --store")
    write_error: Exception
    try:
        return Store(p)
    except sqlite3.DatabaseError as exc:
        if not p.is_file():
            raise CliError(f"cannot create the store {p}: {exc}") from None
        write_error = exc
    except OSError as exc:
        if not p.is_file():
            raise CliError(f"cannot create the store {p}: {exc.strerror or exc}") from None
        write_error = exc
    try:
        store = ReadOnlyStore(p)
    except sqlite3.DatabaseError as exc:
        raise CliError(f"cannot open the store {p}: {exc} (and {write_error})") from None
    if not _has_tables(store):
        raise CliError(f"{p} is not a sessionprof store (an SQLite database without its tables)")
    return store


def _has_tables(store: Store) -> bool:
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {"sessions", "batches"} <= names


def open_engine(path: str | None) -> Engine:
    from .engine import Engine

    return Engine(open_store(path))


def memory_engine() -> Engine:
    """An engine whose store lives in memory: the sample, and files read from a read-only store."""
    from .engine import Engine

    return Engine(Store(":memory:"))


def is_readonly(engine: Engine) -> bool:
    return bool(getattr(engine.store, "readonly", False))


def import_paths(
    engine: Engine, paths: list[str] | list[Path], progress: bool = False, out: TextIO = sys.stderr
) -> tuple[list[str], list[str]]:
    """Import transcript files or folders (only what is new since the last import).

    Returns (session ids touched, error messages). Events are stored with the
    file's new cursor, so an interrupted import resumes without loss or repeats.
    """
    from functools import partial

    from .importers import find_transcripts, import_new

    files = find_transcripts([Path(p) for p in paths])
    sessions: dict[str, None] = {}
    errors: list[str] = []
    bar = None
    if progress and len(files) > 3 and out.isatty():
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(file=out))  # stderr: stdout may be piped JSON
        bar.start()
        task = bar.add_task("importing", total=len(files))

    def sink(path: Path, events: list[dict[str, Any]], cursor: tuple[str, dict[str, Any]] | None) -> None:
        res = engine.ingest(events, cursor)
        sessions.update(dict.fromkeys(res["sessions"]))
        errors.extend(f"{path}: event {r['index']}: {r['error']}" for r in res["rejected"])

    try:
        for path in files:
            _, problems = import_new(path, engine.store, partial(sink, path))
            errors.extend(problems)
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
    return list(sessions), errors


def _file_sessions(engine: Engine, path: Path) -> list[str]:
    """The stored sessions a transcript's first events belong to (the file was imported before)."""
    from .importers import import_file

    first = import_file(path, None, 1 << 20).events
    ids = dict.fromkeys(e.get("sessionId") for e in first if isinstance(e, dict))
    return [sid for sid in ids if sid and engine.store.has_session(sid)]


def session_of_file(engine: Engine, target: Path) -> tuple[Engine, str]:
    """(engine, session id) of a transcript file, imported on the way when new; from a
    read-only store, the file is read into memory instead."""
    if target.is_dir():
        raise CliError(f"{target} is a directory; name a transcript file or a session id")
    if is_readonly(engine) and not _file_sessions(engine, target):
        engine = memory_engine()
    sessions, errors = import_paths(engine, [target])
    sessions = sessions or _file_sessions(engine, target)
    if not sessions:
        if errors:
            raise CliError(f"no session read: {errors[0]}")
        raise CliError(f"{target}: no session in it (not a transcript or events file sessionprof reads)")
    for e in errors[:20]:
        print(f"warning: {e}", file=sys.stderr)
    if len(errors) > 20:
        print(f"warning: and {len(errors) - 20} more problem(s)", file=sys.stderr)
    return engine, sessions[0]


def find_session(engine: Engine, target: str) -> str:
    """A session id or a unique prefix of one; CliError listing the candidates otherwise."""
    if engine.store.has_session(target):
        return target
    matches = [s for s in engine.sessions() if s["sessionId"].startswith(target)]
    if len(matches) == 1:
        return str(matches[0]["sessionId"])
    if not matches:
        raise CliError(f"no session {target!r} in {engine.store.path} (see `sessionprof sessions`)")
    shown = ", ".join(f"{m['sessionId']} ({m['title'][:40]})" for m in matches[:8])
    more = f" and {len(matches) - 8} more" if len(matches) > 8 else ""
    raise CliError(f"{target!r} matches {len(matches)} sessions: {shown}{more}; give more of the id")


def resolve(engine: Engine, target: str | None) -> tuple[Engine, str]:
    """(engine, session id) for a session id, a prefix or a transcript file."""
    if target and Path(target).expanduser().exists():
        return session_of_file(engine, Path(target).expanduser())
    if not target:
        latest = engine.latest_session()
        if latest is None:
            raise CliError(f"the store {engine.store.path} holds no session yet; run `sessionprof import`")
        return engine, latest
    return engine, find_session(engine, target)
