"""One OpenCode/Kilo turn as events, whichever store holds it (the SQLite database in
opencode.py, the older JSON storage in opencode_storage.py): the prompt, each assistant
message's response, its tools with what they touched, and the turn span around them; a
subagent's turn inside its task call. Both stores read through `Source`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .builder import BuilderState, Outcome, SessionBuilder
from .common import JSONDecodeError, as_obj, opt_str

SOURCE = "opencode"
_READ = {"read"}
_WRITE = {"edit", "write", "patch", "multiedit"}
_NET = {"webfetch", "websearch", "fetch"}


def _num(v: Any) -> int:
    return max(int(v), 0) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def opencode_tokens(t: Any) -> tuple[dict[str, Any], int] | None:
    if not isinstance(t, dict):
        return None
    cache = as_obj(t.get("cache"))
    inp, out, reasoning = _num(t.get("input")), _num(t.get("output")), _num(t.get("reasoning"))
    cr, cw = _num(cache.get("read")), _num(cache.get("write"))
    if not (inp or out or reasoning or cr or cw):
        return None
    return {"input": inp, "output": out + reasoning, "cacheRead": cr, "cacheWrite": cw}, reasoning


def _io(tool: str, args: Any) -> list[Any]:
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


class Source(Protocol):
    """What the turn builder needs, from the database or from the JSON storage."""

    label: str

    def session(self, sid: str) -> dict[str, Any] | None: ...
    def turn(self, sid: str, user_id: str) -> list[tuple[str, dict[str, Any]]]: ...  # (row ref, message) in order
    def parts(self, message_id: str) -> list[tuple[str, dict[str, Any]]]: ...
    def turn_number(self, sid: str, user_id: str, created: Any) -> int: ...
    def task_call(self, child_sid: str) -> tuple[str, str] | None: ...  # (parent session, callID)


def json_object(load: Callable[[], Any], where: str, errors: list[str]) -> dict[str, Any] | None:
    """One JSON object from the database or a storage file, else one error naming where."""
    try:
        d = load()
    except (OSError, JSONDecodeError, TypeError) as exc:
        errors.append(f"{where}: invalid JSON ({exc})")
        return None
    if not isinstance(d, dict):
        errors.append(f"{where}: expected a JSON object")
        return None
    return d


def source_of(path: Path) -> str:
    """The Kilo CLI writes OpenCode's schema to kilo.db (under ~/.local/share/kilo)."""
    return "kilo-cli" if path.name == "kilo.db" or "kilo" in path.parts else SOURCE


def build_turn(src: Source, sid: str, user_id: str, errors: list[str], source: str = SOURCE) -> list[dict[str, Any]]:
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
    b = SessionBuilder(None, source, root, BuilderState)
    b.s.sid = root
    b.s.cwd = root_info.get("directory")
    b.s.title = root_info.get("title") or None
    msgs = src.turn(sid, user_id)
    user = next((m for ref, m in msgs if m.get("id", user_id) == user_id and m.get("role") == "user"), None)
    created = ((user or {}).get("time") or {}).get("created")
    b.s.turnNo = src.turn_number(sid, user_id, created) - 1
    text = " ".join(
        p.get("text", "")
        for _, p in src.parts(user_id)
        if p.get("type") == "text" and not p.get("synthetic") and isinstance(p.get("text"), str)
    )
    model = as_obj((user or {}).get("model"))
    b.prompt(user_id, text, created, {"agent": (user or {}).get("agent")})
    if parent_span is not None and b.s.turn is not None:
        b.s.turn.name = f"Subagent: {info.get('title') or excerpt_id(sid)}"
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


def _assistant(b: SessionBuilder[BuilderState], src: Source, m: dict[str, Any], user_model: dict[str, Any]) -> None:
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
        key = str(p.get("callID") or p.get("id"))
        if st.get("status") in ("pending", "running"):
            b.tool_start(key, name, st.get("input"), tt.get("start"))
            continue
        meta = as_obj(st.get("metadata"))
        failed_exit = isinstance(meta.get("exit"), int) and meta["exit"] != 0  # bash: completed, but the command failed
        ok = st.get("status") == "completed" and not failed_exit
        out = opt_str(st.get("output"))
        error = (out or f"exit code {meta['exit']}") if failed_exit else str(st.get("error"))
        b.tool(
            key,
            name,
            st.get("input"),
            tt.get("start"),
            tt.get("end"),
            Outcome(
                ok,
                None if ok else error,
                _io(name, st.get("input")),
                out,
                {"title": st.get("title"), "subagentSession": meta.get("sessionId")},
            ),
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
