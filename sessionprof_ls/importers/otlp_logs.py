"""Claude Code's OpenTelemetry log events (`claude_code.api_request`, `api_error`,
`tool_result`, `user_prompt`) as our events, for POST /v1/logs (otlp.py walks the body).

Token counts follow Anthropic semantics (`input_tokens` excludes cache). A log record is
written when its work ended: the span runs back `duration_ms` from its timestamp."""

from __future__ import annotations

import hashlib
from typing import Any

from .common import as_str, excerpt, make_event, parse_ts
from .otlp_values import anthropic_tokens, any_value, attrs, first, json_args, nanos_to_ms, split_ttft, to_int

_CC_EVENTS = {
    "api_request": "ai_response",
    "api_error": "ai_response",
    "tool_result": "tool_execution",
    "user_prompt": "user_input",
}


def _ms(v: Any) -> float:
    """A duration_ms attribute (a number or a decimal string), else 0."""
    if isinstance(v, (int, float)) or (isinstance(v, str) and v.replace(".", "", 1).isdigit()):
        return float(v)
    return 0.0


def log_to_event(rec: dict[str, Any], res: dict[str, Any]) -> dict[str, Any] | str | None:
    """One log record: an event, a problem (str), or None for a record that times no work."""
    a = attrs(rec.get("attributes"))
    body = any_value(rec.get("body"))
    ev_name = a.get("event.name") or (body if isinstance(body, str) else None)
    if not isinstance(ev_name, str):
        return None
    short = ev_name[len("claude_code.") :] if ev_name.startswith("claude_code.") else ev_name
    etype = _CC_EVENTS.get(short)
    if etype is None:
        return None  # tool_decision and other events carry no timed work
    ts_attr = a.get("event.timestamp")
    end = parse_ts(ts_attr) if isinstance(ts_attr, str) else None
    if end is None:
        end = nanos_to_ms(rec.get("timeUnixNano")) or nanos_to_ms(rec.get("observedTimeUnixNano"))
    if end is None:
        return "missing timestamp (event.timestamp / timeUnixNano)"
    start = end - _ms(a.get("duration_ms"))
    sid = str(first(a, "session.id") or first(res, "session.id") or "otlp")
    seq = a.get("event.sequence")
    key = f"{ev_name}|{sid}|{ts_attr or rec.get('timeUnixNano')}|{seq}|{a.get('tool_name')}|{a.get('model')}"
    eid = "log:" + hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:20]
    meta: dict[str, Any] = {"source": "otlp"}
    if etype == "ai_response":
        meta["model"] = a.get("model")
        meta["provider"] = "anthropic"
        if short == "api_request":
            meta["tokens"] = anthropic_tokens(a)
            split_ttft(a, meta)
            cost = a.get("cost_usd")
            try:
                if cost is not None and float(cost) >= 0:
                    meta["costUsd"] = float(cost)
            except (TypeError, ValueError):
                pass
            meta["status"] = "ok"
        else:
            meta["status"] = "error"
            meta["error"] = excerpt(str(a.get("error") or "API error"))
        name = "API request" if short == "api_request" else "API error"
    elif etype == "tool_execution":
        tool = str(a.get("tool_name") or "tool")
        meta["toolName"] = tool
        ok = str(a.get("success")).lower() in ("true", "1")
        meta["status"] = "ok" if ok else "error"
        if not ok and a.get("error"):
            meta["error"] = excerpt(str(a.get("error")))
        if a.get("tool_parameters") is not None:
            meta["args"] = json_args(a.get("tool_parameters"))
        name = tool
    else:
        meta["text"] = excerpt(as_str(a.get("prompt")))
        meta["promptLength"] = to_int(a.get("prompt_length"))
        name = "User prompt"
        start = end
    return make_event(sid, eid, None, etype, name, start, end, meta)
