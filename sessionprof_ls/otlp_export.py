"""A session as an OpenTelemetry trace, sent with the SDK's OTLP/HTTP (protobuf) exporter.

Teams already run a Collector in front of Tempo, ClickHouse, Jaeger or Phoenix, so we
speak OTLP to theirs. Shape (GenAI semantic conventions): one trace per session; an
`invoke_agent` span for the session and one per subagent, `chat {model}` per API
request, `execute_tool {tool}` per tool call; file reads/writes, network requests and
prompts keep their own names. Our own numbers go under `sessionprof.*`.

Ids are derived from the session and event ids (sha256), so sending a session again
gives the same spans: a collector or backend that keys on span ids keeps one copy.
Content (prompt text, tool arguments) only with `content=True`, redacted.

The OpenTelemetry SDK is imported inside the functions: the CLI and the server start
without it.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from .protocol import HTTP_TRACES
from .redact import redact, redact_text
from .tree import AGENT, AI, F_COMPACTION, F_ERROR, F_TOKENS, NET, TOOL, TYPES

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.util.types import AttributeValue

    from .analysis import Analysis
    from .engine import Engine

    Attrs = dict[str, AttributeValue]

SCOPE = "sessionprof"
BATCH = 512  # spans per export request
_ROOT = "\x00session"
_TIME_FIELDS = {  # summary field -> sessionprof.time.* attribute (milliseconds)
    "totalDuration": "total_ms",
    "activeTime": "active_ms",
    "idleTime": "idle_ms",
    "aiThinkingTime": "ai_ms",
    "toolExecutionTime": "tool_ms",
    "networkTime": "network_ms",
    "userWaitTime": "user_wait_ms",
    "hookTime": "hook_ms",
    "compactionTime": "compaction_ms",
    "agentOverheadTime": "agent_overhead_ms",
    "otherTime": "other_ms",
}


def trace_id(session_id: str) -> int:
    """128-bit trace id of a session (never 0)."""
    return int.from_bytes(hashlib.sha256(("sessionprof\x00" + session_id).encode()).digest()[:16], "big") or 1


def span_id(session_id: str, event_id: str) -> int:
    """64-bit span id of an event of a session (never 0); `_ROOT` names the session span."""
    key = f"sessionprof\x00{session_id}\x00{event_id}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") or 1


@dataclass
class Target:
    """Where spans go: an OTLP/HTTP traces URL (None: the OTEL_EXPORTER_OTLP_* variables)."""

    endpoint: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None

    @property
    def url(self) -> str:
        return traces_url(self.endpoint)


def traces_url(endpoint: str | None) -> str:
    """A base URL (like OTEL_EXPORTER_OTLP_ENDPOINT) gains /v1/traces; a full one is kept.
    None: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces."""
    if not endpoint:
        full = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        if full:
            return full
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")
    if endpoint.rstrip("/").endswith(HTTP_TRACES):
        return endpoint
    return endpoint.rstrip("/") + HTTP_TRACES


def parse_headers(items: list[str] | None) -> dict[str, str]:
    """`K=V` items (from --header) to a dict; a malformed one is a ValueError naming it."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--header {item!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _resource(a: Analysis) -> Resource:
    """OTEL_RESOURCE_ATTRIBUTES (a team's `developer=…,team=…`) and OTEL_SERVICE_NAME apply."""
    from opentelemetry.sdk.resources import Resource

    attrs: Attrs = {"sessionprof.source": a.t.source or "unknown"}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attrs["service.name"] = "sessionprof"
    return Resource.create(attrs)


def _agent_name(a: Analysis) -> str:
    return a.t.source or "agent"


def _ns(ms: float) -> int:
    """Epoch ms to ns through whole µs: `ms * 1e6` is past float precision (2**53)."""
    return round(ms * 1000) * 1000


def _set(attrs: Attrs, key: str, value: AttributeValue) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    attrs[key] = value


