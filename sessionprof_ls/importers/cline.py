"""Cline, Roo Code and Kilo Code tasks (VS Code globalStorage
`saoudrizwan.claude-dev` / `rooveterinaryinc.roo-cline` / `kilocode.kilo-code`, folder
`tasks/<task id>/`, and the Cline CLI's `~/.cline/data/tasks/<task id>/`).

`ui_messages.json` is the JSON array the extension rewrites whole on every change:
`{ts, type: "say"|"ask", say|ask, text, partial, modelInfo {providerId, modelId}, ...}`
(cline/cline src/shared/ExtensionMessage.ts, `ClineMessage`). Each model request is a
`say: "api_req_started"` whose text is the JSON `ClineApiReqInfo` {tokensIn, tokensOut,
cacheWrites, cacheReads, cost}, filled in when the request finishes; tools are
`say|ask: "tool"` (JSON `ClineSayTool` {tool, path, ...}) and `command` /
`command_output`; the prompt is `say: "task"`, later prompts `user_feedback`.
`task_metadata.json` names the models used (`model_usage`) when messages do not.

Tokens and cost per request as Cline counts them (its getApiMetrics sums
`api_req_started` and `deleted_api_reqs`); Roo Code's requests over the OpenAI protocol
count cache reads inside `tokensIn`, so those are taken out. Timing: every message has
its timestamp. A request runs from its `api_req_started` to the first message after its
streamed text; a tool from its message to the next request (its result goes back to the
model then), marked inferred; an approval asked for a command ends at its first output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .builder import IO, BuilderState, Outcome, SessionBuilder
from .common import EventBuffer, ImportResult, JSONDecodeError, as_str, excerpt, json_loads, read_document

_EXTENSIONS = {
    "saoudrizwan.claude-dev": "cline",
    "rooveterinaryinc.roo-cline": "roo-code",
    "kilocode.kilo-code": "kilo-code",
}
_READ = {"readFile"}
_WRITE = {"editedExistingFile", "newFileCreated", "fileDeleted", "appliedDiff", "insertContent", "searchAndReplace"}
_NET = {"webFetch", "webSearch"}
_STREAM = {
    "text",
    "reasoning",
    "api_req_retried",
    "info",
    "checkpoint_created",
    "task_progress",
    "hook_status",
    "hook_output_stream",
    "conditional_rules_applied",
    "shell_integration_warning",
}


def source_of(path: Path) -> str:
    for part in path.parts:
        if part in _EXTENSIONS:
            return _EXTENSIONS[part]
    return "cline"


def _info(text: Any) -> dict[str, Any]:
    if not isinstance(text, str):
        return {}
    try:
        d = json_loads(text)
    except JSONDecodeError:
        return {}
    return d if isinstance(d, dict) else {}


def cline_tokens(info: dict[str, Any]) -> dict[str, Any] | None:
    def num(k: str) -> int:
        v = info.get(k)
        return max(int(v), 0) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0

    tin, tout, cw, cr = num("tokensIn"), num("tokensOut"), num("cacheWrites"), num("cacheReads")
    if not (tin or tout or cw or cr):
        return None
    if info.get("apiProtocol") == "openai":  # Roo Code: tokensIn includes the cached part
        tin = max(tin - cr - cw, 0)
    return {"input": tin, "output": tout, "cacheRead": cr, "cacheWrite": cw}


def _io(tool: dict[str, Any]) -> list[Any]:
    name, path = tool.get("tool"), tool.get("path")
    if not isinstance(path, str) or not path:
        return []
    if name in _READ:
        return [("file_read", path, None, None)]
    if name in _WRITE:
        lines = tool.get("startLineNumbers")
        line = lines[0] if isinstance(lines, list) and lines and isinstance(lines[0], int) and lines[0] >= 1 else None
        return [("file_write", path, line, line)]
    if name in _NET:
        return [("network_request", path[:300], None, None)]
    return []


@dataclass
class Request:
    """The open API request: a span until the next request, tool or answer ends it."""

    key: str
    start: float
    info: dict[str, Any]  # Cline's api_req_started text (tokens, cost, cancelReason)
    model: str | None
    provider: str | None
    deleted: bool = False
    text: str | None = None
    ended: bool = False
    failed: str | None = None


@dataclass
class Tool:
    """The open tool call: from its ask/say to the next record; `ran` when its output began."""

    key: str
    name: str
    args: Any
    start: float
    ask: bool
    io: list[IO]
    ran: float | None = None
    error: str | None = None
    out: str | None = None


@dataclass
class Question:
    """A follow-up question waiting for the user's answer."""

    key: str
    start: float
    text: str


