"""Every fixture session analysed end to end: import, engine, analysis, flame
graph and exports, checked against the reference totals of tests/fixtures/README.md."""

from __future__ import annotations

import json

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls.analysis import time_parts
from sessionprof_ls.engine import Engine
from sessionprof_ls.exports import export
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import FlameGraph, PerformanceData

# (input, output, cache write, cache read, ccusage cost) from tests/fixtures/README.md
REFERENCE = {
    "claude-code/agentlogs-compact.jsonl": (10, 148, 2_128, 13_522, 0.014287),
    "claude-code/agentlogs-crud.jsonl": (25, 1_508, 12_593, 148_958, 0.114606),
    "claude-code/agentlogs-subagent.jsonl": (24, 276, 23_122, 20_952, 0.097205),
    "claude-code/agentlogs-todos.jsonl": (24, 660, 2_151, 87_863, 0.044397),
    "claude-code/spotter-short.jsonl": (3, 13, 13_835, 11_515, 0.144448),
    "claude-code/spotter-subagent.jsonl": (1_576, 1_586, 25_842, 427_286, 0.519593),
    "claude-code/spotter-tool_heavy.jsonl": (54, 212, 17_696, 88_231, 0.226645),
    "codex/agentlogs-crud.jsonl": (3_097, 300, 0, 44_160, 0.017348),
    "codex/agentlogs-images.jsonl": (27_026, 2_163, 0, 189_952, 0.110819),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_fixture_end_to_end(name, tmp_path):
    tin, tout, tcw, tcr, cost = REFERENCE[name]
    engine = Engine(tmp_path / "s.db")
    result = import_file(FIXTURES / name)
    res = engine.ingest(result.events)
    assert res["rejected"] == []
    (sid,) = res["sessions"]
    data = engine.performance(sid)
    PerformanceData.model_validate(data)
    assert (data["inputTokens"], data["outputTokens"], data["cacheWriteTokens"], data["cacheReadTokens"]) == (
        tin,
        tout,
        tcw,
        tcr,
    )
    assert data["totalCost"] == pytest.approx(cost, rel=0.02)
    assert time_parts(data) == pytest.approx(data["totalDuration"], abs=1e-6)
    assert data["activeTime"] + data["idleTime"] == pytest.approx(data["totalDuration"], abs=1e-6)
    assert data["messageCount"] == len(data["tokensByMessage"]) > 0 and data["title"]
    assert sum(r["total"] for r in data["tokensByModel"]) == data["totalTokens"]
    assert sum(r["total"] for r in data["tokensByMessage"]) == data["totalTokens"]
    graph = engine.flame_graph(sid)
    FlameGraph.model_validate(graph)
    assert len(graph["frames"]["name"]) == data["eventCount"] + 1
    for view, weight in (("aggregate", "time"), ("time", "tokens"), ("aggregate", "tokens")):
        FlameGraph.model_validate(engine.flame_graph(sid, view, weight))
    for fmt in ("speedscope", "cpuprofile", "chrome-trace", "json"):
        json.loads(export(engine.analysis(sid), fmt))