def event_attributes(
    a: Analysis, i: int, costs: NDArray[np.float64] | None, content: bool, args: Any = None
) -> tuple[str, Attrs]:
    """(span name, attributes) of event i."""
    t = a.t
    s = t.strings
    sid = t.session_id
    typ = t.type[i]
    name = s.values[t.name[i]]
    attrs: Attrs = {
        "gen_ai.conversation.id": sid,
        "sessionprof.type": TYPES[typ],
        "sessionprof.event_id": t.ids[i],
        "sessionprof.name": name,
    }
    model = s.get(t.model[i]) if t.model[i] >= 0 else None
    provider = t.provider.get(i) or (t.model_provider.get(t.model[i]) if t.model[i] >= 0 else None)
    tool = s.get(t.tool[i]) if t.tool[i] >= 0 else None
    if typ == AI:
        attrs["gen_ai.operation.name"] = "chat"
        span_name = f"chat {model}" if model else "chat"
    elif typ == TOOL:
        attrs["gen_ai.operation.name"] = "execute_tool"
        attrs["gen_ai.tool.name"] = tool or name
        attrs["gen_ai.tool.call.id"] = t.ids[i].removeprefix("tool:")  # the agent's own call id
        attrs["gen_ai.tool.type"] = "function"
        span_name = f"execute_tool {tool or name}"
    elif typ == AGENT:
        attrs["gen_ai.operation.name"] = "invoke_agent"
        attrs["gen_ai.agent.name"] = name
        span_name = f"invoke_agent {name}"
    else:
        span_name = name
    _set(attrs, "gen_ai.request.model", model)
    _set(attrs, "gen_ai.provider.name", provider)
    if t.flags[i] & F_TOKENS:
        tin, tcr, tcw = t.tin[i], t.tcr[i], t.tcw[i]
        attrs["gen_ai.usage.input_tokens"] = tin + tcr + tcw  # the convention counts cached input in
        attrs["gen_ai.usage.output_tokens"] = t.tout[i]
        attrs["gen_ai.usage.cache_read.input_tokens"] = tcr
        attrs["gen_ai.usage.cache_creation.input_tokens"] = tcw
        attrs["sessionprof.usage.uncached_input_tokens"] = tin
        if t.tcw1h[i]:
            attrs["sessionprof.usage.cache_creation_1h.input_tokens"] = t.tcw1h[i]
    cost = costs[i] if costs is not None else None
    if cost is not None and cost == cost:
        attrs["sessionprof.cost_usd"] = float(cost)  # ours: the agent's report, else genai-prices
    if t.cost[i] == t.cost[i]:
        attrs["sessionprof.reported_cost_usd"] = t.cost[i]  # what the agent itself reported
    if t.file[i] >= 0:
        attrs["file.path"] = s.values[t.file[i]]
    # context_tokens: what the file put in the context; -1 (sizes) and 0 (lines): not recorded
    for column, attr in ((t.file_tokens, "sessionprof.context_tokens"), (t.file_size, "sessionprof.file_size")):
        if column[i] >= 0:
            attrs[attr] = column[i]
    for column, attr in ((t.start_line, "sessionprof.start_line"), (t.end_line, "sessionprof.end_line")):
        if column[i]:
            attrs[attr] = column[i]
    if typ == NET and i in t.url:
        attrs["url.full"] = redact_text(t.url[i])
    if t.flags[i] & F_COMPACTION:
        attrs["sessionprof.compaction"] = True
    if t.flags[i] & F_ERROR and i in t.error:
        attrs["error.type"] = "tool_error" if typ == TOOL else "error"
    if content:
        if i in t.text:
            attrs["sessionprof.text"] = redact_text(t.text[i])
        if args is not None:
            attrs["gen_ai.tool.call.arguments"] = orjson.dumps(redact(args)).decode()
    return span_name, attrs


