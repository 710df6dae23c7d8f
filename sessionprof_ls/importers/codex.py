"""OpenAI Codex CLI rollout importer (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Lines are `{timestamp, type, payload}` with type `session_meta`, `turn_context`
(model), `response_item` (messages, reasoning, function/custom tool calls and their
outputs) and `event_msg` (`user_message`, `agent_message`, `token_count`, ...).

Tokens: `token_count.info.total_token_usage` is cumulative; each increase is one
model request (an `ai_response`). A total equal to or below the last one seen is a
re-emission or a replay (resumed sessions) and is ignored. OpenAI's
`input_tokens` includes `cached_input_tokens`; the contract's `input` is uncached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .codex_output import _USER_WAIT, _command_of, _file_read_of, _parse_output, _patch_targets
from .common import (
    ImportResult,
    JSONDecodeError,
    as_obj,
    as_str,
    excerpt,
    is_folder,
    json_loads,
    make_event,
    parse_ts,
    short_args,
    split_permission_wait,
)
from .skeleton import JsonState, OpenCall, ParserState, TranscriptParser, Turn, read_lines

SOURCE = "codex"


_COUNTS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


@dataclass
class Call(OpenCall):
    """A tool call waiting for its output."""

    patch: list[tuple[str, int | None]] | None = None  # apply_patch: (path, first changed line) per file


@dataclass
class Totals(JsonState):
    """The last cumulative token_count (OpenAI's names: input includes cached input)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0


@dataclass
class CodexState(ParserState):
    NESTED: ClassVar[dict[str, type[JsonState]]] = {"turn": Turn, "total": Totals}
    TABLES: ClassVar[dict[str, type[JsonState]]] = {"calls": Call}

    model: str | None = None
    provider: str = "openai"
    trig: float | None = None  # when the current request was triggered (prompt or tool output)
    total: Totals | None = None  # the last cumulative token_count seen
    calls: dict[str, Call] = field(default_factory=dict)  # open tool calls by call id
    pendingText: str | None = None  # the assistant text waiting for its token_count


class CodexParser(TranscriptParser[CodexState]):
    """Turns Codex rollout lines into events; `state` is JSON-serialisable."""

    SOURCE = SOURCE

    def __init__(self, state: dict[str, Any] | None, path: str):
        super().__init__(state, path, CodexState)

    def _turn_id(self) -> str | None:
        return self.s.turn.id if self.s.turn else None

    def _turn_meta(self, turn: Turn) -> dict[str, Any]:
        return {**super()._turn_meta(turn), "model": self.s.model}

    def _line(self, d: dict[str, Any], line_no: int) -> None:
        s = self.s
        t = d.get("type")
        p = d.get("payload")
        ts = parse_ts(d.get("timestamp"))
        if ts is None:
            ts = s.lastTs
        else:
            s.lastTs = ts
        if not isinstance(p, dict):
            if t in ("session_meta", "turn_context", "response_item", "event_msg"):
                raise ValueError("'payload' is not an object")
            return
        if t == "session_meta":
            if s.sid is None and isinstance(p.get("id"), str):
                s.sid = p["id"]
            if isinstance(p.get("cwd"), str):
                s.cwd = s.cwd or p["cwd"]
            if isinstance(p.get("model_provider"), str):
                s.provider = p["model_provider"]
        elif t == "turn_context":
            if isinstance(p.get("model"), str):
                s.model = p["model"]
            if isinstance(p.get("cwd"), str) and s.cwd is None:
                s.cwd = p["cwd"]
        elif t == "event_msg":
            et = p.get("type")
            if et == "user_message":
                self._user_message(p, ts, line_no)
            elif et == "token_count":
                self._token_count(p, ts, line_no)
            elif et == "agent_message" and isinstance(p.get("message"), str):
                s.pendingText = s.pendingText or excerpt(p["message"])
            elif et in ("context_compacted", "compacted"):
                self._compaction(ts, line_no)
        elif t == "response_item":
            it = p.get("type")
            if it in ("function_call", "custom_tool_call", "local_shell_call"):
                self._call(p, ts, line_no)
            elif it in ("function_call_output", "custom_tool_call_output"):
                self._output(p, ts)
            elif it == "message" and p.get("role") == "assistant":
                for block in p.get("content") or ():
                    if isinstance(block, dict) and isinstance(block.get("text"), str) and block["text"].strip():
                        s.pendingText = s.pendingText or excerpt(block["text"])
                        break
            elif it == "web_search_call":
                self._web_search(p, ts, line_no)
        elif t == "compacted":
            self._compaction(ts, line_no)

    def _compaction(self, ts: float | None, line_no: int) -> None:
        meta = {"compaction": True, "source": SOURCE, "workspace": self.s.cwd}
        self.out.put(make_event(self._sid(), f"compact:L{line_no}", None, "agent", "Context compacted", ts, ts, meta))

    def _user_message(self, p: dict[str, Any], ts: float | None, line_no: int) -> None:
        s = self.s
        text = as_str(p.get("message"))
        if s.turn is not None:
            self._emit_turn()
        s.turnNo += 1
        if s.title is None and text.strip():
            s.title = excerpt(text, 120)
        tid = f"turn:{ts:.0f}:{line_no}" if ts is not None else f"turn:L{line_no}"
        s.turn = Turn(tid, f"Turn {s.turnNo}: {excerpt(text, 60)}", ts, ts, excerpt(text))
        s.trig = ts
        self._touched_turn = True
        meta = {"text": excerpt(text), "sessionTitle": s.title, "source": SOURCE, "workspace": s.cwd}
        self.out.put(make_event(self._sid(), "prompt:" + tid[5:], tid, "user_input", "User prompt", ts, ts, meta))

    def _token_count(self, p: dict[str, Any], ts: float | None, line_no: int) -> None:
        s = self.s
        info = p.get("info")
        if not isinstance(info, dict):
            return
        total = info.get("total_token_usage")
        last = info.get("last_token_usage")
        if isinstance(total, dict):
            prev = s.total
            cur_total = int(total.get("total_tokens") or 0) or sum(
                int(total.get(k) or 0) for k in ("input_tokens", "output_tokens")
            )
            if prev is not None and cur_total <= prev.total_tokens:
                return  # re-emitted or replayed total
            delta = {k: int(total.get(k) or 0) - (getattr(prev, k) if prev else 0) for k in _COUNTS}
            s.total = Totals(**{k: int(total.get(k) or 0) for k in _COUNTS}, total_tokens=cur_total)
        elif isinstance(last, dict):
            delta = {k: int(last.get(k) or 0) for k in _COUNTS}
            cur_total = (s.total.total_tokens if s.total else 0) + delta["input_tokens"] + delta["output_tokens"]
        else:
            return
        if any(v < 0 for v in delta.values()):
            return
        self._ensure_turn(ts, f"turn:L{line_no}")
        s.respNo += 1
        cached = min(delta["cached_input_tokens"], delta["input_tokens"])
        tokens = {
            "input": delta["input_tokens"] - cached,
            "output": delta["output_tokens"],
            "cacheRead": cached,
            "cacheWrite": 0,
        }
        start = s.trig if s.trig is not None and ts is not None and s.trig <= ts else ts
        meta = {
            "model": s.model,
            "provider": s.provider,
            "tokens": tokens,
            "reasoningTokens": delta["reasoning_output_tokens"],
            "text": s.pendingText,
        }
        rid = f"resp:{cur_total}"
        self.out.put(
            make_event(self._sid(), rid, self._turn_id(), "ai_response", f"Response #{s.respNo}", start, ts, meta)
        )
        s.pendingText = None
        s.trig = ts
        self._touch_turn(ts)

    def _call(self, p: dict[str, Any], ts: float | None, line_no: int) -> None:
        s = self.s
        self._ensure_turn(ts, f"turn:L{line_no}")
        call_id = p.get("call_id") or p.get("id") or f"L{line_no}"
        name = p.get("name") or ("shell" if p.get("type") == "local_shell_call" else "tool")
        raw_args = p.get("arguments") if p.get("type") == "function_call" else p.get("input", p.get("action"))
        args: Any = raw_args
        if isinstance(raw_args, str) and raw_args.startswith("{"):
            try:
                args = json_loads(raw_args)
            except JSONDecodeError:
                args = raw_args
        args = short_args(args)
        full_input = raw_args if isinstance(raw_args, str) else None
        patch = _patch_targets(full_input) if name == "apply_patch" else None
        s.calls[call_id] = Call(name, ts, self._turn_id(), args, patch)
        etype = "user_input" if name in _USER_WAIT else "tool_execution"
        meta = {"toolName": name, "args": args}
        cmd = _command_of(name, args)
        if cmd:
            meta["text"] = excerpt(cmd, 200)  # what ran, for the slowest list and lenses
        self.out.put(make_event(self._sid(), "tool:" + call_id, self._turn_id(), etype, name, ts, None, meta))
        self._touch_turn(ts)

    def _web_search(self, p: dict[str, Any], ts: float | None, line_no: int) -> None:
        self._ensure_turn(ts, f"turn:L{line_no}")
        action = as_obj(p.get("action"))
        query = action.get("query")
        eid = "web:" + (p.get("id") or f"L{line_no}")
        meta = {"toolName": "web_search", "query": query, "url": action.get("url"), "status": "ok"}
        self.out.put(
            make_event(
                self._sid(),
                eid,
                self._turn_id(),
                "network_request",
                "web_search: " + excerpt(query or "", 80),
                ts,
                ts,
                meta,
            )
        )

    def _output(self, p: dict[str, Any], ts: float | None) -> None:
        s = self.s
        call_id = p.get("call_id")
        c = s.calls.pop(call_id, None) if isinstance(call_id, str) else None
        s.trig = ts
        if c is None or not isinstance(call_id, str):
            return
        sid = self._sid()
        name, start, parent, args = c.name, c.start, c.parent, c.args
        end = ts if ts is not None else start
        start = start if start is not None else end
        text, measured, exit_code, out_tokens = _parse_output(p.get("output"))
        failed = exit_code not in (None, 0) or text.startswith(("apply_patch verification failed", "error", "Error"))
        meta: dict[str, Any] = {"toolName": name, "args": args, "status": "error" if failed else "ok"}
        cmd = _command_of(name, args)
        if cmd:
            meta["text"] = excerpt(cmd, 200)
        if failed:
            meta["error"] = excerpt(text)
        if name in _USER_WAIT:
            self.out.put(make_event(sid, "tool:" + call_id, parent, "user_input", name, start, end, meta))
            self._touch_turn(ts)
            return
        real_start, wait_end = split_permission_wait(start, end, measured)
        if wait_end is not None:
            wmeta = {"toolName": name, "text": f"waiting before {name} ran (approval)"}
            self.out.put(
                make_event(sid, "wait:" + call_id, parent, "user_input", f"Approval: {name}", start, wait_end, wmeta)
            )
        children = []
        if c.patch:
            for i, (path, line) in enumerate(c.patch):
                m = {"filePath": path, "toolName": name, "status": meta["status"], "startLine": line, "endLine": line}
                children.append(
                    make_event(sid, f"tool:{call_id}:io{i}", "tool:" + call_id, "file_write", path, real_start, end, m)
                )
            meta["filePath"] = c.patch[0][0]
            if c.patch[0][1]:
                meta["startLine"] = c.patch[0][1]
        else:
            read = _file_read_of(_command_of(name, args), s.cwd)
            if read is not None and (is_folder(read[0], s.cwd) or (failed and "Is a directory" in text)):
                read = None  # `cat .` or `cat src/`: a folder, not a file read
            if read is not None:
                path, sl, el = read
                m = {"filePath": path, "toolName": name, "status": meta["status"], "startLine": sl, "endLine": el}
                if out_tokens is not None:
                    m["fileTokens"] = out_tokens
                children.append(
                    make_event(sid, f"tool:{call_id}:io0", "tool:" + call_id, "file_read", path, real_start, end, m)
                )
                meta["filePath"] = path
                meta["startLine"] = sl
        if out_tokens is not None:
            meta["outputTokens"] = out_tokens
        self.out.put(make_event(sid, "tool:" + call_id, parent, "tool_execution", name, real_start, end, meta))
        for ch in children:
            self.out.put(ch)
        self._touch_turn(ts)


def import_codex(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    path = Path(path)
    label = str(path)
    read = read_lines(path, cursor, max_bytes)
    parser = CodexParser(read.state, label)
    for n, raw in read.lines:
        parser.feed(n, raw, label)
    return read.result(parser.finish(), parser.errors, parser.s, SOURCE)
