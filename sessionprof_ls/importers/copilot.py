"""GitHub Copilot CLI sessions (`$COPILOT_HOME/session-state/<id>/events.jsonl`, default
`~/.copilot`, as ccusage reads them) and the 2025 legacy files
(`history-session-state/session_<id>.json`).

events.jsonl lines are `{type, data, id, timestamp, parentId}`: `session.start` (cwd),
`session.model_change`, `user.message`, `assistant.turn_start` / `assistant.turn_end`
(one model request each), `assistant.message` (text, `toolRequests`, its own
`outputTokens`), `tool.execution_start` / `tool.execution_complete` (paired by
`toolCallId`), `session.shutdown` (per-model usage, `totalApiDurationMs`, newer versions per-model
`totalNanoAiu`: GitHub AI credits, $0.01 each, kept as the agent's own cost).

Tokens as ccusage counts them: only `session.shutdown` carries input and cache use,
per model and cumulative over the session; a resumed session writes another shutdown
and each later one counts as its difference from the one before (a total that went
down restarted with a new process and counts whole). `inputTokens` there includes both
cache buckets: uncached input = input - cacheRead - cacheWrite. Per-request input is not
recorded, so each response keeps only its own `outputTokens` (as `reportedOutputTokens`)
and the usage is one zero-length `ai_response` per model at the shutdown.

The legacy files record no tokens and no tool start: a tool's span is the gap from the
previous record to its completion, marked as inferred (builder.MAX_INFERRED_MS bounds it).
Their timeline is read in time order: a resumed session wrote its records before the
older ones' last. Records after the agent had answered (a `copilot` text, the loop ended)
and more than MAX_INFERRED_MS later, with no `user` record, come from a prompt the file
did not keep (its chatMessages lack them): they open a turn of their own, so the wait
before them is the user away (idle), not a 25-minute `view`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .builder import MAX_INFERRED_MS, BuilderState, Outcome, SessionBuilder
from .common import (
    ImportResult,
    as_obj,
    as_str,
    excerpt,
    make_event,
    opt_str,
    parse_ts,
    read_document,
)
from .skeleton import feed_json_lines, read_lines

SOURCE = "copilot-cli"
_READ_CMDS = {"view"}
_WRITE_CMDS = {"create", "str_replace", "insert", "undo_edit"}
_NET = {"web_search", "web_fetch", "fetch"}
_WAIT = {"ask_user", "request_user_input"}
_DATETIME = re.compile(r"<current_datetime>.*?</current_datetime>", re.S)
NANO_AIU_USD = 0.01 / 1e9  # one AI credit (AIU) is billed at $0.01
_USAGE = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens")


def _listed(result: Any) -> bool:
    """A `view` of a folder: Copilot records its listing as a diff from /dev/null (a file's
    view diffs the file against itself)."""
    diff = result.get("detailedContent") or result.get("log") if isinstance(result, dict) else None
    return isinstance(diff, str) and "\n--- a/dev/null\n" in diff


def _io(name: str, args: Any, result: Any = None) -> list[Any]:
    """What a Copilot tool touched: `view`, `edit`, `create`, or the older
    `str_replace_editor` with a `command`. A folder's listing touched no file."""
    if not isinstance(args, dict):
        return []
    path = opt_str(args.get("path"))
    cmd = args.get("command") if name == "str_replace_editor" else name
    if path and cmd in _READ_CMDS and _listed(result):
        return []
    if path and cmd in _READ_CMDS:
        rng = args.get("view_range")
        sl = el = None
        if isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int) for x in rng) and rng[0] >= 1:
            sl, el = rng[0], (rng[1] if rng[1] >= rng[0] else None)
        return [("file_read", path, sl, el)]
    if path and (cmd in _WRITE_CMDS or name in ("edit", "create", "write")):
        line = args.get("insert_line") if isinstance(args.get("insert_line"), int) else None
        return [("file_write", path, line, line)]
    if name in _NET:
        target = args.get("url") or args.get("query")
        return [("network_request", str(target)[:300], None, None)] if target else []
    return []


def _result_text(result: Any) -> str:
    if isinstance(result, dict):
        for k in ("content", "detailedContent", "log"):
            v = result.get(k)
            if isinstance(v, str):
                return v
    return as_str(result)


@dataclass
class CopilotState(BuilderState):
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # model -> usage at the last shutdown
    shutdowns: int = 0


