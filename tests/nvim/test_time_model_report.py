"""Issue 12 in Neovim: the report of a real transcript (performance from the engine, as JSON,
rendered by the plugin's report.lua in a real headless Neovim 0.11) shows wall, active and idle
time and "not recorded" (with why) for network, never 0ms."""

from __future__ import annotations

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

from .conftest import FIXTURES, render_report


def test_report_shows_wall_active_idle_and_not_recorded(tmp_path):
    path = FIXTURES / "claude-code" / "agentlogs-compact.jsonl"  # 1m 33s idle between turns, no network spans
    engine = Engine(str(tmp_path / "s.db"))
    res = import_file(path)
    (sid,) = engine.ingest(res.events)["sessions"]
    perf = engine.performance(sid)
    assert perf["networkTime"] is None and perf["idleTime"] > 60_000
    text = render_report(perf, tmp_path)
    assert "wall 1m 51s · active 17s · idle 1m 33s" in text or "wall 1m 51s · active 17.2s · idle 1m 33s" in text, text
    assert "network not recorded: claude-code does not time network requests" in text
    lines = text.splitlines()
    network_bar = [ln for ln in lines if ln.rstrip().endswith("Network (not recorded)")]
    assert network_bar, text
    assert "Network (0%)" not in text
