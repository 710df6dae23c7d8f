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

from .builder import SessionBuilder
from .common import ImportResult, JSONDecodeError, json_loads

SOURCE = "opencode"
_READ = {"read"}
_WRITE = {"edit", "write", "patch", "multiedit"}
_NET = {"webfetch", "websearch", "fetch"}
_BUSY_MS = 200


def _num(v: Any) -> int:
    return max(int(v), 0) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def opencode_tokens(t: Any) -> tuple[dict, int] | None:
    if not isinstance(t, dict):
        return None
    cache = t.get("cache") if isinstance(t.get("cache"), dict) else {}
    inp, out, reasoning = _num(t.get("input")), _num(t.get("output")), _num(t.get("reasoning"))
    cr, cw = _num(cache.get("read")), _num(cache.get("write"))
    if not (inp or out or reasoning or cr or cw):
        return None
    return {"input": inp, "output": out + reasoning, "cacheRead": cr, "cacheWrite": cw}, reasoning


def _io(tool: str, args: Any) -> list:
    if not isinstance(args, dict):
        return []
    path = args.get("filePath") or args.get("file_path") or args.get("path")
    if tool in _READ and isinstance(path, str):
        sl = args["offset"] + 1 if isinstance(args.get("offset"), int) else None
        el = sl + args["limit"] - 1 if sl and isinstance(args.get("limit"), int) and args["limit"] > 0 else None
        return [("file_read", path, sl, el)]
    if tool in _WRITE and isinstance(path, str):
        return [("file_write", path, None, None)]
    if tool in _NET:
        target = args.get("url") or args.get("query")
        return [("network_request", str(target)[:300], None, None)] if target else []
    return []


class Source:
    """What the turn builder needs, from the database or from the JSON storage."""

    label: str

    def session(self, sid: str) -> dict | None: ...
    def turn(self, sid: str, user_id: str) -> list[tuple[str, dict]]: ...  # (row ref, message) in order
    def parts(self, message_id: str) -> list[tuple[str, dict]]: ...
    def turn_number(self, sid: str, user_id: str, created: Any) -> int: ...
    def task_call(self, child_sid: str) -> tuple[str, str] | None: ...  # (parent session, callID)


def source_of(path: Path) -> str:
    """The Kilo CLI writes OpenCode's schema to kilo.db (under ~/.local/share/kilo)."""
    return "kilo-cli" if path.name == "kilo.db" or "kilo" in path.parts else SOURCE


def build_turn(src: Source, sid: str, user_id: str, errors: list[str], source: str = SOURCE) -> list[dict]:
    """Every event of one turn: the prompt, each assistant message's response,
    its tools (with what they touched), and the turn span around them."""
    info = src.session(sid) or {}
    root, parent_span, depth = sid, None, 0
    while depth < 8:  # a subagent's session goes inside its task call, up to the root session
        link = src.task_call(root)
        if link is None:
            break
        if parent_span is None:
            parent_span = f"tool:{link[1]}"
        root, depth = link[0], depth + 1
    root_info = src.session(root) or info
    b = SessionBuilder(None, source, root)
    b.s["sid"] = root
    b.s["cwd"] = root_info.get("directory")
    b.s["title"] = root_info.get("title") or None
    msgs = src.turn(sid, user_id)
    user = next((m for ref, m in msgs if m.get("id", user_id) == user_id and m.get("role") == "user"), None)
    created = ((user or {}).get("time") or {}).get("created")
    b.s["turnNo"] = src.turn_number(sid, user_id, created) - 1
    text = " ".join(
        p.get("text", "")
        for _, p in src.parts(user_id)
        if p.get("type") == "text" and not p.get("synthetic") and isinstance(p.get("text"), str)
    )
    model = (user or {}).get("model") if isinstance((user or {}).get("model"), dict) else {}
    b.prompt(user_id, text, created, {"agent": (user or {}).get("agent")})
    if parent_span is not None:
        b.s["turn"]["name"] = f"Subagent: {info.get('title') or excerpt_id(sid)}"
    for ref, m in msgs:
        if m.get("role") != "assistant":
            continue
        try:
            _assistant(b, src, m, model)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(f"{src.label}: {ref}: unexpected assistant message shape ({exc})")
    events = b.finish()
    if parent_span is not None:
        for e in events:
            if e["id"] == f"turn:{user_id}":
                e["parentId"] = parent_span
    return events


def excerpt_id(sid: str) -> str:
    return sid[:12]


