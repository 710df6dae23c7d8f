"""Which sessions the transcripts followed for a workspace folder hold, kept in the
store (its own table, as outbox.py keeps its own), so a restarted server knows them
as the workspace's before their transcripts change again. A session's recorded
workspace (the agent's cwd) need not be the editor's folder: a transcript copied or
moved, a path spelled another way."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable

from .store import Store

log = logging.getLogger("sessionprof")

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS followed_sessions "
    "(folder TEXT NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (folder, session_id))"
)


def _ensure(store: Store) -> None:
    store.db.execute(SCHEMA)


def record(store: Store, folders: Iterable[str], session_ids: Iterable[str]) -> None:
    rows = [(f, sid) for f in folders for sid in session_ids]
    if not rows:
        return
    try:
        with store.lock:
            _ensure(store)
            store.db.executemany("INSERT OR IGNORE INTO followed_sessions VALUES (?, ?)", rows)
    except sqlite3.Error as exc:  # a read-only or full store: the rule falls back to workspaces
        log.warning("cannot record followed sessions: %s", exc)


def of(store: Store, folders: Iterable[str]) -> set[str]:
    folders = list(folders)
    if not folders:
        return set()
    try:
        with store.lock:
            _ensure(store)
            marks = ",".join("?" * len(folders))
            cur = store.db.execute(f"SELECT session_id FROM followed_sessions WHERE folder IN ({marks})", folders)
            return {str(r[0]) for r in cur.fetchall()}
    except sqlite3.Error as exc:
        log.warning("cannot read followed sessions: %s", exc)
        return set()
