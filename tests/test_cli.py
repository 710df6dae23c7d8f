"""The CLI as a user runs it: a fresh store shows the bundled real sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sp_fixtures import FIXTURES

from sessionprof_ls.models import PerformanceData


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SESSIONPROF_STORE=str(tmp_path / "store.db"), COLUMNS="120")
    return subprocess.run([sys.executable, "-m", "sessionprof_ls.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_report_on_a_fresh_store_shows_the_sample(tmp_path):
    out = run(tmp_path, "report", "--width", "120")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for heading in ("PERFORMANCE", "SUMMARY", "TIME BREAKDOWN", "SLOWEST OPERATIONS", "OPTIMIZATION SUGGESTIONS",
                    "TOKEN ANALYSIS", "BY MESSAGE", "BY FILE IN CONTEXT", "BY MODEL"):
        assert heading in text
    # the sample is spotter-subagent: its reference total (tests/fixtures/README.md)
    assert f"{1576 + 1586 + 25842 + 427286:,}" in text
    assert "claude-opus-4-6" in text


def test_report_json_import_sessions_export(tmp_path):
    fixture = FIXTURES / "codex" / "agentlogs-crud.jsonl"
    out = run(tmp_path, "import", str(fixture))
    assert out.returncode == 0 and "imported 1 session" in out.stdout
    sessions = json.loads(run(tmp_path, "sessions", "--json").stdout)
    (s,) = sessions
    assert s["source"] == "codex" and s["totalTokens"] == 3097 + 44160 + 300
    data = json.loads(run(tmp_path, "report", s["sessionId"][:8], "--json").stdout)
    PerformanceData.model_validate(data)
    assert data["events"]
    target = tmp_path / "out.speedscope.json"
    out = run(tmp_path, "--store", str(tmp_path / "store.db"), "export", s["sessionId"], "--format", "speedscope",
              "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text())["profiles"]
    bad = run(tmp_path, "report", "no-such-session")
    assert bad.returncode == 1 and "no session" in bad.stderr
