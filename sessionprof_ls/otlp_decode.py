"""OTLP/HTTP protobuf bodies for our receiver, and our own spans read back whole.

importers/otlp.py reads OTLP/JSON; a protobuf ExportTraceServiceRequest is turned
into the same JSON shape (the protobuf JSON mapping: ids in base64, 64-bit integers
as strings, both of which it accepts). Spans that sessionprof exported
(otlp_export.py) carry `sessionprof.*` attributes; with them the event comes back
as it was (id, parent, type, name, file, the agent's reported cost, source), so a session sent out and
received again gives the same summary. Other spans are left as the importer made them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def decode_protobuf(body: bytes, kind: str) -> dict[str, Any]:
    """An OTLP protobuf export request as its OTLP/JSON dict; ValueError if it is not one."""
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import DecodeError

    msg: ExportTraceServiceRequest | ExportLogsServiceRequest
    if kind == "traces":
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        msg = ExportTraceServiceRequest()
    else:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

        msg = ExportLogsServiceRequest()
    try:
        msg.ParseFromString(body)
    except DecodeError as exc:
        raise ValueError(f"body: not an OTLP protobuf {kind} export request: {exc}") from None
    as_json: dict[str, Any] = MessageToDict(msg)  # protobuf ships no types: its JSON mapping is a dict
    return as_json


def _attr(v: Any) -> Any:
    if not isinstance(v, dict):
        return None
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])
    return None


def _ours(body: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(span id hex -> sessionprof attributes, span id hex -> event id) for our spans."""
    from .importers.otlp import normalize_id

    attrs_of: dict[str, dict[str, Any]] = {}
    event_of: dict[str, str] = {}
    for rs in body.get("resourceSpans") or ():
        res = {
            kv.get("key"): _attr(kv.get("value"))
            for kv in ((rs or {}).get("resource") or {}).get("attributes") or ()
            if isinstance(kv, dict)
        }
        for ss in (rs or {}).get("scopeSpans") or ():
            for sp in (ss or {}).get("spans") or ():
                attrs: dict[str, Any] = {
                    kv["key"]: _attr(kv.get("value"))
                    for kv in sp.get("attributes") or ()
                    if isinstance(kv, dict)
                    and str(kv.get("key", "")).startswith(("sessionprof.", "gen_ai.", "file.", "url."))
                }
                if "sessionprof.event_id" not in attrs and not attrs.get("sessionprof.session"):
                    continue
                sid = normalize_id(sp.get("spanId"), 8)
                if res.get("sessionprof.source") not in (None, "unknown"):
                    attrs.setdefault("sessionprof.source", res["sessionprof.source"])
                if sid:
                    attrs["\x00times"] = (sp.get("startTimeUnixNano"), sp.get("endTimeUnixNano"))
                    attrs_of[sid] = attrs
                    if "sessionprof.event_id" in attrs:
                        event_of[sid] = attrs["sessionprof.event_id"]
    return attrs_of, event_of


def restore(body: dict[str, Any], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events from importers.otlp, with what our own spans say about themselves put back;
    our session span is not an event of the session (it is the session) and is dropped."""
    attrs_of, event_of = _ours(body)
    if not attrs_of:
        return events
    sessions = {
        a["gen_ai.conversation.id"]: a
        for a in attrs_of.values()
        if a.get("sessionprof.session") and a.get("gen_ai.conversation.id")
    }
    out: list[dict[str, Any]] = []
    for ev in events:
        a = attrs_of.get(ev.get("id") or "")
        if a is None:
            out.append(ev)
            continue
        if a.get("sessionprof.session"):
            continue
        root = sessions.pop(ev.get("sessionId"), None)  # the session's title and workspace ride on its first event
        if root is not None:
            a = {
                **a,
                "sessionprof.title": root.get("sessionprof.title"),
                "sessionprof.workspace": root.get("sessionprof.workspace"),
            }
        parent = ev.get("parentId")
        ev["parentId"] = event_of.get(parent) if parent else None
        ev["id"] = a["sessionprof.event_id"]
        ev["type"] = a.get("sessionprof.type") or ev["type"]
        ev["name"] = a.get("sessionprof.name") or ev["name"]
        start, end = a["\x00times"]  # int / int is rounded once: the importer's / 1e6 is not exact
        ev["startTime"] = int(start) / 10**6
        if end is not None and int(end):
            ev["endTime"] = max(int(end) / 10**6, ev["startTime"])
        m = ev.setdefault("metadata", {})
        m.pop("traceId", None)
        m.pop("service", None)
        src = a.get("sessionprof.source")
        if src:
            m["source"] = src
        else:
            m.pop("source", None)
        for key, field in (
            ("sessionprof.context_tokens", "fileTokens"),
            ("sessionprof.file_size", "fileSize"),
            ("sessionprof.start_line", "startLine"),
            ("sessionprof.end_line", "endLine"),
            ("sessionprof.reported_cost_usd", "costUsd"),
            ("sessionprof.text", "text"),
            ("sessionprof.title", "sessionTitle"),
            ("sessionprof.workspace", "workspace"),
        ):
            if a.get(key) is not None:
                m[field] = a[key]
        if a.get("sessionprof.compaction"):
            m["compaction"] = True
        if "tokens" in m and a.get("sessionprof.usage.cache_creation_1h.input_tokens"):
            m["tokens"]["cacheWrite1h"] = a["sessionprof.usage.cache_creation_1h.input_tokens"]
        if "gen_ai.tool.name" in a and ev["type"] != "tool_execution":
            m.pop("toolName", None)
        if m.get("status") == "ok" and ev["type"] not in ("tool_execution",) and "error" not in m:
            m.pop("status", None)
        out.append(ev)
    return out


def to_events(body: dict[str, Any], kind: str) -> tuple[list[dict[str, Any]], list[str]]:
    """importers.otlp.otlp_to_events, with our own spans restored."""
    from .importers import otlp_to_events

    events, errors = otlp_to_events(body, kind)
    if kind == "traces":
        events = restore(body, events)
    return events, errors