class CopilotParser:
    def __init__(self, state: dict[str, Any] | None, fallback_sid: str):
        self.b = SessionBuilder(state, SOURCE, fallback_sid, CopilotState)

    def line(self, d: dict[str, Any], n: int) -> None:
        b, s = self.b, self.b.s
        t = d.get("type")
        data = d.get("data")
        if not isinstance(data, dict):
            raise ValueError("'data' is not an object")
        ts = parse_ts(d.get("timestamp"))
        key = as_str(d.get("id"), f"L{n}")
        if t == "session.start":
            s.sid = s.sid or data.get("sessionId")
            ctx = as_obj(data.get("context"))
            s.cwd = s.cwd or ctx.get("cwd")
        elif t == "session.model_change":
            if isinstance(data.get("newModel"), str):
                s.model = data["newModel"]
        elif t == "user.message":
            text = as_str(data.get("content"))
            if not text.strip() and isinstance(data.get("transformedContent"), str):
                # autopilot's own nudge to go on: no words from the user
                text = "(automatic) " + _DATETIME.sub("", data["transformedContent"]).strip()
            b.prompt(key, text, ts, {"agentMode": data.get("agentMode")})
        elif t in ("assistant.turn_start", "assistant.turn_end"):
            if s.turn is not None:
                b.touch(ts)
            s.boundary = ts
        elif t == "assistant.message":
            reqs = data.get("toolRequests")
            reqs = reqs if isinstance(reqs, list) else []
            extra = {
                "reportedOutputTokens": data.get("outputTokens"),
                "requestId": data.get("requestId"),
                "toolRequests": len(reqs) or None,
            }
            b.response(data.get("messageId") or key, ts, None, s.model, None, data.get("content"), extra=extra)
        elif t == "tool.execution_start":
            call = data.get("toolCallId") or key
            b.tool_start(call, data.get("toolName") or "tool", data.get("arguments"), ts)
        elif t == "tool.execution_complete":
            call = data.get("toolCallId") or key
            started = s.tools.get(call)
            name = (started.name if started else None) or "tool"
            ok = data.get("success") is not False
            text = _result_text(data.get("result"))
            err = data.get("error")
            err_text = err.get("message") if isinstance(err, dict) else (err if isinstance(err, str) else text)
            b.tool_end(
                call,
                ts,
                Outcome(
                    ok,
                    None if ok else (err_text or "failed"),
                    _io(name, started.args if started else None, data.get("result")),
                    text,
                    {"model": data.get("model")},
                ),
            )
        elif t == "session.shutdown":
            self._shutdown(data, ts, key)
        elif t in ("session.compaction_complete", "session.truncation"):
            b.marker(f"compact:{key}", "Context compacted", ts, {"compaction": True})

    def _shutdown(self, data: dict[str, Any], ts: float | None, key: str) -> None:
        b, s = self.b, self.b.s
        s.shutdowns += 1
        metrics = as_obj(data.get("modelMetrics"))
        for model, m in metrics.items():
            usage = (m or {}).get("usage") if isinstance(m, dict) else None
            if not isinstance(usage, dict):
                continue
            cur = {k: max(int(usage.get(k) or 0), 0) for k in _USAGE}
            # GitHub AI credits the model used (newer versions): 1 AIU = $0.01, the agent's own cost
            aiu = m.get("totalNanoAiu")
            cur["nanoAiu"] = max(int(aiu), 0) if isinstance(aiu, (int, float)) and not isinstance(aiu, bool) else 0
            prev = s.usage.get(model)
            s.usage[model] = cur
            if prev is not None:
                delta = {k: cur[k] - prev.get(k, 0) for k in cur}
                cur = cur if any(v < 0 for v in delta.values()) else delta  # a restart counts whole
            if not any(cur.values()):
                continue
            cr, cw = cur["cacheReadTokens"], cur["cacheWriteTokens"]
            tokens = {
                "input": max(cur["inputTokens"] - cr - cw, 0),
                "output": cur["outputTokens"],
                "cacheRead": cr,
                "cacheWrite": cw,
            }
            req = (m.get("requests") or {}) if isinstance(m.get("requests"), dict) else {}
            meta = {
                "model": model,
                "tokens": tokens,
                "reasoningTokens": cur["reasoningTokens"],
                "requestCount": req.get("count"),
                "premiumRequests": req.get("cost"),
                "totalApiDurationMs": data.get("totalApiDurationMs"),
                "source": SOURCE,
                "text": f"usage Copilot reported at shutdown #{s.shutdowns} (per-request input is not recorded)",
            }
            # placed at the last request it covers, not at the shutdown (which may come
            # long after, the session idle): the span is zero-length either way
            at = b.since_boundary(ts)
            meta["reportedAt"] = ts
            if cur["nanoAiu"]:
                meta["nanoAiu"] = cur["nanoAiu"]
                meta["costUsd"] = cur["nanoAiu"] * NANO_AIU_USD
            b.out.put(
                make_event(
                    b.sid, f"usage:{key}:{model}", None, "ai_response", f"{model}: usage at shutdown", at, at, meta
                )
            )


