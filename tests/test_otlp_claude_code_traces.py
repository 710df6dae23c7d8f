"""Claude Code's trace spans and api_request timing over OTLP, through the engine.

The payloads are built by hand from the span and attribute names Claude Code's monitoring
documentation lists ("Traces (beta)", code.claude.com/docs/en/monitoring-usage):
`claude_code.interaction` -> `claude_code.llm_request` (model, duration_ms, ttft_ms,
input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens),
`claude_code.tool` (tool_name, duration_ms, tool_use_id) -> `claude_code.tool.blocked_on_user`
(duration_ms, decision, source) and `claude_code.tool.execution`, and `claude_code.hook`;
and the `claude_code.api_request` log event (duration_ms, ttft_ms). No real export was
available to record, so this is the documented shape, not a captured one."""

from __future__ import annotations

from test_import_otlp import attr, span, traces

from sessionprof_ls.analysis import time_parts
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import otlp_to_events

T0 = 1_760_000_000_000  # ms


def ns(ms: float) -> str:
    return str(int((T0 + ms) * 1_000_000))


def cc_span(sid, name, attrs, parent, start, end):
    return span(sid, name, {"session.id": "cc-trace", **attrs}, parent=parent, start=ns(start), end=ns(end))


def _payload():
    return traces(
        cc_span("a000000000000001", "claude_code.interaction", {"user_prompt": "commit the fix"}, "", 0, 200_000),
        cc_span(
            "a000000000000002",
            "claude_code.llm_request",
            {
                "model": "claude-sonnet-4-5-20250929",
                "duration_ms": 6000,
                "ttft_ms": 2500,
                "input_tokens": 10,
                "output_tokens": 120,
                "cache_read_tokens": 30_000,
                "cache_creation_tokens": 500,
            },
            "a000000000000001",
            0,
            6000,
        ),
        cc_span(
            "a000000000000003",
            "claude_code.tool",
            {"tool_name": "Bash", "duration_ms": 190_000, "tool_use_id": "toolu_1"},
            "a000000000000001",
            6000,
            196_000,
        ),
        cc_span(
            "a000000000000004",
            "claude_code.tool.blocked_on_user",
            {"duration_ms": 20_000, "decision": "accept", "source": "user_temporary"},
            "a000000000000003",
            6000,
            26_000,
        ),
        cc_span("a000000000000005", "claude_code.tool.execution", {}, "a000000000000003", 26_000, 196_000),
        cc_span(
            "a000000000000006",
            "claude_code.hook",
            {"hook_name": "PreToolUse:Bash"},
            "a000000000000005",
            26_000,
            187_000,
        ),
        cc_span(
            "a000000000000007",
            "claude_code.llm_request",
            {
                "model": "claude-sonnet-4-5-20250929",
                "duration_ms": 4000,
                "ttft_ms": 3900,
                "input_tokens": 5,
                "output_tokens": 30,
                "cache_read_tokens": 30_500,
                "cache_creation_tokens": 0,
            },
            "a000000000000001",
            196_000,
            200_000,
        ),
    )


def test_trace_spans_become_turn_requests_tool_permission_wait_and_hook():
    events, errors = otlp_to_events(_payload(), "traces")
    assert errors == []
    by_name = {e["name"]: e for e in events}
    assert "claude_code.tool.execution" not in {e["name"] for e in events}  # its time is the tool's own
    hook = by_name["hook: PreToolUse:Bash"]
    assert hook["parentId"] == "a000000000000003" and hook["metadata"]["toolName"] == "hook"
    wait = by_name["Permission prompt"]
    assert wait["type"] == "user_input" and wait["metadata"]["decision"] == "accept"
    req = [e for e in events if e["type"] == "ai_response"]
    assert req[0]["metadata"]["tokens"] == {"input": 10, "output": 120, "cacheRead": 30_000, "cacheWrite": 500}
    assert req[0]["metadata"]["ttftMs"] == 2500 and req[0]["metadata"]["generationMs"] == 3500


def test_trace_spans_measure_permission_waits_and_hooks(tmp_path):
    engine = Engine(str(tmp_path / "s.db"))
    events, _ = otlp_to_events(_payload(), "traces")
    assert engine.ingest(events)["rejected"] == []
    s = engine.performance("cc-trace", include_events=False)
    assert s["userWaitTime"] == 20_000  # blocked on the user, measured
    assert s["hookTime"] == 161_000  # the pre-commit hook
    assert s["toolExecutionTime"] == 9_000  # the Bash call's own time outside hook and wait
    assert s["aiThinkingTime"] == 10_000
    assert s["toolCallCount"] == 1  # the hook is not a second call
    assert s["networkTime"] is None and "networkTime" in s["notRecorded"]
    assert "hookTime" not in s["notRecorded"]
    assert time_parts(s) == s["totalDuration"] == 200_000
    (bash,) = [op for op in s["slowestOperations"] if op["event"]["name"] == "Bash"]
    assert bash["suggestion"].startswith("2m 41s of its 3m 10s ran in hooks (hook: PreToolUse:Bash)")


def test_api_request_log_splits_time_to_first_token_and_generation():
    body = {
        "resourceLogs": [
            {
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": ns(9000),
                                "attributes": [
                                    attr(k, v)
                                    for k, v in {
                                        "event.name": "api_request",
                                        "session.id": "cc-log",
                                        "model": "claude-sonnet-4-5-20250929",
                                        "duration_ms": "9000",
                                        "ttft_ms": "7000",
                                        "input_tokens": "3",
                                        "output_tokens": "40",
                                        "cache_read_tokens": "120000",
                                        "cache_creation_tokens": "0",
                                    }.items()
                                ],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    (ev,), errors = otlp_to_events(body, "logs")
    assert errors == []
    assert ev["endTime"] - ev["startTime"] == 9000
    assert ev["metadata"]["ttftMs"] == 7000 and ev["metadata"]["generationMs"] == 2000
