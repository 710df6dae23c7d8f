"""Gemini CLI chats (`~/.gemini/tmp/<project>/chats/session-*.json[l]`, or under
GEMINI_DATA_DIR as ccusage reads it).

Two formats: the 2025 JSON document `{sessionId, projectHash, startTime, lastUpdated,
messages: [...]}`, rewritten whole on every turn, and the 2026 append-only JSONL (a
header line, message lines, `{"$set": {...}}` header updates; a message line may be
written again with the same id when its tool calls complete: the later one wins).

Messages are `user`, `gemini` (content, thoughts with timestamps, `tokens`, `model`,
`toolCalls` each with its own completion `timestamp`), `info`, `error`, `warning`.

Tokens as ccusage counts them: `cached` is part of `input` when `total` equals
input + output + thoughts + tool (then subtracted), `tool` tokens are input, and
`thoughts` are billed as output; the contract's `output` holds output + thoughts (the
thoughts alone are in `reasoningTokens`). A message with all-zero tokens recorded none.
Timing: a response runs from the last boundary (prompt, tool completion) to its
message's timestamp; a tool from its request (the message) to its own timestamp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .builder import BuilderState, Outcome, SessionBuilder
from .common import (
    ImportResult,
    JSONDecodeError,
    as_str,
    block_text,
    json_loads,
    opt_str,
    parse_ts,
    read_document,
)
from .skeleton import feed_json_lines, read_lines

SOURCE = "gemini-cli"
PROVIDER = "google"
_READ = {"read_file": ("file_path", "absolute_path", "path")}
_WRITE = {"write_file": ("file_path",), "replace": ("file_path",), "edit": ("file_path",)}
_NET = {"google_web_search", "web_fetch", "web_search"}


def gemini_tokens(t: Any) -> tuple[dict[str, Any], int] | None:
    """(our four fields, thoughts) of a `tokens` object, or None when it recorded nothing."""
    if not isinstance(t, dict):
        return None

    def num(*keys: str) -> int:
        for k in keys:
            v = t.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return max(int(v), 0)
        return 0

    inp, out = num("input", "prompt"), num("output", "candidates")
    cached, thoughts, tool = num("cached"), num("thoughts", "reasoning"), num("tool")
    total = t.get("total")
    if cached > 0 and total == inp + out + thoughts + tool and total != inp + out + thoughts + tool + cached:
        inp -= min(inp, cached)
    if not (inp or out or cached or thoughts or tool):
        return None
    return {"input": inp + tool, "output": out + thoughts, "cacheRead": cached, "cacheWrite": 0}, thoughts


def _io(name: str, args: Any, display: Any, cwd: str | None) -> list[Any]:
    if not isinstance(args, dict):
        return []
    disp = display if isinstance(display, dict) else {}
    if name in _READ or name in _WRITE:
        path = opt_str(disp.get("filePath"))
        for k in _READ.get(name) or _WRITE[name]:
            if not path and isinstance(args.get(k), str):
                path = args[k]
        if not path:
            return []
        sl = el = None
        if name == "read_file" and isinstance(args.get("offset"), int):
            sl = args["offset"] + 1
            if isinstance(args.get("limit"), int) and args["limit"] > 0:
                el = sl + args["limit"] - 1
        return [("file_read" if name in _READ else "file_write", path, sl, el)]
    if name == "read_many_files" and isinstance(args.get("paths"), list):
        return [("file_read", p, None, None) for p in args["paths"][:50] if isinstance(p, str)]
    if name in _NET:
        target = args.get("url") or args.get("query") or args.get("prompt")
        return [("network_request", str(target)[:300], None, None)] if target else []
    return []


def _result_text(call: dict[str, Any]) -> str:
    out = []
    for part in call.get("result") or ():
        resp = ((part or {}).get("functionResponse") or {}).get("response") if isinstance(part, dict) else None
        if isinstance(resp, dict):
            v = resp.get("output", resp.get("error"))
            if isinstance(v, str):
                out.append(v)
    return "\n".join(out)


class GeminiParser:
    def __init__(self, state: dict[str, Any] | None, fallback_sid: str):
        self.b = SessionBuilder(state, SOURCE, fallback_sid, BuilderState)

    def header(self, d: dict[str, Any]) -> None:
        s = self.b.s
        if isinstance(d.get("sessionId"), str) and s.sid is None:
            s.sid = d["sessionId"]

    def message(self, m: dict[str, Any], key: str) -> None:
        b = self.b
        t = m.get("type")
        ts = parse_ts(m.get("timestamp"))
        mid = as_str(m.get("id"), key)
        if t == "user":
            text = block_text(m.get("displayContent")) or block_text(m.get("content"))
            b.prompt(mid, text, ts)
        elif t == "gemini":
            tok = gemini_tokens(m.get("tokens"))
            model = opt_str(m.get("model"))
            extra: dict[str, Any] = {}
            thoughts = m.get("thoughts")
            if isinstance(thoughts, list) and thoughts:
                extra["thoughtCount"] = len(thoughts)
            if tok is not None:
                extra["reasoningTokens"] = tok[1]
            b.response(mid, ts, tok[0] if tok else None, model, PROVIDER, block_text(m.get("content")), extra=extra)
            for i, call in enumerate(m.get("toolCalls") or ()):
                if not isinstance(call, dict):
                    raise ValueError(f"toolCalls[{i}] is not an object")
                name = as_str(call.get("name"), "tool")
                end = parse_ts(call.get("timestamp"))
                status = call.get("status")
                result = _result_text(call)
                ok = status in (None, "success")
                cid = as_str(call.get("id"), f"{mid}:{i}")
                if b.s.cwd is None:
                    b.s.cwd = _workspace_from(call.get("args"), call.get("resultDisplay"))
                b.tool(
                    f"{mid}:{cid}",
                    name,
                    call.get("args"),
                    ts,
                    end if end is not None else ts,
                    Outcome(
                        ok,
                        None if ok else (result or str(status)),
                        _io(name, call.get("args"), call.get("resultDisplay"), b.s.cwd),
                        result,
                        {"displayName": call.get("displayName"), "toolStatus": status},
                    ),
                )
        elif t in ("error", "warning", "info") and b.s.turn is not None:
            b.touch(ts)


def _workspace_from(args: Any, display: Any) -> str | None:
    """The project folder, when a tool was given a relative path and reported it absolute
    (the older JSON format does not record the folder it ran in)."""
    rel = args.get("file_path") if isinstance(args, dict) else None
    full = display.get("filePath") if isinstance(display, dict) else None
    if isinstance(rel, str) and isinstance(full, str) and rel and not rel.startswith("/") and full.startswith("/"):
        suffix = "/" + rel.lstrip("./")
        if full.endswith(suffix):
            return full[: -len(suffix)] or None
    return None


def _workspace(path: Path) -> str | None:
    """Gemini CLI writes the project's folder to `.project_root` beside `chats/` (newer versions)."""
    try:
        return (path.parent.parent / ".project_root").read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def import_gemini(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    path = Path(path)
    label = str(path)
    with open(path, "rb") as f:
        first = f.read(4096).lstrip()[:1]
    if path.suffix == ".json" or (first == b"{" and _is_document(path)):
        return _import_document(path, cursor)
    read = read_lines(path, cursor, max_bytes)
    p = GeminiParser(read.state, path.stem)
    if p.b.s.cwd is None:
        p.b.s.cwd = _workspace(path)
    errors: list[str] = []

    def handle(d: dict[str, Any], n: int) -> None:
        if "type" in d:
            p.message(d, f"L{n}")
        elif "sessionId" in d:
            p.header(d)

    feed_json_lines(read.lines, label, handle, errors)
    return read.result(p.b.finish(), errors, p.b.s, SOURCE)


def _is_document(path: Path) -> bool:
    with open(path, "rb") as f:
        line = f.readline()
    try:
        d = json_loads(line)
    except JSONDecodeError:
        return True
    return isinstance(d, dict) and isinstance(d.get("messages"), list)


def _import_document(path: Path, cursor: dict[str, Any] | None) -> ImportResult:
    """The JSON format is rewritten whole: re-read it when it changed and send the
    messages from the last one already sent (it may have gained tool calls) on."""
    label = str(path)
    doc, stop, cur = read_document(path, cursor, SOURCE)
    if stop is not None:
        return stop
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        return ImportResult(
            [], [f"{label}: not a Gemini CLI session (no messages list)"], dict(cursor or {}, format=SOURCE)
        )
    done = int((cursor or {}).get("messages", 0)) if cursor and cursor.get("inode") == cur["inode"] else 0
    p = GeminiParser(None, path.stem)
    p.header(doc)
    p.b.s.cwd = _workspace(path)
    errors: list[str] = []
    messages = doc["messages"]
    resend_from = max(0, done - 1) if done <= len(messages) else 0
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            errors.append(f"{label}: messages[{i}]: expected an object, got {type(m).__name__}")
            continue
        try:
            p.message(m, f"M{i}")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(f"{label}: messages[{i}]: unexpected {m.get('type')!r} message shape ({exc})")
        if i < resend_from:
            p.b.out.events.clear()  # state is rebuilt; these were sent before
    events = p.b.finish()
    cur["messages"] = len(messages)
    return ImportResult(events, errors if done == 0 else [e for e in errors if _index(e) >= resend_from], cur)


def _index(err: str) -> int:
    try:
        return int(err.split("messages[", 1)[1].split("]", 1)[0])
    except (IndexError, ValueError):
        return 0
