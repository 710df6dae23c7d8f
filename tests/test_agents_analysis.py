"""Every new agent's session goes through the whole analysis as Claude Code's does: the
time split, the flame graph, files in context (hints), slow tool calls (lenses) and
suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionprof_ls.importers import find_transcripts, import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES = [FIXTURES / "gemini-cli", FIXTURES / "copilot-cli", FIXTURES / "opencode" / "opencode.db", FIXTURES / "cline"]


@pytest.mark.parametrize("path", find_transcripts(SOURCES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_whole_analysis(tmp_path, path):
    from sessionprof_ls.engine import Engine

    engine = Engine(tmp_path / "s.db")
    res = import_file(path)
    sessions = engine.ingest(res.events)["sessions"]
    assert sessions
    for sid in sessions:
        perf = engine.performance(sid)
        assert perf["totalDuration"] > 0 and perf["aiThinkingTime"] > 0
        covered = perf["aiThinkingTime"] + perf["toolExecutionTime"] + (perf["networkTime"] or 0) + perf["userWaitTime"]
        assert covered <= perf["totalDuration"] + 1
        graph = engine.flame_graph(sid, "time", "time")
        assert graph and engine.flame_graph(sid, "aggregate", "tokens")
        reads = [
            e
            for e in res.events
            if e["sessionId"] == sid and e["type"] == "file_read" and (e.get("metadata") or {}).get("fileTokens")
        ]
        if reads:  # a file the agent read is in the files table the hints come from
            files = {r["filePath"] for r in perf["tokensByFile"]}
            assert {e["metadata"]["filePath"] for e in reads} & files
        tools = [e for e in res.events if e["sessionId"] == sid and e["type"] == "tool_execution" and "endTime" in e]
        if tools:  # the slowest tool call is among the slowest operations (the lenses)
            slowest = max(tools, key=lambda e: e["endTime"] - e["startTime"])
            listed = {o["event"]["id"]: o["event"]["duration"] for o in perf["slowestOperations"]}
            assert slowest["id"] in listed or min(listed.values()) >= slowest["endTime"] - slowest["startTime"]
        assert isinstance(perf["suggestions"], list)
