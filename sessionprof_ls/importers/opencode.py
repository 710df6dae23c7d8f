"""OpenCode (and the Kilo CLI, same schema) sessions: the SQLite database
`opencode.db` under `$OPENCODE_DATA_DIR` (default `~/.local/share/opencode`; Kilo:
`$KILO_DATA_DIR`, `~/.local/share/kilo`) and the older JSON storage
(`storage/session/<project>/<session>.json`, `storage/message/<session>/<message>.json`,
`storage/part/<message>/<part>.json`).

Schema (anomalyco/opencode, packages/opencode/src/session/session.sql.ts and
message-v2.ts): `message(id, session_id, time_created, time_updated, data)` with
`data` a user message `{role, time.created, agent, model}` or an assistant message
`{role, time.created/completed, parentID (its user message), modelID, providerID,
cost, tokens {input, output, reasoning, cache {read, write}}, error, finish}`;
`part(id, message_id, session_id, time_created, time_updated, data)` with `data` a
text, reasoning, tool `{callID, tool, state {status, input, output, error,
metadata, time {start, end}}}`, step-start/finish, patch, file, compaction part.

One turn is a user message and the assistant messages whose `parentID` names it. A
changed row re-sends its whole turn (ids are stable: an update, never a duplicate).
The database is read read-only (`mode=ro`) by `time_updated`, never locking
OpenCode out; a busy database is read again at the next change. Tokens per message
as ccusage reads them (`input` is uncached input); `reasoning` is added to `output`
(the contract's output holds reasoning) and kept as `reasoningTokens`; OpenCode's
own `cost` is kept as `costUsd`. A subagent (the `task` tool) runs in a child session
(`parent_id`): its turns go inside the task's span in the parent session.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .common import ImportResult, json_loads
from .opencode_storage import import_storage
from .opencode_turns import SOURCE, Source, build_turn, json_object, source_of

__all__ = ["SOURCE", "connect_ro", "import_db", "import_opencode"]
_BUSY_MS = 200


# -- the SQLite database -----------------------------------------------------------
class DbSource(Source):
    def __init__(self, con: sqlite3.Connection, label: str, errors: list[str]):
        self.con, self.label, self.errors = con, label, errors
        self._sessions: dict[str, dict[str, Any] | None] = {}
        self._links: dict[str, tuple[str, str] | None] = {}

    def _json(self, table: str, rowid: int, raw: Any) -> dict[str, Any] | None:
        return json_object(lambda: json_loads(raw), f"{self.label}: {table}:{rowid}", self.errors)

    def session(self, sid: str) -> dict[str, Any] | None:
        if sid not in self._sessions:
            row = self.con.execute(
                "SELECT id, parent_id, directory, title FROM session WHERE id = ?", (sid,)
            ).fetchone()
            self._sessions[sid] = dict(zip(("id", "parentID", "directory", "title"), row, strict=True)) if row else None
        return self._sessions[sid]

    def turn(self, sid: str, user_id: str) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for rowid, mid, data in self.con.execute(
            "SELECT rowid, id, data FROM message WHERE session_id = ? AND (id = ? OR (json_valid(data) AND"
            " json_extract(data, '$.parentID') = ?))"
            " ORDER BY time_created, id",
            (sid, user_id, user_id),
        ):
            d = self._json("message", rowid, data)
            if d is not None:
                out.append((f"message:{rowid}", {**d, "id": mid}))
        return out

    def parts(self, message_id: str) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for rowid, pid, data in self.con.execute(
            "SELECT rowid, id, data FROM part WHERE message_id = ? ORDER BY id", (message_id,)
        ):
            d = self._json("part", rowid, data)
            if d is not None:
                out.append((f"part:{rowid}", {**d, "id": pid}))
        return out

    def turn_number(self, sid: str, user_id: str, created: Any) -> int:
        row = self.con.execute(
            "SELECT count(*) FROM message WHERE session_id = ? AND json_valid(data)"
            " AND json_extract(data, '$.role') = 'user'"
            " AND (time_created < ? OR (time_created = ? AND id <= ?))",
            (sid, created or 0, created or 0, user_id),
        ).fetchone()
        return int(row[0]) or 1

    def task_call(self, child_sid: str) -> tuple[str, str] | None:
        if child_sid not in self._links:
            info = self.session(child_sid)
            link = None
            if info and info.get("parentID"):
                row = self.con.execute(
                    "SELECT json_extract(data, '$.callID') FROM part WHERE session_id = ? AND json_valid(data)"
                    " AND json_extract(data, '$.state.metadata.sessionId') = ?",
                    (info["parentID"], child_sid),
                ).fetchone()
                link = (info["parentID"], row[0]) if row and row[0] else None
            self._links[child_sid] = link
        return self._links[child_sid]


def connect_ro(path: Path) -> sqlite3.Connection:
    """Read-only, never taking a write lock: OpenCode keeps writing meanwhile."""
    con = sqlite3.connect(
        f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=_BUSY_MS / 1000, check_same_thread=False
    )
    con.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    return con


def import_db(path: Path, cursor: dict[str, Any] | None) -> ImportResult:
    label = str(path)
    cur = dict(cursor or {}, format=SOURCE)
    mark = int(cur.get("mark") or 0)
    seen = set(cur.get("markIds") or ())
    errors: list[str] = []
    try:
        con = connect_ro(path)
    except sqlite3.Error as exc:
        return ImportResult([], [f"{label}: cannot open read-only ({exc})"], cur)
    try:
        src = DbSource(con, label, errors)
        turns: dict[tuple[str, str], None] = {}
        rows = con.execute(
            "SELECT rowid, 'message', id, id, session_id, time_updated, data FROM message WHERE time_updated >= ?"
            " UNION ALL SELECT rowid, 'part', id, message_id, session_id, time_updated, NULL FROM part"
            " WHERE time_updated >= ? ORDER BY time_updated",
            (mark, mark),
        ).fetchall()
        new_mark, new_ids = mark, set(seen)
        pending_messages: dict[str, tuple[str, int]] = {}
        for rowid, table, rid, mid, sid, updated, data in rows:
            if updated == mark and f"{table}:{rid}" in seen:
                continue
            if updated > new_mark:
                new_mark, new_ids = updated, set()
            new_ids.add(f"{table}:{rid}")
            if table == "message":
                d = src._json("message", rowid, data)
                if d is not None:
                    uid = rid if d.get("role") == "user" else d.get("parentID")
                    if isinstance(uid, str):
                        turns[(sid, uid)] = None
            else:
                pending_messages[mid] = (sid, rowid)
        for mid, (sid, _rowid) in pending_messages.items():
            row = con.execute("SELECT rowid, data FROM message WHERE id = ?", (mid,)).fetchone()
            if row is None:
                continue  # the part came before its message: read with the message
            d = src._json("message", row[0], row[1])
            if d is not None:
                uid = mid if d.get("role") == "user" else d.get("parentID")
                if isinstance(uid, str):
                    turns[(sid, uid)] = None
        events: list[dict[str, Any]] = []
        source = source_of(path)
        for sid, uid in turns:
            events.extend(build_turn(src, sid, uid, errors, source))
    except sqlite3.OperationalError as exc:  # busy or locked: nothing is lost, the next change reads it
        return ImportResult([], [f"{label}: database busy, read again later ({exc})"], cur)
    finally:
        con.close()
    cur.update(mark=new_mark, markIds=sorted(new_ids), offset=new_mark)
    return ImportResult(events, list(dict.fromkeys(errors)), cur)


def import_opencode(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    path = Path(path)
    if path.suffix == ".db":
        return import_db(path, cursor)
    return import_storage(path, cursor)
