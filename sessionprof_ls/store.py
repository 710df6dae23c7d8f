"""The embedded store: SQLite from the standard library, WAL mode.

Events are kept as an append-only log of the JSON each was sent as (after
redaction); replaying a session's rows through the tree rebuilds it exactly,
updates included. The primary key (session, event id, arrival) keeps one
session's rows together, so reading a session never scans another, and finds
one event's rows directly. A batch is committed before it is acknowledged: a
killed process loses nothing it answered for (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

SCHEMA_VERSION = 1

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
CREATE TABLE IF NOT EXISTS events (
    skey INTEGER NOT NULL,
    eid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (skey, eid, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (path TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


def default_store_path() -> Path:
    """--store, else SESSIONPROF_STORE, else the user's data directory."""
    env = os.environ.get("SESSIONPROF_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("sessionprof", appauthor=False)) / "sessions.sqlite3"


class Store:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path else default_store_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        if str(self.path) != ":memory:":
            try:
                os.chmod(self.path, 0o600)
            except OSError:
                pass
        self._keys: dict[str, int] = dict(
            (sid, key) for key, sid in self.db.execute("SELECT skey, session_id FROM sessions")
        )
        row = self.db.execute("SELECT value FROM meta WHERE key='seq'").fetchone()
        self._seq = int(row[0]) if row else 0

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------ events

    def _key(self, session_id: str) -> int:
        key = self._keys.get(session_id)
        if key is None:
            cur = self.db.execute("INSERT INTO sessions (session_id) VALUES (?)", (session_id,))
            key = self._keys[session_id] = cur.lastrowid
        return key

    def append(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store (session id, event id, JSON) rows in one transaction."""
        if not rows:
            return
        with self.lock:
            self.db.execute("BEGIN")
            try:
                seq = self._seq
                key = self._key
                data = []
                for sid, eid, raw in rows:
                    seq += 1
                    data.append((key(sid), eid, seq, raw))
                self.db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", data)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('seq', ?)", (str(seq),))
                self.db.execute("COMMIT")
                self._seq = seq
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def load(self, session_id: str) -> list[bytes]:
        """A session's rows in arrival order (updates replay in the order they came)."""
        key = self._keys.get(session_id)
        if key is None:
            return []
        with self.lock:
            rows = self.db.execute("SELECT seq, data FROM events WHERE skey=?", (key,)).fetchall()
        rows.sort(key=lambda r: r[0])
        return [r[1] for r in rows]

    def event_rows(self, session_id: str, event_id: str) -> list[bytes]:
        key = self._keys.get(session_id)
        if key is None:
            return []
        with self.lock:
            return [r[0] for r in self.db.execute(
                "SELECT data FROM events WHERE skey=? AND eid=? ORDER BY seq", (key, event_id))]

    def event_count(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM events").fetchone()[0]

    # ------------------------------------------------------------ sessions

    def update_session(self, session_id: str, **fields) -> None:
        if not fields:
            return
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.lock:
            self._key(session_id)
            self.db.execute(f"UPDATE sessions SET {cols} WHERE session_id=?", (*fields.values(), session_id))

    def sessions(self) -> list[dict]:
        with self.lock:
            rows = self.db.execute(
                "SELECT session_id, title, source, workspace, start_time, end_time, total_tokens, total_cost,"
                " event_count FROM sessions ORDER BY coalesce(end_time, start_time, 0) DESC").fetchall()
        return [
            {"sessionId": r[0], "title": r[1] or f"Session {r[0][:8]}", "source": r[2], "workspace": r[3],
             "startTime": r[4], "endTime": r[5], "totalTokens": r[6] or 0, "totalCost": r[7],
             "eventCount": r[8] or 0}
            for r in rows
        ]

    def has_session(self, session_id: str) -> bool:
        return session_id in self._keys

    # ------------------------------------------------------------ transcript cursors

    def get_cursor(self, path: str) -> dict | None:
        with self.lock:
            row = self.db.execute("SELECT data FROM cursors WHERE path=?", (str(path),)).fetchone()
        return json.loads(row[0]) if row else None

    def set_cursor(self, path: str, cursor: dict) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (str(path), json.dumps(cursor)))
