"""The session tree rules (PROTOCOL.md section 1) and the time split, on event
streams built here, through the engine and the store."""

from __future__ import annotations

import pytest

from sessionprof_ls.analysis import Analysis, time_parts
from sessionprof_ls.engine import Engine
from sessionprof_ls.models import PerformanceData

T0 = 1_700_000_000_000.0


def ev(id, type="tool_execution", start=0, end=None, parent=None, sid="s", **meta):
    e = {"sessionId": sid, "id": id, "type": type, "name": id, "startTime": T0 + start}
    if end is not None:
        e["endTime"] = T0 + end
    if parent is not None:
        e["parentId"] = parent
    if meta:
        e["metadata"] = meta
    return e


@pytest.fixture
def engine(tmp_path):
    return Engine(tmp_path / "store.db")


def test_parallel_tool_calls_split_adds_up_to_wall_time(engine):
    engine.ingest(
        [
            ev("ai1", "ai_response", 0, 2000),
            # three tools in parallel, 2000..5000, 2000..4000, 3000..6000: covered 2000..6000
            ev("t1", start=2000, end=5000),
            ev("t2", start=2000, end=4000),
            ev("t3", start=3000, end=6000),
            ev("net", "network_request", 4500, 5500, parent="t3"),
            ev("ai2", "ai_response", 7000, 9000),  # a gap 6000..7000 is "other"
            ev("wait", "user_input", 9000, 10000),
        ]
    )
    s = engine.summary("s")
    assert s["totalDuration"] == 10000
    assert s["aiThinkingTime"] == 4000
    assert s["networkTime"] == 1000  # inside t3, network wins
    assert s["toolExecutionTime"] == 3000  # 2000..6000 minus the network second
    assert s["userWaitTime"] == 1000
    assert s["otherTime"] == 1000  # no prompt follows the gap: not idle, unexplained
    assert s["idleTime"] == 0 and s["activeTime"] == 10000
    assert time_parts(s) == s["totalDuration"]
    assert s["toolCallCount"] == 3 and s["messageCount"] == 3  # two responses and the wait: the table's rows


def test_subagent_time_counts_as_its_own_work(engine):
    """A Task tool's self time is what its subagent did: AI thinking inside it is AI time."""
    engine.ingest(
        [
            ev("task", start=0, end=10000, toolName="Task"),
            ev("sub", "agent", 0, 10000, parent="task"),
            ev("sub-ai", "ai_response", 0, 6000, parent="sub"),
            ev("sub-read", "file_read", 6000, 10000, parent="sub", filePath="a.py", fileTokens=10),
        ]
    )
    s = engine.summary("s")
    assert (s["aiThinkingTime"], s["toolExecutionTime"], s["otherTime"]) == (6000, 4000, 0)


def test_child_before_parent_is_flagged_then_attached(engine):
    engine.ingest([ev("child", "file_read", 100, 200, parent="parent")])
    data = engine.performance("s")
    (child,) = data["events"]
    assert child["orphan"] is True and child["parentId"] == "parent"
    engine.ingest([ev("parent", start=0, end=1000)])
    data = engine.performance("s")
    (parent,) = data["events"]
    assert parent["id"] == "parent" and parent["orphan"] is False
    assert [c["id"] for c in parent["children"]] == ["child"]
    assert parent["children"][0]["orphan"] is False


def test_unknown_parent_stays_at_root_flagged(engine):
    engine.ingest([ev("a", start=0, end=10), ev("b", start=5, end=8, parent="nope")])
    events = engine.performance("s")["events"]
    assert [(e["id"], e["orphan"]) for e in events] == [("a", False), ("b", True)]


def test_same_id_twice_updates_and_end_before_start_arrival(engine):
    # the finished span arrives first, its start-only version later: the end is kept
    engine.ingest([ev("x", start=0, end=500, toolName="Bash")])
    engine.ingest([ev("x", start=0, toolName="Bash")])
    engine.ingest([ev("x", start=0, end=800, status="error", error="boom")])
    data = engine.performance("s")
    assert data["eventCount"] == 1
    (x,) = data["events"]
    assert x["duration"] == 800 and x["metadata"]["status"] == "error" and x["metadata"]["error"] == "boom"


