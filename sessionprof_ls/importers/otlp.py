"""OTLP/JSON traces and logs to sessionprof events (for POST /v1/traces, /v1/logs).

Spans: OpenTelemetry gen_ai semantic conventions (`gen_ai.operation.name`,
`gen_ai.request.model`, `gen_ai.usage.input_tokens` which INCLUDES cached input,
`gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`,
`gen_ai.tool.name`, ...) and OpenInference (`openinference.span.kind`,
`llm.token_count.*`, `llm.model_name`, `tool.name`).
Logs: Claude Code's events (`claude_code.api_request`, `claude_code.tool_result`,
`claude_code.user_prompt`, `claude_code.api_error`), whose token counts follow
Anthropic semantics (`input_tokens` excludes cache).

OTLP/JSON ids are hex strings; some exporters send base64 (the protobuf JSON
mapping): both are accepted and turned into lowercase hex. 64-bit integers
(`intValue`, `*UnixNano`) arrive as strings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from .common import excerpt, json_loads, short_args
from .otlp_claude_code import CLAUDE_CODE_SPANS, claude_code_span, drop_execution_spans, split_ttft

_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_LLM_OPS = {"chat", "text_completion", "generate_content", "completion", "embeddings", "responses"}
_TOOL_OPS = {"execute_tool"}
_AGENT_OPS = {"invoke_agent", "create_agent", "workflow"}


def _any_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in v:
        try:
            return float(v["doubleValue"])
        except (TypeError, ValueError):
            return None
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [_any_value(x) for x in (v["arrayValue"] or {}).get("values") or ()]
    if "kvlistValue" in v:
        return _attrs((v["kvlistValue"] or {}).get("values"))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def _attrs(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for kv in items:
            if isinstance(kv, dict) and isinstance(kv.get("key"), str):
                out[kv["key"]] = _any_value(kv.get("value"))
    return out


def normalize_id(value: Any, nbytes: int) -> str | None:
    """A trace/span id as lowercase hex, from hex or base64 (None if empty/invalid)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == nbytes * 2 and _HEX_RE.match(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == nbytes:
        return raw.hex()
    if _HEX_RE.match(value):
        return value.lower()
    return None


def _nanos_to_ms(v: Any) -> float | None:
    if v is None or v == "" or v == 0 or v == "0":
        return None
    try:
        return int(v) / 1e6
    except (TypeError, ValueError):
        try:
            return float(v) / 1e6
        except (TypeError, ValueError):
            return None


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(float(v))
        except ValueError:
            return None
    return None


def _first(a: dict, *keys: str) -> Any:
    for k in keys:
        v = a.get(k)
        if v is not None and v != "":
            return v
    return None


def _tokens_including_cache(a: dict) -> dict | None:
    """gen_ai / OpenInference usage (input counts cache) -> contract tokens (uncached input)."""
    total_in = _int(_first(a, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"))
    out = _int(_first(a, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"))
    cr = (
        _int(
            _first(
                a,
                "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.cache_read_input_tokens",
                "llm.token_count.prompt_details.cache_read",
            )
        )
        or 0
    )
    cw = (
        _int(
            _first(
                a,
                "gen_ai.usage.cache_creation.input_tokens",
                "gen_ai.usage.cache_creation_input_tokens",
                "llm.token_count.prompt_details.cache_write",
            )
        )
        or 0
    )
    if total_in is None and out is None and not cr and not cw:
        return None
    total_in = total_in or 0
    return {"input": max(total_in - cr - cw, 0), "output": out or 0, "cacheRead": cr, "cacheWrite": cw}


def _span_type(a: dict, name: str, kind: Any) -> str:
    op = a.get("gen_ai.operation.name")
    oi = str(a.get("openinference.span.kind") or "").upper()
    if op in _LLM_OPS or oi in ("LLM", "EMBEDDING") or a.get("gen_ai.usage.output_tokens") is not None:
        return "ai_response"
    if op in _TOOL_OPS or oi == "TOOL" or "gen_ai.tool.name" in a or "tool.name" in a:
        return "tool_execution"
    if op in _AGENT_OPS or oi in ("AGENT", "CHAIN"):
        return "agent"
    if "http.request.method" in a or "http.method" in a or "url.full" in a or "http.url" in a:
        return "network_request"
    if "file.path" in a or "code.filepath" in a:
        return "file_read"
    return "agent"


def _session_of(a: dict, res: dict, fallback: str) -> str:
    v = _first(a, "session.id", "gen_ai.conversation.id", "session_id", "gen_ai.session.id")
    if v is None:
        v = _first(res, "session.id", "gen_ai.conversation.id")
    return str(v) if v is not None else fallback


def _list(value, where: str, errors: list[str]) -> list:
    """A level of the OTLP tree that must be a list: anything else is named and skipped."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(f"{where}: not a list")
        return []
    return value


def _dict(value, where: str, errors: list[str]) -> dict | None:
    if isinstance(value, dict):
        return value
    errors.append(f"{where}: not an object")
    return None


def _resource(parent: dict, where: str, errors: list[str]) -> dict:
    res = parent.get("resource")
    if res is None:
        return {}
    res = _dict(res, f"{where}.resource", errors) or {}
    return _attrs(res.get("attributes"))


def _spans_to_events(body: dict, errors: list[str]) -> list[dict]:
    events: list[dict] = []
    for ri, rs in enumerate(_list(body.get("resourceSpans"), "resourceSpans", errors)):
        if _dict(rs, f"resourceSpans[{ri}]", errors) is None:
            continue
        res = _resource(rs, f"resourceSpans[{ri}]", errors)
        service = res.get("service.name")
        key = "scopeSpans" if "scopeSpans" in rs else "instrumentationLibrarySpans"
        for si, ss in enumerate(_list(rs.get(key), f"resourceSpans[{ri}].{key}", errors)):
            if _dict(ss, f"resourceSpans[{ri}].{key}[{si}]", errors) is None:
                continue
            for pi, sp in enumerate(_list(ss.get("spans"), f"resourceSpans[{ri}].{key}[{si}].spans", errors)):
                where = f"resourceSpans[{ri}].scopeSpans[{si}].spans[{pi}]"
                try:
                    ev = _span_event(sp, res, service)
                except (TypeError, ValueError, AttributeError) as exc:
                    errors.append(f"{where}: {exc}")
                    continue
                if isinstance(ev, str):
                    errors.append(f"{where}: {ev}")
                else:
                    events.append(ev)
    return drop_execution_spans(events)


def _span_event(sp: Any, res: dict, service: Any) -> dict | str:
    if not isinstance(sp, dict):
        return "not an object"
    span_id = normalize_id(sp.get("spanId"), 8)
    trace_id = normalize_id(sp.get("traceId"), 16)
    if not span_id:
        return "missing or invalid spanId"
    start = _nanos_to_ms(sp.get("startTimeUnixNano"))
    if start is None:
        return "missing or invalid startTimeUnixNano"
    end = _nanos_to_ms(sp.get("endTimeUnixNano"))
    a = _attrs(sp.get("attributes"))
    name = sp.get("name") if isinstance(sp.get("name"), str) and sp.get("name") else "span"
    cc = CLAUDE_CODE_SPANS.get(name)
    etype = cc if cc is not None else _span_type(a, name, sp.get("kind"))
    parent = normalize_id(sp.get("parentSpanId"), 8)
    sid = _session_of(a, res, trace_id or "otlp")
    meta: dict[str, Any] = {"source": "otlp", "traceId": trace_id, "service": service}
    model = _first(a, "gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
    if model is not None:
        meta["model"] = str(model)
    provider = _first(a, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    if provider is not None:
        meta["provider"] = str(provider)
    tokens = _tokens_including_cache(a) if cc is None else None
    if tokens is not None:
        meta["tokens"] = tokens
    cost = _first(a, "gen_ai.usage.cost", "llm.cost.total", "cost_usd")
    if isinstance(cost, (int, float)) and cost >= 0:
        meta["costUsd"] = float(cost)
    tool = _first(a, "gen_ai.tool.name", "tool.name")
    if tool is not None:
        meta["toolName"] = str(tool)
    args = _first(a, "gen_ai.tool.call.arguments", "tool.parameters", "input.value")
    if etype == "tool_execution" and args is not None:
        if isinstance(args, str) and args.startswith("{"):
            try:
                args = json_loads(args)
            except ValueError:
                pass
        meta["args"] = short_args(args)
    url = _first(a, "url.full", "http.url")
    if url is not None:
        meta["url"] = str(url)
    path = _first(a, "file.path", "code.filepath")
    if path is not None:
        meta["filePath"] = str(path)
    status = sp.get("status") if isinstance(sp.get("status"), dict) else {}
    code = status.get("code")
    if code in (2, "STATUS_CODE_ERROR", "2"):
        meta["status"] = "error"
        meta["error"] = excerpt(status.get("message") or a.get("error.type") or "error")
    elif code in (1, "STATUS_CODE_OK", "1") or end is not None:
        meta["status"] = "ok"
    text = _first(a, "gen_ai.prompt", "output.value", "gen_ai.completion")
    if isinstance(text, str):
        meta["text"] = excerpt(text)
    if parent is None:
        title = _first(a, "gen_ai.conversation.title", "session.title")
        if title is not None:
            meta["sessionTitle"] = excerpt(str(title), 120)
    if cc is not None:
        name = claude_code_span(name, a, meta)
    ev: dict[str, Any] = {
        "sessionId": sid,
        "id": span_id,
        "parentId": parent,
        "type": etype,
        "name": name,
        "startTime": start,
    }
    if end is not None:
        ev["endTime"] = max(end, start)
    ev["metadata"] = {k: v for k, v in meta.items() if v is not None}
    return ev


_CC_EVENTS = {
    "api_request": "ai_response",
    "api_error": "ai_response",
    "tool_result": "tool_execution",
    "user_prompt": "user_input",
}


def _log_to_event(rec: dict, res: dict) -> dict | str | None:
    a = _attrs(rec.get("attributes"))
    body = _any_value(rec.get("body"))
    ev_name = a.get("event.name") or (body if isinstance(body, str) else None)
    if not isinstance(ev_name, str):
        return None
    short = ev_name[len("claude_code.") :] if ev_name.startswith("claude_code.") else ev_name
    etype = _CC_EVENTS.get(short)
    if etype is None:
        return None  # tool_decision and other events carry no timed work
    end = None
    ts_attr = a.get("event.timestamp")
    if isinstance(ts_attr, str):
        from .common import parse_ts

        end = parse_ts(ts_attr)
    if end is None:
        end = _nanos_to_ms(rec.get("timeUnixNano")) or _nanos_to_ms(rec.get("observedTimeUnixNano"))
    if end is None:
        return "missing timestamp (event.timestamp / timeUnixNano)"
    dur = a.get("duration_ms")
    numeric = isinstance(dur, (int, float)) or (isinstance(dur, str) and dur.replace(".", "", 1).isdigit())
    dur_f = float(dur) if numeric else 0.0
    start = end - dur_f
    sid = str(_first(a, "session.id") or _first(res, "session.id") or "otlp")
    seq = a.get("event.sequence")
    key = f"{ev_name}|{sid}|{ts_attr or rec.get('timeUnixNano')}|{seq}|{a.get('tool_name')}|{a.get('model')}"
    eid = "log:" + hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:20]
    meta: dict[str, Any] = {"source": "otlp"}
    if etype == "ai_response":
        meta["model"] = a.get("model")
        meta["provider"] = "anthropic"
        if short == "api_request":
            meta["tokens"] = {
                "input": _int(a.get("input_tokens")) or 0,
                "output": _int(a.get("output_tokens")) or 0,
                "cacheRead": _int(a.get("cache_read_tokens")) or 0,
                "cacheWrite": _int(a.get("cache_creation_tokens")) or 0,
            }
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
        params = a.get("tool_parameters")
        if isinstance(params, str) and params.startswith("{"):
            try:
                params = json_loads(params)
            except ValueError:
                pass
        if params is not None:
            meta["args"] = short_args(params)
        name = tool
    else:
        meta["text"] = excerpt(a.get("prompt") if isinstance(a.get("prompt"), str) else "")
        meta["promptLength"] = _int(a.get("prompt_length"))
        name = "User prompt"
        start = end
    ev = dict(sessionId=sid, id=eid, parentId=None, type=etype, name=name, startTime=start, endTime=end)
    ev["metadata"] = {k: v for k, v in meta.items() if v is not None}
    return ev


def _logs_to_events(body: dict, errors: list[str]) -> list[dict]:
    events: list[dict] = []
    for ri, rl in enumerate(_list(body.get("resourceLogs"), "resourceLogs", errors)):
        if _dict(rl, f"resourceLogs[{ri}]", errors) is None:
            continue
        res = _resource(rl, f"resourceLogs[{ri}]", errors)
        for si, sl in enumerate(_list(rl.get("scopeLogs"), f"resourceLogs[{ri}].scopeLogs", errors)):
            if _dict(sl, f"resourceLogs[{ri}].scopeLogs[{si}]", errors) is None:
                continue
            for li, rec in enumerate(
                _list(sl.get("logRecords"), f"resourceLogs[{ri}].scopeLogs[{si}].logRecords", errors)
            ):
                where = f"resourceLogs[{ri}].scopeLogs[{si}].logRecords[{li}]"
                if not isinstance(rec, dict):
                    errors.append(f"{where}: not an object")
                    continue
                try:
                    ev = _log_to_event(rec, res)
                except (TypeError, ValueError, AttributeError) as exc:
                    errors.append(f"{where}: {exc}")
                    continue
                if isinstance(ev, str):
                    errors.append(f"{where}: {ev}")
                elif ev is not None:
                    events.append(ev)
    return events


def otlp_to_events(body: Any, kind: str) -> tuple[list[dict], list[str]]:
    """Convert an OTLP/JSON request body. kind is "traces" or "logs"."""
    errors: list[str] = []
    if not isinstance(body, dict):
        return [], [f"OTLP {kind} body must be a JSON object, got {type(body).__name__}"]
    if kind == "traces":
        return _spans_to_events(body, errors), errors
    if kind == "logs":
        return _logs_to_events(body, errors), errors
    return [], [f"unknown OTLP kind {kind!r} (expected 'traces' or 'logs')"]