class ClineParser:
    def __init__(self, sid: str, source: str, models: list[dict[str, Any]]):
        self.b = SessionBuilder(None, source, sid, BuilderState)
        self.b.s.sid = sid
        self.models = sorted(
            (m for m in models if isinstance(m, dict) and isinstance(m.get("ts"), (int, float))), key=lambda m: m["ts"]
        )
        self.req: Request | None = None
        self.tool: Tool | None = None
        self.ask_wait: Question | None = None

    def _model_at(self, ts: float, info: Any) -> tuple[str | None, str | None]:
        if isinstance(info, dict) and isinstance(info.get("modelId"), str):
            return info["modelId"], info.get("providerId")
        best = None
        for m in self.models:
            if m["ts"] <= ts:
                best = m
        best = best or (self.models[0] if self.models else None)
        return (best.get("model_id"), best.get("model_provider_id")) if best else (None, None)

    def _emit_req(self, end: float | None) -> None:
        r = self.req
        if r is None:
            return
        info = r.info
        tokens = cline_tokens(info)
        extra: dict[str, Any] = {}
        if isinstance(info.get("cost"), (int, float)) and info["cost"] > 0:
            extra["costUsd"] = float(info["cost"])
        if info.get("cancelReason") or r.failed:
            extra["status"] = "error"
            extra["error"] = str(info.get("streamingFailedMessage") or info.get("cancelReason") or r.failed)
        if r.deleted:
            extra["text"] = "requests Cline deleted from the conversation (their usage still counts)"
        self.b.response(
            r.key,
            end,
            tokens,
            r.model,
            r.provider,
            r.text,
            start=r.start,
            extra=extra,
            name="Deleted requests" if r.deleted else None,
        )

    def _end_req(self, ts: float) -> None:
        if self.req is not None and not self.req.ended:
            self.req.ended = True
            self._emit_req(ts)

    def _close_tool(self, ts: float) -> None:
        t = self.tool
        if t is None:
            return
        self.tool = None
        start = t.start
        if t.ran is not None and t.ran > start:  # approval asked, then it ran
            self.b.wait(t.key, start, t.ran, f"approval for {t.name}", f"Approval: {t.name}")
            start = t.ran
        extra = {"includesApproval": True} if t.ask and t.ran is None else None
        self.b.tool(
            t.key,
            t.name,
            t.args,
            start,
            ts,
            Outcome(t.error is None, t.error, t.io, t.out, extra),
            inferred=True,
        )

    def _open_tool(self, key: str, name: str, args: Any, ts: float, ask: bool, io: list[IO]) -> None:
        self._close_tool(ts)
        self.tool = Tool(key, name, args, ts, ask, io)

    def message(self, m: dict[str, Any], i: int) -> None:
        ts = m.get("ts")
        if not isinstance(ts, (int, float)):
            raise ValueError("no 'ts'")
        kind = m.get("say") if m.get("type") == "say" else m.get("ask")
        text = as_str(m.get("text"))
        key = f"{int(ts)}"
        b = self.b
        if kind == "task":
            b.prompt(key, text, ts, {"images": len(m.get("images") or []) or None})
        elif kind == "user_feedback":
            if self.ask_wait is not None:
                w, self.ask_wait = self.ask_wait, None
                b.wait(w.key, w.start, ts, w.text + " → " + excerpt(text, 80), "Question to the user")
            else:
                self._end_req(ts)
                self._close_tool(ts)
                b.prompt(key, text, ts)
        elif kind in ("api_req_started", "deleted_api_reqs"):
            self._end_req(ts)
            self._close_tool(ts)
            model, provider = self._model_at(ts, m.get("modelInfo"))
            self.req = Request(key, ts, _info(text), model, provider, deleted=kind == "deleted_api_reqs")
            self._emit_req(ts)
            if kind == "deleted_api_reqs":
                self._end_req(ts)
        elif kind == "text" and b.s.turn is None and self.req is None:
            b.prompt(key, text, ts)  # Roo Code opens a task with its text as a `text` message
        elif kind in _STREAM:
            if kind == "text" and self.req is not None and self.req.text is None and text.strip():
                self.req.text = excerpt(text)
            if self.req is not None and not self.req.ended:
                self._emit_req(ts)  # streaming: the request is still running
        elif kind == "tool" or kind == "use_mcp_server" or kind == "browser_action_launch":
            self._end_req(ts)
            tool = _info(text)
            if kind == "use_mcp_server":
                name = f"mcp:{tool.get('serverName')}/{tool.get('toolName') or tool.get('uri')}"
            elif kind == "browser_action_launch":
                name, tool = "browser_action", {"url": text}
            else:
                name = tool.get("tool") or "tool"
            self._open_tool(key, name, tool, ts, m.get("type") == "ask", _io(tool))
        elif kind == "command":
            self._end_req(ts)
            self._open_tool(key, "execute_command", {"command": text}, ts, m.get("type") == "ask", [])
        elif kind == "command_output":
            if self.tool is not None and self.tool.name == "execute_command":
                if self.tool.ran is None and self.tool.ask:
                    self.tool.ran = ts
                self.tool.out = ((self.tool.out or "") + text)[-2000:]
        elif kind in ("error", "diff_error", "clineignore_error", "command_permission_denied"):
            if self.tool is not None:
                self.tool.error = excerpt(text) or kind
        elif kind == "api_req_failed":
            if self.req is not None:
                self.req.failed = excerpt(text) or "request failed"
                self.req.ended = False
                self._end_req(ts)
        elif kind == "followup":
            self._end_req(ts)
            q = _info(text)
            self.ask_wait = Question(key, ts, excerpt(q.get("question") or text, 120))
        elif kind in ("completion_result", "plan_mode_respond", "act_mode_respond"):
            self._end_req(ts)
            self._close_tool(ts)
            b.touch(ts)
        elif kind == "subagent_usage":
            info = _info(text)
            extra = (
                {"costUsd": float(info["cost"])}
                if isinstance(info.get("cost"), (int, float)) and info["cost"] > 0
                else {}
            )
            model, provider = self._model_at(ts, m.get("modelInfo"))
            b.response(
                f"sub{key}",
                ts,
                cline_tokens(info),
                model,
                provider,
                "usage of subagents",
                start=ts,
                name="Subagents",
                extra=extra,
            )

    def finish(self, last_ts: float | None) -> list[dict[str, Any]]:
        if self.req is not None and not self.req.ended:
            self._emit_req(last_ts)  # still streaming: up to the last message
        if self.tool is not None:  # still running: no end yet
            t = self.tool
            self.b.tool_start(t.key, t.name, t.args, t.start)
        return self.b.finish()