def test_running_span_has_live_duration(engine):
    engine.ingest([ev("run", "ai_response", 0)])
    tree = engine.tree("s")
    a = Analysis(tree, now_ms=T0 + 4321)
    (e,) = a.events_tree()
    assert e["running"] is True and e["duration"] == 4321
    assert a.summary()["running"] is True and a.summary()["totalDuration"] == 4321


def test_cycle_is_broken_not_lost(engine):
    engine.ingest([ev("a", start=0, end=10, parent="b"), ev("b", start=0, end=10, parent="a")])
    data = engine.performance("s")
    ids = []

    def walk(nodes):
        for n in nodes:
            ids.append(n["id"])
            walk(n["children"])

    walk(data["events"])
    assert sorted(ids) == ["a", "b"]


def test_bad_events_rejected_one_by_one_naming_the_field(engine):
    good = ev("ok", start=0, end=5)
    batch = [
        good,
        {**ev("w1"), "name": 12},  # wrong type
        {k: v for k, v in ev("w2").items() if k != "type"},  # missing field
        ev("w3", start=500, end=100),  # end before start
        {**ev("w4"), "type": "coffee_break"},  # unknown type
        {**ev("w5"), "startTime": "yesterday"},  # not a time
        ev("w6", tokens={"input": -1}),  # negative tokens
        "not an object",
        ev("ok2", start=10, end=20),
    ]
    res = engine.ingest(batch)
    assert res["accepted"] == 2
    errors = {r["index"]: r["error"] for r in res["rejected"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7]
    assert "`name`" in errors[1]
    assert "missing required field `type`" in errors[2]
    assert "endTime" in errors[3] and "before startTime" in errors[3]
    assert "'coffee_break'" in errors[4] and "`type`" in errors[4]
    assert "startTime" in errors[5]
    assert "`metadata.tokens.input`" in errors[6]
    assert "JSON object" in errors[7]
    assert engine.summary("s")["eventCount"] == 2


def test_iso_times_and_unknown_metadata_kept(engine):
    engine.ingest(
        [
            {
                "sessionId": "s",
                "id": "i",
                "type": "network_request",
                "name": "GET",
                "startTime": "2025-01-01T00:00:00Z",
                "endTime": "2025-01-01T00:00:01.5+00:00",
                "metadata": {"url": "https://example.com", "vendorThing": {"a": 1}},
            }
        ]
    )
    e = engine.event("s", "i")
    assert e["duration"] == 1500
    assert e["metadata"]["vendorThing"] == {"a": 1}


def test_performance_validates_against_the_model(engine):
    engine.ingest(
        [
            ev("ai", "ai_response", 0, 100, model="gpt-5", tokens={"input": 10, "output": 5}),
            ev("t", start=100, end=200, toolName="Read", filePath="x.py"),
            ev("f", "file_read", 100, 200, parent="t", filePath="x.py", fileTokens=50),
        ]
    )
    PerformanceData.model_validate(engine.performance("s"))


def test_analyses_in_threads_while_events_arrive(engine):
    """The server analyses in worker threads while another ingests: every analysis
    sees one consistent snapshot, and ingest never fails on a column being read."""
    import threading

    errors = []
    stop = threading.Event()

    def analyse():
        while not stop.is_set():
            try:
                a = engine.analysis("s")
                s = a.summary()
                a.performance(include_events=False)
                assert s["eventCount"] == a.n
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                return

    worker = threading.Thread(target=analyse)
    engine.ingest([ev("seed", "ai_response", 0, 10, model="gpt-5", tokens={"input": 1, "output": 1})])
    worker.start()
    try:
        for b in range(200):
            batch = []
            for k in range(50):
                i = b * 50 + k
                batch.append(ev(f"t{i}", start=i * 10, end=i * 10 + 5, toolName="Read", filePath=f"f{i % 7}.py"))
                batch.append(
                    ev(f"f{i}", "file_read", i * 10, i * 10 + 5, parent=f"t{i}", filePath=f"f{i % 7}.py", fileTokens=10)
                )
            res = engine.ingest(batch)
            assert res["accepted"] == 100
    finally:
        stop.set()
        worker.join()
    assert errors == []
    assert engine.summary("s")["eventCount"] == 1 + 200 * 100
