"""OTLP/JSON traces and logs: gen_ai conventions, OpenInference, Claude Code log events."""

from __future__ import annotations

import base64

from sessionprof_ls.importers import otlp_to_events

TRACE = "5b8efff798038103d269b633813fc60c"
SPAN = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b175"


def attr(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # 64-bit ints arrive as strings
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def traces(*spans, resource=()):
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [attr(k, v) for k, v in resource]},
                "scopeSpans": [{"scope": {"name": "t"}, "spans": list(spans)}],
            }
        ]
    }


def span(
    span_id, name, attrs, parent="", start="1700000000000000000", end="1700000002500000000", trace=TRACE, status=None
):
    s = {
        "traceId": trace,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": start,
        "endTimeUnixNano": end,
        "attributes": [attr(k, v) for k, v in attrs.items()],
    }
    if status:
        s["status"] = status
    return s


def test_gen_ai_chat_span_tokens_exclude_cache_from_input():
    body = traces(
        span(SPAN, "invoke_agent coder", {"gen_ai.operation.name": "invoke_agent", "session.id": "s1"}),
        span(
            CHILD,
            "chat claude-sonnet-4-5",
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "claude-sonnet-4-5",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.usage.input_tokens": 1200,
                "gen_ai.usage.cache_read.input_tokens": 1000,
                "gen_ai.usage.cache_creation.input_tokens": 150,
                "gen_ai.usage.output_tokens": 80,
                "session.id": "s1",
            },
            parent=SPAN,
        ),
        span(
            "eee19b7ec3c1b176",
            "execute_tool read_file",
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "read_file",
                "gen_ai.tool.call.arguments": '{"path": "a.py"}',
                "session.id": "s1",
            },
            parent=SPAN,
            status={"code": 2, "message": "ENOENT"},
        ),
    )
    events, errors = otlp_to_events(body, "traces")
    assert errors == []
    ev = {e["id"]: e for e in events}
    chat = ev[CHILD]
    assert chat["type"] == "ai_response" and chat["parentId"] == SPAN and chat["sessionId"] == "s1"
    assert chat["metadata"]["tokens"] == {"input": 50, "output": 80, "cacheRead": 1000, "cacheWrite": 150}
    assert chat["metadata"]["model"] == "claude-sonnet-4-5" and chat["metadata"]["provider"] == "anthropic"
    assert chat["startTime"] == 1_700_000_000_000.0 and chat["endTime"] - chat["startTime"] == 2500
    assert ev[SPAN]["type"] == "agent" and ev[SPAN]["parentId"] is None
    tool = ev["eee19b7ec3c1b176"]
    assert tool["type"] == "tool_execution" and tool["metadata"]["toolName"] == "read_file"
    assert tool["metadata"]["args"] == {"path": "a.py"}
    assert tool["metadata"]["status"] == "error" and tool["metadata"]["error"] == "ENOENT"


def test_base64_ids_become_hex_and_trace_is_the_default_session():
    sid_b64 = base64.b64encode(bytes.fromhex(SPAN)).decode()
    trace_b64 = base64.b64encode(bytes.fromhex(TRACE)).decode()
    events, errors = otlp_to_events(
        traces(
            span(sid_b64, "chat", {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 10}, trace=trace_b64)
        ),
        "traces",
    )
    assert errors == []
    assert events[0]["id"] == SPAN and events[0]["sessionId"] == TRACE


def test_openinference_llm_span():
    body = traces(
        span(
            SPAN,
            "ChatCompletion",
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.token_count.prompt": 500,
                "llm.token_count.completion": 20,
                "llm.token_count.prompt_details.cache_read": 200,
            },
        ),
        resource=[("session.id", "s9")],
    )
    events, _ = otlp_to_events(body, "traces")
    assert events[0]["type"] == "ai_response" and events[0]["sessionId"] == "s9"
    assert events[0]["metadata"]["tokens"] == {"input": 300, "output": 20, "cacheRead": 200, "cacheWrite": 0}


def test_bad_spans_reported_rest_kept():
    body = traces(
        span(SPAN, "ok", {"gen_ai.operation.name": "chat"}),
        {"name": "no ids"},
        span(CHILD, "bad", {}, start="soon"),
        "junk",
    )
    events, errors = otlp_to_events(body, "traces")
    assert [e["id"] for e in events] == [SPAN]
    assert len(errors) == 3 and errors[0].startswith(
        "resourceSpans[0].scopeSpans[0].spans[1]: missing or invalid spanId"
    )
    assert otlp_to_events([], "traces")[1] and otlp_to_events({}, "metrics")[1]


def _log(name, attrs, t="1700000005000000000"):
    return {
        "timeUnixNano": t,
        "body": {"stringValue": name},
        "attributes": [attr("event.name", name.split(".", 1)[1])] + [attr(k, v) for k, v in attrs.items()],
    }


def test_claude_code_log_events():
    body = {
        "resourceLogs": [
            {
                "resource": {"attributes": [attr("service.name", "claude-code")]},
                "scopeLogs": [
                    {
                        "scope": {"name": "com.anthropic.claude_code.events"},
                        "logRecords": [
                            _log(
                                "claude_code.api_request",
                                {
                                    "session.id": "cc1",
                                    "model": "claude-sonnet-4-5-20250929",
                                    "cost_usd": 0.0123,
                                    "duration_ms": "4200",
                                    "input_tokens": "12",
                                    "output_tokens": "340",
                                    "cache_read_tokens": "20000",
                                    "cache_creation_tokens": "1500",
                                    "event.timestamp": "2025-10-10T10:00:05.000Z",
                                },
                            ),
                            _log(
                                "claude_code.tool_result",
                                {
                                    "session.id": "cc1",
                                    "tool_name": "Bash",
                                    "success": "false",
                                    "duration_ms": "1500",
                                    "error": "exit 1",
                                    "event.timestamp": "2025-10-10T10:00:07.000Z",
                                },
                            ),
                            _log(
                                "claude_code.tool_decision",
                                {"session.id": "cc1", "tool_name": "Bash", "decision": "accept"},
                            ),
                            {
                                "body": {"stringValue": "claude_code.api_request"},
                                "attributes": [attr("event.name", "api_request")],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    events, errors = otlp_to_events(body, "logs")
    assert len(errors) == 1 and "logRecords[3]" in errors[0]
    api, tool = events
    assert api["type"] == "ai_response" and api["sessionId"] == "cc1"
    assert api["metadata"]["tokens"] == {"input": 12, "output": 340, "cacheRead": 20000, "cacheWrite": 1500}
    assert api["metadata"]["costUsd"] == 0.0123 and api["endTime"] - api["startTime"] == 4200
    assert (
        tool["type"] == "tool_execution"
        and tool["metadata"]["status"] == "error"
        and tool["endTime"] - tool["startTime"] == 1500
    )
    again, _ = otlp_to_events(body, "logs")
    assert [e["id"] for e in again] == [api["id"], tool["id"]]  # deterministic ids: re-sending updates