def import_cline(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    """`path` is a task's ui_messages.json, rewritten whole: read again when it
    changed, and send the events the new messages touched (the last one seen before
    may have been partial)."""
    path = Path(path)
    label = str(path)
    source = source_of(path)
    doc, stop, cur = read_document(path, cursor, "cline")
    if stop is not None:
        return stop
    if not isinstance(doc, list):
        return ImportResult(
            [], [f"{label}: not a Cline task (expected a JSON array of messages)"], dict(cursor or {}, format="cline")
        )
    meta = _task_metadata(path.parent)
    p = ClineParser(path.parent.name, source, meta.get("model_usage") or [])
    p.b.s.cwd = _workspace(path.parent)
    done = int((cursor or {}).get("messages", 0)) if cursor and cursor.get("inode") == cur["inode"] else 0
    out = p.b.out = _Tracking()
    errors: list[str] = []
    last_ts = None
    for i, m in enumerate(doc):
        out.index = i
        if not isinstance(m, dict):
            errors.append(f"{label}: [{i}]: expected a message object, got {type(m).__name__}")
            continue
        try:
            p.message(m, i)
            last_ts = m["ts"]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(f"{label}: [{i}]: unexpected {m.get('say') or m.get('ask')!r} message shape ({exc})")
    out.index = len(doc)
    events = p.finish(last_ts)
    if done and done <= len(doc):
        events = [e for e in events if out.touched.get(e["id"], len(doc)) >= done - 1]
        errors = [e for e in errors if _idx(e) >= done - 1]
    cur["messages"] = len(doc)
    return ImportResult(events, errors, cur)


class _Tracking(EventBuffer):
    """Remembers which message last changed each event: a re-read sends only those the
    new messages changed."""

    __slots__ = ("touched", "index")

    def __init__(self) -> None:
        super().__init__()
        self.touched: dict[str, int] = {}
        self.index = 0

    def put(self, ev: dict[str, Any]) -> None:
        self.touched[ev["id"]] = self.index
        super().put(ev)


def _idx(err: str) -> int:
    try:
        return int(err.split(": [", 1)[1].split("]", 1)[0])
    except (IndexError, ValueError):
        return 0


def _task_metadata(folder: Path) -> dict[str, Any]:
    try:
        d = json_loads((folder / "task_metadata.json").read_bytes())
    except (OSError, JSONDecodeError):
        return {}
    return d if isinstance(d, dict) else {}


def _workspace(task_dir: Path) -> str | None:
    """The folder the task ran in: Cline's task history (`<globalStorage>/state/
    taskHistory.json`, `cwdOnTaskInitialization`); the task folder itself does not say."""
    history = task_dir.parent.parent / "state" / "taskHistory.json"
    try:
        items = json_loads(history.read_bytes())
    except (OSError, JSONDecodeError):
        return None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("id") == task_dir.name:
            cwd = item.get("cwdOnTaskInitialization") or item.get("shadowGitConfigWorkTree")
            return cwd if isinstance(cwd, str) else None
    return None
