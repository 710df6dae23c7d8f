"""What was applied, where and when: the `applied_suggestions` table of the store.

Kept beside the rules rather than in store.py's schema so the table comes with the
feature; it lives in the same SQLite file, under the store's lock. A row is written only
once the user accepted the edit in their editor (or copied it from the browser page,
which records nothing), and marked undone when the user undoes it.
"""

from __future__ import annotations

import json
import time
import weakref
from typing import TypedDict

from ..analysis.base import JsonDict
from ..store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS applied_suggestions (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    estimate TEXT,
    files TEXT NOT NULL,
    client TEXT,
    applied_at REAL NOT NULL,
    undone_at REAL
);
CREATE INDEX IF NOT EXISTS applied_by_workspace ON applied_suggestions (workspace, applied_at);
"""


class Recorded(TypedDict):
    """`sessionprof/suggestionApplied`'s answer."""

    id: int | None  # the row id (sqlite3 types lastrowid as optional)
    appliedAt: float


class AppliedRow(TypedDict):
    """One applied, not undone, suggestion of a workspace."""

    id: int
    sessionId: str
    kind: str
    title: str
    estimate: str | None
    files: list[str]
    client: str | None
    appliedAt: float


_HAVE_TABLE: weakref.WeakSet[Store] = weakref.WeakSet()  # stores whose table exists


def _ready(store: Store) -> None:
    if store not in _HAVE_TABLE:
        with store.lock:
            store.db.executescript(SCHEMA)
        _HAVE_TABLE.add(store)


def record(
    store: Store,
    workspace: str,
    session_id: str,
    suggestion: JsonDict,
    files: list[str],
    client: str,
    now_ms: float | None = None,
) -> Recorded:
    _ready(store)
    at = now_ms if now_ms is not None else time.time() * 1000.0
    with store.lock:
        cur = store.db.execute(
            "INSERT INTO applied_suggestions (workspace, session_id, kind, title, estimate, files, client, applied_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                workspace.rstrip("/") or "/",
                session_id,
                suggestion["kind"],
                suggestion["title"],
                suggestion.get("estimatedSaving"),
                json.dumps(files),
                client,
                at,
            ),
        )
    return {"id": cur.lastrowid, "appliedAt": at}


def undone(store: Store, row_id: int, now_ms: float | None = None) -> bool:
    _ready(store)
    with store.lock:
        cur = store.db.execute(
            "UPDATE applied_suggestions SET undone_at=? WHERE id=? AND undone_at IS NULL",
            (now_ms if now_ms is not None else time.time() * 1000.0, int(row_id)),
        )
    return cur.rowcount == 1


def for_workspace(store: Store, workspace: str) -> list[AppliedRow]:
    """Applied (and not undone) suggestions of a workspace, newest first."""
    _ready(store)
    with store.lock:
        rows = store.db.execute(
            "SELECT id, session_id, kind, title, estimate, files, client, applied_at FROM applied_suggestions"
            " WHERE workspace=? AND undone_at IS NULL ORDER BY applied_at DESC",
            (workspace.rstrip("/") or "/",),
        ).fetchall()
    return [
        {
            "id": r[0],
            "sessionId": r[1],
            "kind": r[2],
            "title": r[3],
            "estimate": r[4],
            "files": json.loads(r[5]),
            "client": r[6],
            "appliedAt": r[7],
        }
        for r in rows
    ]
