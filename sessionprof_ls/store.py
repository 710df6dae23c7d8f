"""The embedded store: SQLite from the standard library, WAL mode.

Events are kept as an append-only log of the JSON each was sent as (after
redaction), one row per ingested batch and session (NDJSON): a row per event
would cost more than the rest of ingest together. Replaying a session's rows
through the tree rebuilds it exactly, updates included. Rows are found by
(session, arrival), so reading a session never scans another; the tree keeps
each event's row numbers to find one event's JSON again. A batch is committed
before it is acknowledged: a killed process loses nothing it answered for
(WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger("sessionprof")

SCHEMA_VERSION = 2
INT64_MAX, INT64_MIN = (1 << 63) - 1, -(1 << 63)


class StoreUnavailable(sqlite3.OperationalError):
    """The store cannot take writes (read-only, in-memory fallback, or broken); the message names it."""


class StoreFull(StoreUnavailable):
    """The disk holding the store is full: the batch was rolled back, nothing of it acknowledged."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    skey INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    title TEXT, source TEXT, workspace TEXT,
    start_time REAL, end_time REAL,
    total_tokens INTEGER DEFAULT 0, total_cost REAL,
    event_count INTEGER DEFAULT 0,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY,
    skey INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_session ON batches (skey, seq);
