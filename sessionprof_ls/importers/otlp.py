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

from collections.abc import Callable, Iterator
from typing import Any

from .common import as_obj, as_str, excerpt, make_event
from .otlp_claude_code import CLAUDE_CODE_SPANS, claude_code_span, drop_execution_spans
from .otlp_logs import log_to_event
from .otlp_values import attrs, first, json_args, nanos_to_ms, normalize_id, to_int
from .skeleton import RecordReader

__all__ = ["normalize_id", "otlp_to_events"]
_LLM_OPS = {"chat", "text_completion", "generate_content", "completion", "embeddings", "responses"}
_TOOL_OPS = {"execute_tool"}
_AGENT_OPS = {"invoke_agent", "create_agent", "workflow"}


def _tokens_including_cache(a: dict[str, Any]) -> dict[str, Any] | None:
    """gen_ai / OpenInference usage (input counts cache) -> contract tokens (uncached input)."""
    total_in = to_int(first(a, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"))
    out = to_int(first(a, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"))
    cr = (
        to_int(
            first(
                a,
                "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.cache_read_input_tokens",
                "llm.token_count.prompt_details.cache_read",
            )
        )
        or 0
    )
    cw = (
        to_int(
            first(
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


def _span_type(a: dict[str, Any], name: str, kind: Any) -> str:
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


def _session_of(a: dict[str, Any], res: dict[str, Any], fallback: str) -> str:
    v = first(a, "session.id", "gen_ai.conversation.id", "session_id", "gen_ai.session.id")
    if v is None:
        v = first(res, "session.id", "gen_ai.conversation.id")
    return str(v) if v is not None else fallback


class OtlpReader(RecordReader):
    """One OTLP/JSON body to events: the importers' record skeleton (each span or log record
    read alone, a bad one named by its place in the body), without a transcript's cursor and
    turn bookkeeping: a body is whole, and spans name their own parents."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def _list(self, value: Any, where: str) -> list[Any]:
        """A level of the OTLP tree that must be a list: anything else is named and skipped."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append(f"{where}: not a list")
            return []
        return value

    def _dict(self, value: Any, where: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.errors.append(f"{where}: not an object")
        return None

    def _records(
        self, body: dict[str, Any], top: str, scopes: tuple[str, ...], leaf: str
    ) -> Iterator[tuple[str, Any, dict[str, Any], Any]]:
        """(where, record, resource attributes, service.name) for each record under `top`."""
        for ri, rs in enumerate(self._list(body.get(top), top)):
            if self._dict(rs, f"{top}[{ri}]") is None:
                continue
            res: dict[str, Any] = {}
            if rs.get("resource") is not None:
                res = attrs((self._dict(rs["resource"], f"{top}[{ri}].resource") or {}).get("attributes"))
            key = next((k for k in scopes if k in rs), scopes[0])
            for si, ss in enumerate(self._list(rs.get(key), f"{top}[{ri}].{key}")):
                if self._dict(ss, f"{top}[{ri}].{key}[{si}]") is None:
                    continue
                for pi, rec in enumerate(self._list(ss.get(leaf), f"{top}[{ri}].{key}[{si}].{leaf}")):
                    yield f"{top}[{ri}].{scopes[0]}[{si}].{leaf}[{pi}]", rec, res, res.get("service.name")

    def _take(self, where: str, fn: Callable[..., dict[str, Any] | str | None], *args: Any) -> None:
        ev = self.record(where, "", fn, *args)
        if isinstance(ev, str):
            self.errors.append(f"{where}: {ev}")
        elif ev is not None:
            self.events.append(ev)

    def spans(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        for where, sp, res, service in self._records(
            body, "resourceSpans", ("scopeSpans", "instrumentationLibrarySpans"), "spans"
        ):
            self._take(where, _span_event, sp, res, service)
        return drop_execution_spans(self.events)

    def logs(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        for where, rec, res, _service in self._records(body, "resourceLogs", ("scopeLogs",), "logRecords"):
            if isinstance(rec, dict):
                self._take(where, log_to_event, rec, res)
            else:
                self.errors.append(f"{where}: not an object")
        return self.events


def _span_event(sp: Any, res: dict[str, Any], service: Any) -> dict[str, Any] | str:
    """One span: an event, or what is wrong with it."""
    if not isinstance(sp, dict):
        return "not an object"
    span_id = normalize_id(sp.get("spanId"), 8)
    trace_id = normalize_id(sp.get("traceId"), 16)
    if not span_id:
        return "missing or invalid spanId"
    start = nanos_to_ms(sp.get("startTimeUnixNano"))
    if start is None:
        return "missing or invalid startTimeUnixNano"
    end = nanos_to_ms(sp.get("endTimeUnixNano"))
    a = attrs(sp.get("attributes"))
    name = as_str(sp.get("name")) or "span"
    cc = CLAUDE_CODE_SPANS.get(name)
    etype = cc if cc is not None else _span_type(a, name, sp.get("kind"))
    parent = normalize_id(sp.get("parentSpanId"), 8)
    sid = _session_of(a, res, trace_id or "otlp")
    meta: dict[str, Any] = {"source": "otlp", "traceId": trace_id, "service": service}
    model = first(a, "gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
    if model is not None:
        meta["model"] = str(model)
    provider = first(a, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    if provider is not None:
        meta["provider"] = str(provider)
    tokens = _tokens_including_cache(a) if cc is None else None
    if tokens is not None:
        meta["tokens"] = tokens
    cost = first(a, "gen_ai.usage.cost", "llm.cost.total", "cost_usd")
    if isinstance(cost, (int, float)) and cost >= 0:
        meta["costUsd"] = float(cost)
    tool = first(a, "gen_ai.tool.name", "tool.name")
    if tool is not None:
        meta["toolName"] = str(tool)
    args = first(a, "gen_ai.tool.call.arguments", "tool.parameters", "input.value")
    if etype == "tool_execution" and args is not None:
        meta["args"] = json_args(args)
    url = first(a, "url.full", "http.url")
    if url is not None:
        meta["url"] = str(url)
    path = first(a, "file.path", "code.filepath")
    if path is not None:
        meta["filePath"] = str(path)
    status = as_obj(sp.get("status"))
    code = status.get("code")
    if code in (2, "STATUS_CODE_ERROR", "2"):
        meta["status"] = "error"
        meta["error"] = excerpt(status.get("message") or a.get("error.type") or "error")
    elif code in (1, "STATUS_CODE_OK", "1") or end is not None:
        meta["status"] = "ok"
    text = first(a, "gen_ai.prompt", "output.value", "gen_ai.completion")
    if isinstance(text, str):
        meta["text"] = excerpt(text)
    if parent is None:
        title = first(a, "gen_ai.conversation.title", "session.title")
        if title is not None:
            meta["sessionTitle"] = excerpt(str(title), 120)
    if cc is not None:
        name = claude_code_span(name, a, meta)
    return make_event(sid, span_id, parent, etype, name, start, end, meta)


def otlp_to_events(body: Any, kind: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Convert an OTLP/JSON request body. kind is "traces" or "logs"."""
    if not isinstance(body, dict):
        return [], [f"OTLP {kind} body must be a JSON object, got {type(body).__name__}"]
    reader = OtlpReader()
    if kind == "traces":
        return reader.spans(body), reader.errors
    if kind == "logs":
        return reader.logs(body), reader.errors
    return [], [f"unknown OTLP kind {kind!r} (expected 'traces' or 'logs')"]
