"""The CLI as a user runs it: a fresh store shows the bundled real sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls.models import PerformanceData


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(SESSIONPROF_STORE=str(tmp_path / "store.db"), COLUMNS="120", HOME=str(tmp_path / "home"))
    return subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_report_on_a_fresh_store_shows_the_sample(tmp_path):
    out = run(tmp_path, "report", "--width", "120")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for heading in (
        "PERFORMANCE",
        "SUMMARY",
        "TIME BREAKDOWN",
        "SLOWEST OPERATIONS",
        "OPTIMIZATION SUGGESTIONS",
        "TOKEN ANALYSIS",
        "BY MESSAGE",
        "BY FILE IN CONTEXT",
        "BY MODEL",
    ):
        assert heading in text
    # the sample is spotter-subagent: its reference total (tests/fixtures/README.md)
    assert f"{1576 + 1586 + 25842 + 427286:,}" in text
    assert "claude-opus-4-6" in text
    # labelled as the sample, and never written into the store as a user session
    assert text.startswith("SAMPLE") and "not stored" in text
    assert json.loads(run(tmp_path, "sessions", "--json").stdout) == []


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
    out = run(
        tmp_path,
        "--store",
        str(tmp_path / "store.db"),
        "export",
        s["sessionId"],
        "--format",
        "speedscope",
        "-o",
        str(target),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text())["profiles"]
    bad = run(tmp_path, "report", "no-such-session")
    assert bad.returncode == 1 and "no session" in bad.stderr


def _reference_totals() -> dict[str, int]:
    """Per fixture session id: the README's reference total tokens."""
    from test_fixture_totals import CLAUDE_REFERENCE, CODEX_REFERENCE

    from sessionprof_ls.importers import import_file

    out = {}
    for name, (i, o, cw, cr, _, _) in CLAUDE_REFERENCE.items():
        out[import_file(FIXTURES / "claude-code" / f"{name}.jsonl").events[0]["sessionId"]] = i + o + cw + cr
    for name, (i, cached, o, _) in CODEX_REFERENCE.items():
        out[import_file(FIXTURES / "codex" / f"{name}.jsonl").events[0]["sessionId"]] = i + cached + o
    return out


def test_import_shows_each_session_then_nothing_new(tmp_path):
    from sessionprof_ls.models import Summary

    folders = [str(FIXTURES / "claude-code"), str(FIXTURES / "codex")]
    out = run(tmp_path, "import", "--json", *folders)
    assert out.returncode == 0, out.stderr
    summaries = json.loads(out.stdout)
    for s in summaries:
        Summary.model_validate(s)
    reference = _reference_totals()
    assert {s["sessionId"]: s["totalTokens"] for s in summaries} == reference
    for s in summaries:  # the timing analysis: the buckets add up to the session's wall time
        # (a bucket the source does not record is null; idle time between turns is outside the buckets)
        parts = sum(
            v or 0
            for k, v in s.items()
            if k.endswith("Time") and k not in ("activeTime", "idleTime", "startTime", "endTime")
        )
        active = s.get("activeTime", s["totalDuration"])
        assert parts == pytest.approx(active) and s["totalDuration"] > 0
        assert active + s.get("idleTime", 0) == pytest.approx(s["totalDuration"])
    again = run(tmp_path, "import", *folders)
    assert again.returncode == 0 and "nothing new to import" in again.stdout
    # the table on a fresh store: one row per session with its tokens and cost
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    table = run(fresh, "import", *folders)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["SESSION", "TITLE", "SOURCE"]
    for s in summaries:
        (row,) = [line for line in lines if line.startswith(s["sessionId"][:8])]
        assert f"{s['totalTokens']:,}" in row and f"${s['totalCost']:.3f}" in row
    assert f"imported {len(reference)} session(s)" in table.stdout