def _assistant(b: SessionBuilder, src: Source, m: dict, user_model: dict) -> None:
    mid = m["id"]
    t = m.get("time") or {}
    start, done = t.get("created"), t.get("completed")
    parts = [p for _, p in src.parts(mid)]
    tools = [p for p in parts if p.get("type") == "tool" and isinstance(p.get("state"), dict)]
    starts = [p["state"].get("time", {}).get("start") for p in tools]
    starts = [s for s in starts if isinstance(s, (int, float))]
    first_tool = min(starts) if starts else None
    end = first_tool if first_tool is not None and (done is None or first_tool < done) else done
    tok = opencode_tokens(m.get("tokens"))
    extra: dict[str, Any] = {"agent": m.get("agent"), "finish": m.get("finish")}
    if tok is not None:
        extra["reasoningTokens"] = tok[1]
    if isinstance(m.get("cost"), (int, float)) and m["cost"] > 0:
        extra["costUsd"] = float(m["cost"])
    err = m.get("error")
    if isinstance(err, dict):
        extra["status"] = "error"
        extra["error"] = str((err.get("data") or {}).get("message") or err.get("name"))[:300]
    text = "\n".join(p.get("text", "") for p in parts if p.get("type") == "text" and isinstance(p.get("text"), str))
    b.response(
        mid,
        end if end is not None else start,
        tok[0] if tok else None,
        m.get("modelID") or user_model.get("modelID"),
        m.get("providerID") or user_model.get("providerID"),
        text,
        start=start,
        extra=extra,
    )
    last_end = None
    for p in tools:
        st = p["state"]
        name = p.get("tool") or "tool"
        tt = st.get("time") or {}
        key = p.get("callID") or p.get("id")
        if st.get("status") in ("pending", "running"):
            b.tool_start(key, name, st.get("input"), tt.get("start"))
            continue
        meta = st.get("metadata") if isinstance(st.get("metadata"), dict) else {}
        failed_exit = isinstance(meta.get("exit"), int) and meta["exit"] != 0  # bash: completed, but the command failed
        ok = st.get("status") == "completed" and not failed_exit
        out = st.get("output") if isinstance(st.get("output"), str) else None
        error = (out or f"exit code {meta['exit']}") if failed_exit else str(st.get("error"))
        b.tool(
            key,
            name,
            st.get("input"),
            tt.get("start"),
            tt.get("end"),
            ok,
            None if ok else error,
            _io(name, st.get("input")),
            out,
            {"title": st.get("title"), "subagentSession": meta.get("sessionId")},
            wait=name == "question",
        )
        if isinstance(tt.get("end"), (int, float)):
            last_end = max(last_end or 0, tt["end"])
    if last_end is not None and isinstance(done, (int, float)) and done > last_end:
        b.response(
            mid + ":after-tools",
            done,
            None,
            m.get("modelID"),
            m.get("providerID"),
            None,
            start=last_end,
            name="Response (after tools)",
            extra={"text": "the same message after its tool calls"},
        )
    for p in parts:
        if p.get("type") == "compaction":
            b.marker(f"compact:{p.get('id')}", "Context compacted", start, {"compaction": True})


# -- the SQLite database -----------------------------------------------------------
class DbSource(Source):
    def __init__(self, con: sqlite3.Connection, label: str, errors: list[str]):
        self.con, self.label, self.errors = con, label, errors
        self._sessions: dict[str, dict | None] = {}
        self._links: dict[str, tuple[str, str] | None] = {}

    def _json(self, table: str, rowid: int, raw: Any) -> dict | None:
        try:
            d = json_loads(raw)
        except (JSONDecodeError, TypeError) as exc:
            self.errors.append(f"{self.label}: {table}:{rowid}: invalid JSON ({exc})")
            return None
        if not isinstance(d, dict):
            self.errors.append(f"{self.label}: {table}:{rowid}: expected a JSON object")
            return None
        return d

    def session(self, sid: str) -> dict | None:
        if sid not in self._sessions:
            row = self.con.execute(
                "SELECT id, parent_id, directory, title FROM session WHERE id = ?", (sid,)
            ).fetchone()
            self._sessions[sid] = dict(zip(("id", "parentID", "directory", "title"), row)) if row else None
        return self._sessions[sid]

    def turn(self, sid: str, user_id: str) -> list[tuple[str, dict]]:
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

    def parts(self, message_id: str) -> list[tuple[str, dict]]:
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
            "SELECT count(*) FROM message WHERE session_id = ? AND json_valid(data) AND json_extract(data, '$.role') = 'user'"
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


def import_db(path: Path, cursor: dict | None) -> ImportResult:
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
        for mid, (sid, prow) in pending_messages.items():
            row = con.execute("SELECT rowid, data FROM message WHERE id = ?", (mid,)).fetchone()
            if row is None:
                continue  # the part came before its message: read with the message
            d = src._json("message", row[0], row[1])
            if d is not None:
                uid = mid if d.get("role") == "user" else d.get("parentID")
                if isinstance(uid, str):
                    turns[(sid, uid)] = None
        events: list[dict] = []
        source = source_of(path)
        for sid, uid in turns:
            events.extend(build_turn(src, sid, uid, errors, source))
    except sqlite3.OperationalError as exc:  # busy or locked: nothing is lost, the next change reads it
        return ImportResult([], [f"{label}: database busy, read again later ({exc})"], cur)
    finally:
        con.close()
    cur.update(mark=new_mark, markIds=sorted(new_ids), offset=new_mark)
    return ImportResult(events, list(dict.fromkeys(errors)), cur)


def import_opencode(path: Path, cursor: dict | None = None, max_bytes: int | None = None) -> ImportResult:
    path = Path(path)
    if path.suffix == ".db":
        return import_db(path, cursor)
    from .opencode_storage import import_storage

    return import_storage(path, cursor)
