"""Round trip through our own receiver: what sessionprof sends as OTLP/HTTP protobuf
(the SDK exporter) another sessionprof server ingests with the same summary, both
from `sessionprof export --otlp` and from a server forwarding live; and a forwarder
whose collector is down keeps everything in the outbox across a restart."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls import outbox as ob
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))
from relutil import http, start_server  # noqa: E402

REAL = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*.jsonl"))


def _summary_without(s: dict, keys=None) -> dict:
    from sessionprof_ls.engine import Engine as _E  # noqa: F401  (the summary's keys are the reference's)

    return {k: s.get(k) for k in (keys or s) if k not in ("running",)}


def _wait_summary(srv, sid: str, n: int, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while True:
        try:
            perf = srv.request("sessionprof/performance", {"sessionId": sid, "includeEvents": False})
            if perf.get("eventCount", 0) >= n:
                return perf
        except Exception:
            if time.time() > deadline:
                raise
        if time.time() > deadline:
            raise AssertionError(f"{sid}: fewer than {n} events arrived")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("receiver")
    srv = start_server(tmp)
    yield srv
    srv.stop()


@pytest.mark.parametrize("fixture", REAL)
def test_export_otlp_into_our_receiver_gives_the_same_summary(fixture, tmp_path, receiver):
    eng = Engine(tmp_path / "store.db")
    events = import_file(FIXTURES / fixture).events
    eng.ingest(events)
    sid = events[0]["sessionId"]
    want = eng.summary(sid)
    eng.store.close()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sessionprof_ls.cli",
            "export",
            "--store",
            str(tmp_path / "store.db"),
            sid,
            "--otlp",
            receiver.url,
            "--header",
            f"Authorization=Bearer {receiver.token}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    got = _wait_summary(receiver, sid, want["eventCount"])
    assert _summary_without(got, want) == _summary_without(want)


def test_a_server_forwarding_live_to_our_receiver(tmp_path, receiver):
    events = import_file(FIXTURES / "claude-code/spotter-subagent.jsonl").events
    sid = events[0]["sessionId"]
    settings = {"otlp": {"endpoint": receiver.url, "headers": {"Authorization": f"Bearer {receiver.token}"}}}
    sender = start_server(tmp_path, settings=settings)
    try:
        for k in range(0, len(events), 7):  # batches as an agent would send them
            status, _, resp = http(
                sender.url,
                "/v1/events",
                __import__("orjson").dumps(events[k : k + 7]),
                token=sender.token,
                headers={"Content-Type": "application/json"},
            )
            assert status == 200, resp
        local = Engine(tmp_path / "local.db")
        local.ingest(events)
        keys = local.summary(sid)
        want = _summary_without(_wait_summary(sender, sid, len(events)), keys)
        got = _wait_summary(receiver, sid, len(events))
        assert _summary_without(got, keys) == want
    finally:
        sender.stop()


class Recorder:
    """A collector stand-in that counts every span it acknowledges (no de-duplication)."""

    def __init__(self):
        self.seen: list[str] = []
        self.session_ends: list[int] = []
        self.calls = 0
        self.up = False

    def export(self, spans):
        from opentelemetry.sdk.trace.export import SpanExportResult

        self.calls += 1
        if not self.up:
            return SpanExportResult.FAILURE
        self.seen += [s.attributes.get("sessionprof.event_id", "<session>") for s in spans]
        self.session_ends += [s.end_time for s in spans if "sessionprof.event_id" not in s.attributes]
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def test_collector_down_then_restart_loses_nothing_and_repeats_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(ob, "BACKOFF_BASE", 0.05)
    monkeypatch.setattr(ob, "BACKOFF_CAP", 0.2)
    rec = Recorder()
    monkeypatch.setattr(ob.ox, "exporter", lambda target: rec)
    events = import_file(FIXTURES / "claude-code/spotter-subagent.jsonl").events
    sid = events[0]["sessionId"]
    target = ob.ox.Target("http://127.0.0.1:9/v1/traces")
    eng = Engine(tmp_path / "store.db")
    fw = ob.Forwarder(eng, target, debounce=0.01, quiet=0.5).start()
    half = len(events) // 2
    for k in range(0, half, 5):
        r = eng.ingest(events[k : min(k + 5, half)])
        fw.notify(r["sessions"])
    deadline = time.time() + 20
    while rec.calls < 3 and time.time() < deadline:  # the forwarder keeps retrying the dead collector
        time.sleep(0.05)
    fw.stop()
    rows = ob.Outbox(eng).pending(target.url)
    assert [r[1] for r in rows] == [sid] and rows[0][3] >= 2  # retried, still pending
    assert rec.seen == []
    eng.store.close()
    # restart: a new process's engine on the same store; the collector is back
    rec.up = True
    eng = Engine(tmp_path / "store.db")
    fw = ob.Forwarder(eng, target, debounce=0.01, quiet=0.5).start()
    for k in range(half, len(events), 5):
        r = eng.ingest(events[k : k + 5])
        fw.notify(r["sessions"])
    deadline = time.time() + 20
    while (
        ob.Outbox(eng).pending(target.url) or len(set(rec.seen) - {"<session>"}) < len(events)
    ) and time.time() < deadline:
        time.sleep(0.1)
    fw.stop()
    seen = [s for s in rec.seen if s != "<session>"]
    finished = {e["id"] for e in events}
    assert sorted(seen) == sorted(finished)  # every event span, each exactly once
    assert ob.Outbox(eng).pending(target.url) == []
    # the session span went once the session was quiet, covering all of it (an earlier copy,
    # from the restart's first send, is the same span id: a receiver keeps one)
    a = eng.analysis(sid)
    assert 1 <= len(rec.session_ends) <= 2 and rec.session_ends[-1] == round(a.t1 * 1000) * 1000


def _export_otlp(tmp_path, sid: str, env: dict) -> subprocess.CompletedProcess:
    """`sessionprof export SID --otlp` with no URL: the OTEL_* variables of `env` say where."""
    return subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", "export", "--store", str(tmp_path / "store.db"), sid, "--otlp"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_export_otlp_with_no_url_honours_the_otel_variables(tmp_path, receiver):
    import os

    eng = Engine(tmp_path / "store.db")
    events = import_file(FIXTURES / "codex/agentlogs-images.jsonl").events
    eng.ingest(events)
    sid = events[0]["sessionId"]
    want = eng.summary(sid)
    eng.store.close()
    env = dict(
        os.environ,
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS=f"Authorization=Bearer%20{receiver.token}",
    )
    env.pop("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None)
    run = _export_otlp(tmp_path, sid, env)
    assert run.returncode == 0, run.stderr
    assert f"to {receiver.url}/v1/traces" in run.stdout
    got = _wait_summary(receiver, sid, want["eventCount"])
    assert _summary_without(got, want) == _summary_without(want)
    # without the header the receiver refuses, and the session waits in the outbox: one line, exit 1
    env.pop("OTEL_EXPORTER_OTLP_HEADERS")
    run = _export_otlp(tmp_path, sid, env)
    assert run.returncode == 1 and "kept in the outbox" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_bad_protobuf_is_one_line_and_valid_spans_sent_with_it_are_kept(tmp_path, receiver):
    import orjson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from sessionprof_ls import otlp_export as ox

    eng = Engine(tmp_path / "store.db")
    eng.ingest(
        [
            {
                "sessionId": "pb-bad",
                "id": f"e{i}",
                "type": "tool_execution",
                "name": "Bash",
                "startTime": 1.7e12 + i,
                "endTime": 1.7e12 + i + 1,
            }
            for i in range(3)
        ]
    )
    body = encode_spans(ox.session_spans(eng.analysis("pb-bad"))).SerializeToString()
    headers = {"Content-Type": "application/x-protobuf"}
    status, _, resp = http(receiver.url, "/v1/traces", body[:-7], token=receiver.token, headers=headers)
    assert status == 400 and b"not an OTLP protobuf traces export request" in resp
    assert b"Traceback" not in resp
    # a span with no start time among good ones: it alone is rejected, by name
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    req = ExportTraceServiceRequest()
    req.ParseFromString(body)
    req.resource_spans[0].scope_spans[0].spans[1].start_time_unix_nano = 0
    status, _, resp = http(receiver.url, "/v1/traces", req.SerializeToString(), token=receiver.token, headers=headers)
    assert status == 200, resp
    answer = orjson.loads(resp)
    assert answer["partialSuccess"]["rejectedSpans"] == 1
    assert "startTimeUnixNano" in answer["partialSuccess"]["errorMessage"]
    got = _wait_summary(receiver, "pb-bad", 2)
    assert got["eventCount"] == 2


def test_an_agents_own_cost_comes_back_as_reported_and_a_priced_one_as_priced(tmp_path):
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from sessionprof_ls import otlp_decode as od
    from sessionprof_ls import otlp_export as ox

    def ev(i, **meta):
        return {
            "sessionId": "cost",
            "id": f"r{i}",
            "type": "ai_response",
            "name": f"Response #{i}",
            "startTime": 1.7e12 + i * 1000,
            "endTime": 1.7e12 + i * 1000 + 500,
            "metadata": {
                "model": "claude-sonnet-4-5",
                "provider": "anthropic",
                "tokens": {"input": 100, "output": 50, "cacheRead": 1000, "cacheWrite": 10},
                **meta,
            },
        }

    eng = Engine(tmp_path / "a.db")
    eng.ingest([ev(1, costUsd=0.5), ev(2)])
    body = encode_spans(ox.session_spans(eng.analysis("cost"))).SerializeToString()
    events, errors = od.to_events(od.decode_protobuf(body, "traces"), "traces")
    assert errors == []
    back = Engine(tmp_path / "b.db")
    back.ingest(events)
    assert back.summary("cost") == eng.summary("cost")
    assert [e["metadata"].get("costUsd") for e in sorted(events, key=lambda e: e["id"])] == [0.5, None]