def test_import_reports_bad_lines_by_file_and_line_and_keeps_the_rest(tmp_path):
    src = (FIXTURES / "claude-code" / "agentlogs-crud.jsonl").read_bytes().splitlines(keepends=True)
    bad = tmp_path / "transcripts" / "broken.jsonl"
    bad.parent.mkdir()
    # line 4 is not JSON, line 6 is truncated half-way, the last line is half-written (no newline)
    lines = list(src)
    lines[3] = b'{"type": "user", "message": {"content": [oops\n'
    lines[5] = lines[5][: len(lines[5]) // 2] + b"\n"
    bad.write_bytes(b"".join(lines) + src[-1][:20])
    out = run(tmp_path, "import", "--json", str(bad.parent))
    assert out.returncode == 0, out.stderr
    warnings = [w for w in out.stderr.splitlines() if w.startswith("warning:")]
    assert any(f"{bad}:4:" in w and "invalid JSON" in w for w in warnings), out.stderr
    assert any(f"{bad}:6:" in w for w in warnings), out.stderr
    (s,) = json.loads(out.stdout)
    assert s["messageCount"] > 0 and s["totalTokens"] > 0


def test_import_shows_progress_on_a_terminal(tmp_path):
    import pty

    for i, name in enumerate(sorted((FIXTURES / "claude-code").glob("*.jsonl"))):
        (tmp_path / "t").mkdir(exist_ok=True)
        (tmp_path / "t" / f"{i}-{name.name}").write_bytes(name.read_bytes())
    master, slave = pty.openpty()
    env = dict(os.environ, SESSIONPROF_STORE=str(tmp_path / "store.db"), COLUMNS="100", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessionprof_ls.cli", "import", str(tmp_path / "t")],
        stdin=slave,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    os.close(master)
    assert b"importing" in seen and b"\x1b[" in seen  # rich's live bar, redrawn in place


def test_watch_follows_a_workspace_and_stores_what_it_saw(tmp_path):
    import time

    from sp_fixtures import make_fixture_workspace

    fw = make_fixture_workspace(tmp_path, "claude-code/agentlogs-crud.jsonl", follow=False)
    src = (FIXTURES / "claude-code" / "agentlogs-crud.jsonl").read_bytes().splitlines(keepends=True)
    fw.transcript.write_bytes(b"".join(src[:6]))
    env = dict(
        os.environ,
        SESSIONPROF_STORE=str(tmp_path / "store.db"),
        CLAUDE_CONFIG_DIR=str(fw.claude_dir),
        CODEX_HOME=str(fw.codex_dir),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessionprof_ls.cli", "watch", "--workspace", str(fw.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert "following transcripts" in proc.stdout.readline()
        first = proc.stdout.readline()
        assert first.startswith("+") and fw.session_id[:8] in first
        time.sleep(0.3)
        with open(fw.transcript, "ab") as fh:  # the agent writes on
            fh.write(b"".join(src[6:]))
        second = proc.stdout.readline()
        assert second.startswith("+") and fw.session_id[:8] in second
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    import sqlite3

    with sqlite3.connect(tmp_path / "store.db") as db:  # the cost is stored by watch itself, no report needed
        ((cost,),) = db.execute("SELECT total_cost FROM sessions").fetchall()
    (s,) = json.loads(run(tmp_path, "sessions", "--json").stdout)
    assert s["sessionId"] == fw.session_id and cost == pytest.approx(s["totalCost"]) and cost > 0
    assert s["totalTokens"] == _reference_totals()[fw.session_id]


def _home_with(tmp_path: Path, layout: dict[str, str]) -> Path:
    """A home folder holding fixture transcripts at the given relative paths."""
    home = tmp_path / "home"
    for rel, fixture in layout.items():
        target = home / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((FIXTURES / fixture).read_bytes())
    return home


def test_import_without_paths_reads_the_agents_default_folders(tmp_path):
    home = _home_with(
        tmp_path,
        {
            ".claude/projects/-w-a/a.jsonl": "claude-code/agentlogs-crud.jsonl",
            ".config/claude/projects/-w-b/b.jsonl": "claude-code/spotter-short.jsonl",  # newer Claude Code
            ".codex/sessions/2026/01/25/rollout-x.jsonl": "codex/agentlogs-crud.jsonl",
        },
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(HOME=str(home), SESSIONPROF_STORE=str(tmp_path / "store.db"))
    cmd = [sys.executable, "-m", "sessionprof_ls.cli", "import", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    reference = _reference_totals()
    got = {s["sessionId"]: s["totalTokens"] for s in json.loads(out.stdout)}
    assert len(got) == 3 and all(reference[sid] == tokens for sid, tokens in got.items())
    # CLAUDE_CONFIG_DIR, comma-separated as ccusage reads it, and CODEX_HOME replace the defaults
    other = _home_with(
        tmp_path / "o",
        {
            "c1/projects/-w/a.jsonl": "claude-code/agentlogs-todos.jsonl",
            "c2/projects/-w/b.jsonl": "claude-code/agentlogs-compact.jsonl",
        },
    )
    env.update(
        CLAUDE_CONFIG_DIR=f"{other / 'c1'}, {other / 'c2'}",
        CODEX_HOME=str(other / "nothing"),
        SESSIONPROF_STORE=str(tmp_path / "store2.db"),
    )
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    got = {s["sessionId"]: s["totalTokens"] for s in json.loads(out.stdout)}
    assert len(got) == 2 and all(reference[sid] == tokens for sid, tokens in got.items())
    # nothing anywhere: a clear error naming where it looked
    env.update(CLAUDE_CONFIG_DIR=str(tmp_path / "none"))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and str(tmp_path / "none" / "projects") in out.stderr and "nothing" in out.stderr