def session_spans(
    a: Analysis,
    content: bool = False,
    engine: Engine | None = None,
    only: Sequence[int] | None = None,
    root: bool = True,
) -> list[ReadableSpan]:
    """The session's spans as SDK ReadableSpans: the session span first, then events in
    index order (`only`: just those indexes, in that order). Running events (no end yet) are left out:
    they are sent when they finish."""
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

    t = a.t
    sid = t.session_id
    tid = trace_id(sid)
    resource = _resource(a)
    scope = InstrumentationScope(SCOPE)
    flags = TraceFlags(TraceFlags.SAMPLED)
    root_id = span_id(sid, _ROOT)
    root_ctx = SpanContext(tid, root_id, is_remote=False, trace_flags=flags)
    spans: list[ReadableSpan] = []
    if root and a.n:
        summary = a.summary()
        attrs: Attrs = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": _agent_name(a),
            "gen_ai.conversation.id": sid,
            "sessionprof.session": True,
            "sessionprof.title": a.title(),
        }
        _set(attrs, "sessionprof.source", t.source)
        _set(attrs, "sessionprof.workspace", t.workspace)
        _set(attrs, "sessionprof.cost_usd", summary.get("totalCost"))
        attrs["sessionprof.cost_complete"] = bool(summary.get("costComplete"))
        for key in ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"):
            attrs["sessionprof.tokens." + key[:-6]] = int(summary.get(key) or 0)
        for key, attr in _TIME_FIELDS.items():
            _set(attrs, "sessionprof.time." + attr, summary.get(key))  # None: not recorded by the source
        spans.append(
            ReadableSpan(
                name=f"invoke_agent {_agent_name(a)}",
                context=root_ctx,
                parent=None,
                resource=resource,
                attributes=attrs,
                kind=SpanKind.INTERNAL,
                instrumentation_scope=scope,
                status=Status(StatusCode.UNSET),
                start_time=_ns(a.t0),
                end_time=_ns(a.t1),
            )
        )
    costs = a.cost_array()
    ends = a.ends
    indexes = range(a.n) if only is None else only
    sids: dict[int, int] = {}  # event index -> span id (a parent is asked for by each child)

    def sid_of(k: int) -> int:
        v = sids.get(k)
        if v is None:
            v = sids[k] = span_id(sid, t.ids[k])
        return v

    for i in indexes:
        if i in t.running:
            continue
        args = None
        if content and t.type[i] == TOOL and engine is not None:
            ev = engine.event(sid, t.ids[i])
            args = ((ev or {}).get("metadata") or {}).get("args")
        name, attrs = event_attributes(a, i, costs, content, args)
        p = t.parent[i]
        parent = SpanContext(tid, sid_of(p) if p >= 0 else root_id, is_remote=False, trace_flags=flags)
        start = t.start[i]
        end = max(ends[i], start)
        status = Status(StatusCode.ERROR, t.error.get(i)) if t.flags[i] & F_ERROR else Status(StatusCode.UNSET)
        kind = SpanKind.CLIENT if t.type[i] in (AI, NET) else SpanKind.INTERNAL
        spans.append(
            ReadableSpan(
                name=name,
                context=SpanContext(tid, sid_of(i), is_remote=False, trace_flags=flags),
                parent=parent,
                resource=resource,
                attributes=attrs,
                kind=kind,
                instrumentation_scope=scope,
                status=status,
                start_time=_ns(start),
                end_time=_ns(end),
            )
        )
    return spans


def exporter(target: Target) -> SpanExporter:
    """The SDK's OTLP/HTTP protobuf exporter for a target (it reads OTEL_EXPORTER_OTLP_*
    for what the target leaves out: headers, timeout, compression, certificates)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=target.url, headers=target.headers or None, timeout=target.timeout)


def send(exp: SpanExporter, spans: Sequence[ReadableSpan]) -> bool:
    """Export spans in requests of BATCH; False at the first one the collector refuses."""
    from opentelemetry.sdk.trace.export import SpanExportResult

    for k in range(0, len(spans), BATCH):
        if exp.export(spans[k : k + BATCH]) is not SpanExportResult.SUCCESS:
            return False
    return True