CREATE TABLE IF NOT EXISTS cursors (path TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    skey INTEGER PRIMARY KEY, seq INTEGER NOT NULL, batches INTEGER NOT NULL, format TEXT NOT NULL, data BLOB NOT NULL
);
"""


def _describe(exc: BaseException, path: Path) -> str:
    """One line naming the store and what is wrong with it."""
    text = str(exc) or type(exc).__name__
    if path.is_dir():
        why = "is a directory"
    elif "not a database" in text or "malformed" in text:
        why = f"is damaged ({text})"
    elif "readonly" in text or isinstance(exc, PermissionError):
        why = f"cannot be written ({text})"
    else:
        why = f"cannot be opened ({text})"
    return f"the store {path} {why}"


def default_store_path() -> Path:
    """--store, else SESSIONPROF_STORE, else the user's data directory."""
    env = os.environ.get("SESSIONPROF_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("sessionprof", appauthor=False)) / "sessions.sqlite3"


class Store:
    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(path).expanduser() if path else default_store_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        if str(self.path) != ":memory:" and not self.path.exists():
            # created private before SQLite opens it: its -wal and -shm files take the same mode
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA wal_autocheckpoint=10000")  # 40 MB: a checkpoint (fsync) per ~15k events, not 2k
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        if str(self.path) != ":memory:":
            try:
                os.chmod(self.path, 0o600)
            except OSError:
                pass
        self._keys: dict[str, int] = self._read_keys()

    degraded: str | None = None  # why this store is not the one asked for (open_or_degrade)
    on_problem = None  # called with a message when stored rows cannot be read (the server shows it)
    corrupt_rows = 0

    @classmethod
    def open_or_degrade(cls, path: str | os.PathLike[str] | None = None) -> Store:
        """The store at path, or, when it cannot be opened or written (corrupt, truncated, a
        directory, read-only, an unwritable folder), an in-memory store holding a copy of
        what can still be read, with `degraded` saying why and naming the path. Never raises:
        a server must start and say what is wrong rather than stay half alive."""
        try:
            return cls(path)
        except (sqlite3.Error, OSError) as exc:
            wanted = Path(path).expanduser() if path else default_store_path()
            reason = _describe(exc, wanted)
        mem = cls(":memory:")
        copied = mem._copy_from(wanted)
        mem.path = wanted  # the discovery files still go next to it
        mem.degraded = (
            f"{reason}; {copied or 'starting empty'}: new events are kept in memory only, until the server stops"
        )
        return mem

    def _copy_from(self, path: Path) -> str | None:
        """Copy a readable (if unwritable or damaged) store into this in-memory one, at most
        512 MB: whole when SQLite can, else row by row; returns what was copied, or None."""
        try:
            if not path.is_file() or path.stat().st_size > 512 * 1024 * 1024:
                return None
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except (sqlite3.Error, OSError):
            return None
        try:
            try:
                src.execute("SELECT count(*) FROM sessions").fetchone()
                src.backup(self.db)
                self._keys = self._read_keys()
                return "its sessions were copied into memory"
            except sqlite3.Error:
                self.db.executescript(SCHEMA)
            return self._salvage(src)
        finally:
            src.close()

    def _salvage(self, src: sqlite3.Connection) -> str | None:
        """Every session row and batch a damaged file still yields, looked up one by one."""
        cols = (
            "skey, session_id, title, source, workspace, start_time, end_time, total_tokens, total_cost,"
            " event_count, updated_at"
        )
        try:
            for row in src.execute(f"SELECT {cols} FROM sessions"):
                self.db.execute(f"INSERT OR IGNORE INTO sessions ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
        except sqlite3.Error:
            pass
        try:
            top = src.execute("SELECT max(seq) FROM batches").fetchone()[0] or 0
        except sqlite3.Error:
            top = 0
        good = bad = 0
        for seq in range(1, min(top, 10_000_000) + 1):
            try:
                row = src.execute("SELECT seq, skey, count, data FROM batches WHERE seq=?", (seq,)).fetchone()
            except sqlite3.Error:
                bad += 1
                continue
            if row is not None:
                self.db.execute("INSERT INTO batches (seq, skey, count, data) VALUES (?,?,?,?)", row)
                good += 1
        self._keys = self._read_keys()
        self.corrupt_rows += bad
        if not good and not self._keys:
            return None
        return f"{good:,} stored batches were read into memory, {bad:,} could not be read (skipped)"

    def report_corrupt(self, session_id: str, count: int, what: str) -> None:
        """Rows that cannot be read are skipped, counted and said, never silently."""
        self.corrupt_rows += count
        message = (
            f"sessionprof: {count} stored {what} of session {session_id} could not be read "
            f"from {self.path} and were skipped (the store may be damaged)"
        )
        log.warning("%s", message)
        if self.on_problem is not None:
            try:
                self.on_problem(message)
            except Exception:
                pass

    def _read_keys(self) -> dict[str, int]:
        return {sid: key for key, sid in self.db.execute("SELECT skey, session_id FROM sessions")}

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------ events

    def _key(self, session_id: str) -> int:
        key = self._keys.get(session_id)
        if key is None:  # another process may have made the row since this one read them
            self.db.execute("INSERT OR IGNORE INTO sessions (session_id) VALUES (?)", (session_id,))
            (key,) = self.db.execute("SELECT skey FROM sessions WHERE session_id=?", (session_id,)).fetchone()
            self._keys[session_id] = key
        return int(key)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One commit for everything written inside (nested uses join the outer one)."""
        with self.lock:
            if self.db.in_transaction:
                yield
                return
            self.db.execute("BEGIN")
            try:
                yield
                self.db.execute("COMMIT")  # a failed commit (disk full) is rolled back too
            except BaseException as exc:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                self._keys = self._read_keys()  # a session row made inside is gone again
                if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
                    raise StoreFull(
                        f"disk full: the store {self.path} cannot grow; this batch was not stored "
                        "(nothing of it acknowledged); free space and send it again"
                    ) from exc
                if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                    raise StoreUnavailable(
                        f"the store {self.path} has become read-only; this batch was not stored"
                    ) from exc
                raise

    def append(self, batches: list[tuple[str, list[bytes]]]) -> list[int]:
        """Store each (session id, event JSONs) as one row, all in one transaction.

        Returns the row number of each batch (the tree keeps it per event)."""
        if not batches:
            return []
        with self.transaction():
            seqs: list[int] = []
            for sid, raws in batches:
                cur = self.db.execute(
                    "INSERT INTO batches (skey, count, data) VALUES (?, ?, ?)",
                    (self._key(sid), len(raws), b"\n".join(raws)),
                )
                seqs.append(cur.lastrowid or 0)
            return seqs

    def load(self, session_id: str, after: int = 0) -> list[tuple[int, bytes]]:
        """A session's batches (row, NDJSON) in arrival order (updates replay in the order
        they came), those stored after row `after` (a snapshot's last)."""
        key = self._keys.get(session_id)
        if key is None:
            return []
        with self.lock:
            try:
                rows = self.db.execute(
                    "SELECT seq, count, data FROM batches WHERE skey=? AND seq>? ORDER BY seq", (key, after)
                ).fetchall()
            except sqlite3.DatabaseError:
                rows = self._load_row_by_row(session_id, key)
        out, missing = [], 0
        for seq, count, data in rows:
            data = bytes(data)
            missing += max(0, count - data.count(b"\n") - 1)  # a batch cut short or overwritten
            out.append((seq, data))
        if missing:
            self.report_corrupt(session_id, missing, "events (batches cut short)")
        return out

    def _load_row_by_row(self, session_id: str, key: int) -> list[Any]:
        """A damaged store: every row that can still be read, the others counted."""
        try:
            seqs = [r[0] for r in self.db.execute("SELECT seq FROM batches WHERE skey=? ORDER BY seq", (key,))]
        except sqlite3.DatabaseError:
            self.report_corrupt(session_id, 1, "batch index")
            return []
        rows, bad = [], 0
        for seq in seqs:
            try:
                row = self.db.execute("SELECT seq, count, data FROM batches WHERE seq=?", (seq,)).fetchone()
            except sqlite3.DatabaseError:
                row = None
            if row is None or row[2] is None:
                bad += 1
            else:
                rows.append(row)
        if bad:
            self.report_corrupt(session_id, bad, "batches")
        return rows

    # ------------------------------------------------------------ snapshots (snapshot.py)

    def _rows_upto(self, key: int, seq: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM batches WHERE skey=? AND seq<=?", (key, seq)).fetchone()[0])

    def snapshot(self, session_id: str, fmt: str) -> tuple[int, bytes] | None:
        """(last row, data) of a session's saved columns when in this format and covering
        exactly the batches stored up to that row; else None (replay the batches)."""
        key = self._keys.get(session_id)
        with self.lock:
            try:
                row = self.db.execute(
                    "SELECT seq, batches, format, data FROM snapshots WHERE skey=?", (key,)
                ).fetchone()
                if row is None or row[2] != fmt or self._rows_upto(key or 0, row[0]) != row[1]:
                    return None
            except sqlite3.DatabaseError:
                return None
        return int(row[0]), bytes(row[3])

    def save_snapshot(self, session_id: str, seq: int, batches: int, fmt: str, data: bytes) -> bool:
        """Save a session's columns as of row `seq`, unless the store holds another count of
        rows up to it than `batches` (another process wrote meanwhile). A failure loses
        nothing: the snapshot is only a shortcut."""
        key = self._keys.get(session_id)
        try:
            with self.transaction():
                if key is None or self._rows_upto(key, seq) != batches:
                    return False
                self.db.execute(
                    "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?)", (key, seq, batches, fmt, data)
                )
        except sqlite3.Error:
            return False
        return True

    def batch(self, seq: int) -> bytes:
        """One stored batch: its events as sent, joined by newlines (one may span lines)."""
        with self.lock:
            row = self.db.execute("SELECT data FROM batches WHERE seq=?", (seq,)).fetchone()
        return bytes(row[0]) if row else b""

    def event_count(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT coalesce(sum(count), 0) FROM batches").fetchone()[0])

    # ------------------------------------------------------------ sessions

    def update_session(self, session_id: str, **fields: Any) -> None:
        if not fields:
            return
        for k, v in fields.items():  # SQLite integers are int64: a sum saturates rather than overflow
            if v.__class__ is int and not INT64_MIN <= v <= INT64_MAX:
                fields[k] = INT64_MAX if v > 0 else INT64_MIN
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.lock:
            self._key(session_id)
            self.db.execute(f"UPDATE sessions SET {cols} WHERE session_id=?", (*fields.values(), session_id))

    def sessions(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT session_id, title, source, workspace, start_time, end_time, total_tokens, total_cost,"
                " event_count FROM sessions ORDER BY coalesce(end_time, start_time, 0) DESC"
            ).fetchall()
        return [
            {
                "sessionId": r[0],
                "title": r[1] or f"Session {r[0][:8]}",
                "source": r[2],
                "workspace": r[3],
                "startTime": r[4],
                "endTime": r[5],
                "totalTokens": r[6] or 0,
                "totalCost": r[7],
                "eventCount": r[8] or 0,
            }
            for r in rows
        ]

    def has_session(self, session_id: str) -> bool:
        return session_id in self._keys

    # ------------------------------------------------------------ transcript cursors

    def get_cursor(self, path: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT data FROM cursors WHERE path=?", (str(path),)).fetchone()
        return json.loads(row[0]) if row else None

    def set_cursor(self, path: str, cursor: dict[str, Any]) -> None:
        """An importer's position; the parsing state it carries (titles, pending tool calls)
        holds agent text, so it is redacted like events (offsets and checksums are not)."""
        from .redact import redact_value

        cursor = {k: redact_value(v) if k in ("state", "subs") else v for k, v in cursor.items()}
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (str(path), json.dumps(cursor)))
