"""The cost rule in Neovim's report (issues 12/18), real Copilot data rendered by report.lua in a
real headless Neovim: a legacy session whose responses carry no usage says "not recorded" for
tokens and cost (never 0 or $0); an agent-reported cost that differs from ours is shown beside it."""

from __future__ import annotations

import json

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

from .conftest import FIXTURES, render_report

COPILOT = FIXTURES / "copilot-cli"


def _perf(path, tmp_path) -> dict:
    engine = Engine(str(tmp_path / "s.db"))
    (sid,) = engine.ingest(import_file(path).events)["sessions"]
    return engine.performance(sid)


def test_usage_not_recorded_and_agent_cost(tmp_path):
    legacy = _perf(COPILOT / "history-session-state" / "session_0b2a81da-02cf-4cbb-ae14-07c597b84f4e.json", tmp_path)
    text = render_report(legacy, tmp_path)
    assert "tokens not recorded: copilot-cli records no token counts" in text
    summary = text[text.index("Total Tokens") : text.index("tokens not recorded")]
    assert summary.count("not recorded") == 3 and "$0" not in summary and "price unknown" not in summary, summary
    lines = (
        (COPILOT / "session-state" / "96ef38f0-9d09-45c3-8124-6448c36090ed" / "events.jsonl").read_text().splitlines()
    )
    shutdown = json.loads(lines[-1])
    shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 4_000_000_000  # $0.04 reported
    (tmp_path / "cp").mkdir()
    (tmp_path / "cp" / "events.jsonl").write_text("\n".join(lines[:-1] + [json.dumps(shutdown)]) + "\n")
    perf = _perf(tmp_path / "cp" / "events.jsonl", tmp_path / "cp")
    assert perf["costDiffers"] is True
    assert f"$0.040 (agent $0.040 · priced ${perf['pricedCost']:.3f})" in render_report(perf, tmp_path / "cp")