def import_copilot(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    path = Path(path)
    if path.suffix == ".json":
        return _import_legacy(path, cursor)
    label = str(path)
    read = read_lines(path, cursor, max_bytes)
    fallback = path.parent.name if path.name == "events.jsonl" else path.stem
    p = CopilotParser(read.state, fallback)
    errors: list[str] = []
    feed_json_lines(read.lines, label, p.line, errors)
    return read.result(p.b.finish(), errors, p.b.s, SOURCE)


def _import_legacy(path: Path, cursor: dict[str, Any] | None) -> ImportResult:
    """`{sessionId, startTime, chatMessages, timeline}`, rewritten whole: read again when
    it changed (every id is stable, so what was sent before is only updated)."""
    label = str(path)
    doc, stop, cur = read_document(path, cursor, SOURCE + "-legacy")
    if stop is not None:
        return stop
    if not isinstance(doc, dict) or not isinstance(doc.get("timeline"), list):
        return ImportResult(
            [], [f"{label}: not a Copilot CLI session (no timeline)"], dict(cursor or {}, format=SOURCE + "-legacy")
        )
    b = SessionBuilder(None, SOURCE, path.stem.removeprefix("session_"), BuilderState)
    b.s.sid = opt_str(doc.get("sessionId"))
    b.s.boundary = parse_ts(doc.get("startTime"))
    errors: list[str] = []
    answered_at: float | None = None  # the agent's last text, while no record followed it
    for i, m, ts in _in_time_order(doc["timeline"]):
        if not isinstance(m, dict):
            errors.append(f"{label}: timeline[{i}]: expected an object, got {type(m).__name__}")
            continue
        try:
            key = as_str(m.get("id"), f"T{i}")
            t = m.get("type")
            if t in ("copilot", "tool_call_completed") and _unrecorded_prompt(answered_at, ts):
                b.prompt(f"unrecorded:{key}", UNRECORDED_PROMPT, ts, {"promptRecorded": False})
            if t in ("user", "copilot", "tool_call_completed"):
                answered_at = ts if t == "copilot" else None
            if t == "user":
                b.prompt(key, as_str(m.get("text")), ts)
            elif t == "copilot":
                b.response(key, ts, None, None, None, m.get("text"), extra={"timing": "inferred"})
            elif t == "tool_call_completed":
                name = m.get("name") or "tool"
                args = m.get("arguments")
                res = as_obj(m.get("result"))
                ok = res.get("type", "success") == "success"
                text = _result_text(res)
                b.tool(
                    m.get("callId") or key,
                    name,
                    args,
                    None,
                    ts,
                    Outcome(
                        ok,
                        None if ok else (text or "failed"),
                        _io(name, args, res),
                        text,
                        {"intentionSummary": excerpt(m.get("intentionSummary"))},
                    ),
                    inferred=True,
                    wait=name in _WAIT,
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(f"{label}: timeline[{i}]: unexpected {m.get('type')!r} entry shape ({exc})")
    return ImportResult(b.finish(), errors, cur)


UNRECORDED_PROMPT = "(prompt not recorded)"


def _in_time_order(timeline: list[Any]) -> list[tuple[int, Any, float | None]]:
    """(index, record, its timestamp) by timestamp, stable; a record without one keeps its
    place after the record before it."""
    keyed: list[tuple[float, int, Any, float | None]] = []
    last = float("-inf")
    for i, m in enumerate(timeline):
        ts = parse_ts(m.get("timestamp")) if isinstance(m, dict) else None  # parse_ts: None for no time
        last = ts if ts is not None else last
        keyed.append((last, i, m, ts))
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [(i, m, ts) for _, i, m, ts in keyed]


def _unrecorded_prompt(answered_at: float | None, ts: float | None) -> bool:
    """The agent had answered (its loop ended) and this record comes more than
    MAX_INFERRED_MS later with no prompt between: a prompt the file did not keep."""
    return answered_at is not None and ts is not None and ts - answered_at > MAX_INFERRED_MS
