"""End to end against a real Arize Phoenix: `sessionprof export --otlp` of a real
fixture, spans read back through Phoenix's REST API (tokens, models, tool names,
tree shape); then Phoenix killed in the middle of an export, restarted on the same
data, and every span found exactly once."""

from __future__ import annotations

import collections
import subprocess
import sys

from sp_fixtures import FIXTURES

from sessionprof_ls import otlp_export as ox
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.outbox import Outbox

FIXTURE = FIXTURES / "claude-code" / "spotter-subagent.jsonl"  # subagents, parallel tools, 12 requests


def _expected(store):
    eng = Engine(store)
    events = import_file(FIXTURE).events
    eng.ingest(events)
    sid = events[0]["sessionId"]
    a = eng.analysis(sid)
    return eng, sid, a


def _by_id(spans):
    return {s["context"]["span_id"]: s for s in spans}


def test_a_real_fixture_exported_to_phoenix_reads_back_the_same(tmp_path, phoenix):
    store = tmp_path / "store.db"
    eng, sid, a = _expected(store)
    eng.store.close()
    run = subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", "export", "--store", str(store), sid[:8], "--otlp", phoenix.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("sent ")
    want = ox.session_spans(a)
    got = phoenix.wait_spans(len(want))
    assert len(got) == len(want)
    got_by = _by_id(got)
    assert set(got_by) == {format(s.context.span_id, "016x") for s in want}
    assert {s["context"]["trace_id"] for s in got} == {format(ox.trace_id(sid), "032x")}
    # tree shape: every span under the same parent as ours
    for s in want:
        g = got_by[format(s.context.span_id, "016x")]
        assert g["parent_id"] == (format(s.parent.span_id, "016x") if s.parent else None), s.name
        assert g["name"] == s.name
    # tokens and models per request, tool names per call, against the analysis itself
    t = a.t
    tokens = collections.Counter()
    models, tools = collections.Counter(), collections.Counter()
    for g in got:
        at = g["attributes"]
        if at.get("gen_ai.operation.name") == "chat":
            models[at["gen_ai.request.model"]] += 1
            for k in ("input_tokens", "output_tokens", "cache_read.input_tokens", "cache_creation.input_tokens"):
                tokens[k] += at.get(f"gen_ai.usage.{k}", 0)
        if at.get("gen_ai.operation.name") == "execute_tool":
            tools[at["gen_ai.tool.name"]] += 1
    summary = a.summary()
    assert tokens["input_tokens"] == summary["inputTokens"] + summary["cacheReadTokens"] + summary["cacheWriteTokens"]
    assert tokens["output_tokens"] == summary["outputTokens"] == 1586  # fixtures/README.md
    assert tokens["cache_read.input_tokens"] == summary["cacheReadTokens"] == 427_286
    assert tokens["cache_creation.input_tokens"] == summary["cacheWriteTokens"] == 25_842
    assert models == collections.Counter(t.strings.get(t.model[i]) for i in range(len(t)) if t.type[i] == 0)
    assert tools == collections.Counter(t.strings.get(t.tool[i]) for i in range(len(t)) if t.type[i] == 1)
    assert sum(1 for g in got if g["attributes"].get("gen_ai.operation.name") == "invoke_agent") == 1 + sum(
        1 for i in range(len(t)) if t.type[i] == 6
    )


def test_phoenix_killed_mid_export_gets_every_span_exactly_once(tmp_path, phoenix, monkeypatch):
    eng, sid, a = _expected(tmp_path / "store.db")
    want = {format(s.context.span_id, "016x") for s in ox.session_spans(a)}
    monkeypatch.setattr(ox, "BATCH", 7)  # 61 spans: 9 requests
    target = ox.Target(phoenix.url, timeout=3)
    real = ox.exporter(target)
    calls = {"n": 0}

    class KillAfterThree:
        def export(self, spans):
            calls["n"] += 1
            if calls["n"] == 4:
                phoenix.kill()  # three requests acknowledged, the fourth meets a dead collector
            return real.export(spans)

        def shutdown(self):
            real.shutdown()

    box = Outbox(eng)
    box.mark(target.url, [sid], resend=True)
    first = box.flush(target, exporter=KillAfterThree(), force=True)
    assert first["failed"] == [sid] and first["spans"] == 7 + 6 + 6  # the session span rides in the first
    assert box.pending(target.url)[0][1] == sid  # kept, with a backoff
    phoenix.start()  # same working directory: what it had acknowledged is still there
    second = box.flush(target, exporter=ox.exporter(target), force=True)
    assert second["failed"] == [] and box.pending(target.url) == []
    got = phoenix.wait_spans(len(want))
    ids = collections.Counter(g["context"]["span_id"] for g in got)
    assert set(ids) == want
    assert max(ids.values()) == 1
