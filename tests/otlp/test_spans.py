"""The spans of a session (GenAI semantic conventions, derived ids, content only on
opt-in and redacted) and the outbox's retry schedule over an hour-long outage."""

from __future__ import annotations

import collections

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls import otlp_export as ox
from sessionprof_ls import outbox as ob
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.tree import F_TOKENS

T0 = 1_700_000_000_000.0


def _engine(tmp_path, fixture="claude-code/spotter-subagent.jsonl"):
    eng = Engine(tmp_path / "store.db")
    events = import_file(FIXTURES / fixture).events
    eng.ingest(events)
    return eng, events[0]["sessionId"]


def test_spans_follow_the_genai_conventions_and_ids_are_derived(tmp_path):
    eng, sid = _engine(tmp_path)
    a = eng.analysis(sid)
    spans = ox.session_spans(a)
    again = ox.session_spans(Engine(tmp_path / "store.db").analysis(sid))  # another process, same ids
    assert [s.context.span_id for s in spans] == [s.context.span_id for s in again]
    assert len({s.context.span_id for s in spans}) == len(spans) == len(a.t) + 1
    root = spans[0]
    assert root.parent is None and root.attributes["gen_ai.operation.name"] == "invoke_agent"
    ops = collections.Counter(s.attributes.get("gen_ai.operation.name") for s in spans)
    t = a.t
    assert ops["chat"] == sum(1 for i in range(len(t)) if t.type[i] == 0)
    assert ops["execute_tool"] == sum(1 for i in range(len(t)) if t.type[i] == 1)
    assert ops["invoke_agent"] == 1 + sum(1 for i in range(len(t)) if t.type[i] == 6)
    for s in spans[1:]:
        at = s.attributes
        assert at["gen_ai.conversation.id"] == sid
        if at.get("gen_ai.operation.name") == "chat":
            assert s.name == f"chat {at['gen_ai.request.model']}" and at["gen_ai.provider.name"] == "anthropic"
            i = t.index[at["sessionprof.event_id"]]
            if t.flags[i] & F_TOKENS:
                assert at["gen_ai.usage.input_tokens"] == t.tin[i] + t.tcr[i] + t.tcw[i]  # cached input counted in
                assert at["gen_ai.usage.cache_read.input_tokens"] == t.tcr[i]
            else:  # a request the transcript gave no usage for: not recorded, never 0
                assert "gen_ai.usage.input_tokens" not in at
        if at.get("gen_ai.operation.name") == "execute_tool":
            assert s.name == f"execute_tool {at['gen_ai.tool.name']}" and not at["gen_ai.tool.call.id"].startswith(
                "tool:"
            )
        assert "gen_ai.tool.call.arguments" not in at and "sessionprof.text" not in at  # no content by default
    summary = a.summary()
    assert root.attributes["sessionprof.time.tool_ms"] == summary["toolExecutionTime"]
    assert root.attributes["sessionprof.cost_usd"] == pytest.approx(summary["totalCost"])
    reads = [s for s in spans if s.attributes.get("sessionprof.type") == "file_read"]
    assert any("sessionprof.context_tokens" in s.attributes for s in reads)
    for s in reads:  # the tokens a file put in the context, where the source recorded them
        i = t.index[s.attributes["sessionprof.event_id"]]
        assert s.attributes.get("sessionprof.context_tokens", -1) == t.file_tokens[i]


def test_content_only_on_opt_in_and_redacted(tmp_path):
    eng = Engine(tmp_path / "store.db")
    secret = "sk-ant-api03-" + "A" * 40
    eng.ingest(
        [
            {
                "sessionId": "s",
                "id": "u",
                "type": "user_input",
                "name": "User prompt",
                "startTime": T0,
                "endTime": T0,
                "metadata": {"text": f"use key {secret} please"},
            },
            {
                "sessionId": "s",
                "id": "tool:toolu_1",
                "type": "tool_execution",
                "name": "Bash",
                "startTime": T0 + 1,
                "endTime": T0 + 2,
                "metadata": {"toolName": "Bash", "args": {"command": f"curl -H 'x-api-key: {secret}' x"}},
            },
        ]
    )
    a = eng.analysis("s")
    plain = {s.attributes["sessionprof.event_id"]: s.attributes for s in ox.session_spans(a, engine=eng)[1:]}
    assert all(secret not in str(v) for at in plain.values() for v in at.values())
    assert "gen_ai.tool.call.arguments" not in plain["tool:toolu_1"] and "sessionprof.text" not in plain["u"]
    full = {
        s.attributes["sessionprof.event_id"]: s.attributes for s in ox.session_spans(a, content=True, engine=eng)[1:]
    }
    assert "curl" in full["tool:toolu_1"]["gen_ai.tool.call.arguments"]
    assert "use key" in full["u"]["sessionprof.text"]
    assert all(secret not in str(v) for at in full.values() for v in at.values())


class Flaky:
    """A collector that refuses until `up`, recording what it acknowledges."""

    def __init__(self):
        self.up = False
        self.seen: list = []

    def export(self, spans):
        from opentelemetry.sdk.trace.export import SpanExportResult

        if not self.up:
            return SpanExportResult.FAILURE
        self.seen += [s.context.span_id for s in spans]
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def test_an_hour_long_outage_is_retried_at_most_a_minute_apart_and_loses_nothing(tmp_path, monkeypatch):
    eng, sid = _engine(tmp_path)
    clock = [1_000_000.0]
    monkeypatch.setattr(ob.time, "time", lambda: clock[0])
    target = ox.Target("http://127.0.0.1:9")
    box = ob.Outbox(eng)
    box.mark(target.url, [sid])
    col = Flaky()
    tries = []
    while clock[0] < 1_000_000.0 + 3600:
        due = box.next_due(target.url)
        clock[0] = max(clock[0], due)
        box.flush(target, exporter=col)
        tries.append(clock[0])
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert max(gaps) <= ob.BACKOFF_CAP * 1.25 and len(tries) >= 3600 / (ob.BACKOFF_CAP * 1.25)
    assert box.pending(target.url)[0][3] == len(tries)  # attempts counted, row kept
    eng.store.close()
    eng = Engine(tmp_path / "store.db")  # a restart in the middle changes nothing
    box = ob.Outbox(eng)
    col.up = True
    clock[0] = box.next_due(target.url)
    stats = box.flush(target, exporter=col)
    assert stats["failed"] == [] and box.pending(target.url) == []
    want = [s.context.span_id for s in ox.session_spans(eng.analysis(sid))]
    assert sorted(col.seen) == sorted(want)


def test_resource_attributes_from_the_environment_label_every_span(tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "developer=ana,team=web")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    eng, sid = _engine(tmp_path, "codex/agentlogs-crud.jsonl")
    spans = ox.session_spans(eng.analysis(sid))
    res = spans[0].resource.attributes
    assert res["developer"] == "ana" and res["team"] == "web" and res["service.name"] == "sessionprof"
    assert res["sessionprof.source"] == eng.tree(sid).source
    monkeypatch.setenv("OTEL_SERVICE_NAME", "agents-team-web")
    assert ox.session_spans(eng.analysis(sid))[0].resource.attributes["service.name"] == "agents-team-web"
    providers = {s.attributes.get("gen_ai.provider.name") for s in spans if "gen_ai.request.model" in s.attributes}
    assert providers == {"openai"}
