"""Every fixture session analysed end to end: import, engine, analysis, flame
graph and exports, checked against the reference totals of tests/fixtures/README.md."""

from __future__ import annotations

import json

import pytest
from sp_fixtures import CLAUDE_REFERENCE, CODEX_REFERENCE, FIXTURES

from sessionprof_ls.analysis import time_parts
from sessionprof_ls.engine import Engine
from sessionprof_ls.exports import export
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import FlameGraph, PerformanceData

# (input, output, cache write, cache read, ccusage cost) from tests/fixtures/README.md
REFERENCE = {
    **{f"claude-code/{n}.jsonl": (i, o, cw, cr, cost) for n, (i, o, cw, cr, _, cost) in CLAUDE_REFERENCE.items()},
    **{f"codex/{n}.jsonl": (i, o, 0, cached, cost) for n, (i, cached, o, cost) in CODEX_REFERENCE.items()},
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
