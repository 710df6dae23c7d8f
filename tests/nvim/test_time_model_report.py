"""Issue 12 in Neovim: the report of a real transcript (performance from the engine, as JSON,
rendered by the plugin's report.lua in a real headless Neovim 0.11) shows wall, active and idle
time and "not recorded" (with why) for network, never 0ms."""

from __future__ import annotations

import json
import subprocess

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

from .conftest import FIXTURES, PLUGIN, _nvim

SCRIPT = r"""
local perf = vim.json.decode(table.concat(vim.fn.readfile(vim.env.PERF_JSON), '\n'))
local out = require('sessionprof.report').render(perf, { width = 100 })
vim.fn.writefile(out.lines, vim.env.OUT_TXT)
vim.cmd('qa!')
"""


def test_report_shows_wall_active_idle_and_not_recorded(tmp_path):
    path = FIXTURES / "claude-code" / "agentlogs-compact.jsonl"  # 1m 33s idle between turns, no network spans
    engine = Engine(str(tmp_path / "s.db"))
    res = import_file(path)
    (sid,) = engine.ingest(res.events)["sessions"]
    perf = engine.performance(sid)
    assert perf["networkTime"] is None and perf["idleTime"] > 60_000
    (tmp_path / "perf.json").write_text(json.dumps(perf))
    (tmp_path / "run.lua").write_text(SCRIPT)
    out = tmp_path / "out.txt"
    proc = subprocess.run(
        [_nvim(), "--headless", "--clean", "--cmd", f"set rtp^={PLUGIN}", "-l", str(tmp_path / "run.lua")],
        env={
            "PERF_JSON": str(tmp_path / "perf.json"),
            "OUT_TXT": str(out),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "wall 1m 51s · active 17s · idle 1m 33s" in text or "wall 1m 51s · active 17.2s · idle 1m 33s" in text, text
    assert "network not recorded: claude-code does not time network requests" in text
    lines = text.splitlines()
    network_bar = [ln for ln in lines if ln.rstrip().endswith("Network (not recorded)")]
    assert network_bar, text
    assert "Network (0%)" not in text
