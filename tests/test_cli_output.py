"""The CLI as it reads at 80 and 200 columns and piped: nothing wider than the
terminal, numbers whole or shortened (never `1,5…`), paths relative, wrapped
lines indented; `sessions` with date, duration, unique prefixes and cost;
`report` with no argument shows the user's own latest session."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES, run_cli

BIG = FIXTURES / "claude-code" / "spotter-subagent.jsonl"  # long title, files in context, suggestions


def sp(tmp_path: Path, *args: str, columns: int | None = None, home: Path | None = None) -> subprocess.CompletedProcess:
    out = run_cli(tmp_path, *args, home=home, columns=columns)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


@pytest.fixture
def store(tmp_path):
    sp(tmp_path, "import", str(FIXTURES / "claude-code"), str(FIXTURES / "codex"))
    return tmp_path


def _reference(sid: str, tmp_path: Path) -> dict:
    (row,) = [s for s in json.loads(sp(tmp_path, "sessions", "--json").stdout) if s["sessionId"] == sid]
    return row


@pytest.mark.parametrize("columns", [80, 200, None])  # None: piped without COLUMNS, rich's 80
def test_report_fits_and_keeps_numbers_whole(store, columns):
    data = json.loads(sp(store, "report", str(BIG), "--json").stdout)
    text = sp(store, "report", str(BIG), columns=columns).stdout
    width = columns or 80
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    for heading in (
        "SUMMARY",
        "TIME BREAKDOWN",
        "SLOWEST OPERATIONS",
        "OPTIMIZATION SUGGESTIONS",
        "BY MESSAGE",
        "BY FILE IN CONTEXT",
        "BY MODEL",
    ):
        assert any(line.startswith(heading) for line in lines), heading
    # the session's totals appear whole on the TOTAL row (1,576 / 427,286/25,842 / 1,586 / 456,290)
    (total,) = [line for line in lines if re.match(r"\s+TOTAL\s+\d", line)]
    assert f"{data['totalTokens']:,}" in total and f"{data['outputTokens']:,}" in total
    assert not re.search(r"\d…", text)  # no number cut by an ellipsis
    # file paths are relative to the session's workspace: mix.exs, not /home/marco/projects/spotter/mix.exs
    files = text[text.index("BY FILE IN CONTEXT") : text.index("BY MODEL")]
    assert re.search(r"^\s+mix\.exs\s", files, re.M) and "/home/marco/projects/spotter/mix.exs" not in files
    # the title is whole at 200 columns (the report no longer cuts it), and wraps indented when narrower
    header = text[: text.index("SUMMARY")]
    assert " ".join(header.split()).startswith(f"PERFORMANCE Session: {data['title']}")
    if width < 120:
        assert header.splitlines()[1].startswith(" " * 13)
    # a wrapped suggestion line stays under its text, not at the left edge
    sugg = text[text.index("OPTIMIZATION SUGGESTIONS") : text.index("TOKEN ANALYSIS")].splitlines()[1:]
    firsts = [i for i, line in enumerate(sugg) if line.lstrip().startswith("⚡")]
    assert firsts
    for line in sugg:
        if line.strip():
            assert line.startswith("  ⚡ ") or line.startswith("     "), line


@pytest.mark.parametrize("columns", [80, 120, 200, None])
def test_sessions_table_fits_with_date_duration_unique_prefixes(store, columns):
    rows = json.loads(sp(store, "sessions", "--json").stdout)
    text = sp(store, "sessions", columns=columns).stdout
    width = columns or 80
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    header = lines[0].split()
    assert header[:3] == ["SESSION", "DATE", "DURATION"] and "TITLE" in header and header[-1] == "COST"
    assert len(lines) == 1 + len(rows)
    prefixes = [line.split()[0] for line in lines[1:]]
    assert len(set(prefixes)) == len(rows) and all(len(p) >= 8 for p in prefixes)
    for p, r in zip(prefixes, rows, strict=True):
        assert r["sessionId"].startswith(p)
    long = [r for r in rows if len(r["title"]) > 60]
    assert long
    at = lines[0].index("TITLE")
    for r in long:
        (line,) = [line for line in lines if line.startswith(r["sessionId"][: len(prefixes[0])])]
        assert f"${r['totalCost']:.3f}" in line
        cell = re.split(r"\s{2,}", line[at:])[0]
        # whole, or cut with "…" (never silently)
        assert cell == r["title"] or (cell.endswith("…") and r["title"].startswith(cell[:-1])), (cell, r["title"])
        assert width < 200 or len(r["title"]) > 100 or cell == r["title"]  # wide terminals: long titles whole
        assert width > 80 or cell != r["title"]
        assert re.search(r"\d{2}-\d{2} \d{2}:\d{2}", line)  # the date (with the year from 120 columns)
        if width >= 120:
            assert re.search(r"20\d\d-\d{2}-\d{2} \d{2}:\d{2}", line) and f"{r['totalTokens']:,}" in line
    for r in rows:
        if len(r["title"]) <= 30:
            assert r["title"] in text


def test_report_without_argument_imports_the_agents_folders_and_shows_the_latest(tmp_path):
    home = tmp_path / "home"
    project = home / ".claude" / "projects" / "-w"
    project.mkdir(parents=True)
    shutil.copy(FIXTURES / "claude-code" / "agentlogs-todos.jsonl", project / "a.jsonl")
    first = sp(tmp_path, "report", "--json").stdout
    data = json.loads(first)
    assert data["title"].startswith("create a todo list") and not data.get("sample")
    # a newer session appears: the next `report` imports only it and shows it
    shutil.copy(FIXTURES / "claude-code" / "spotter-short.jsonl", project / "b.jsonl")
    data2 = json.loads(sp(tmp_path, "report", "--json").stdout)
    assert data2["sessionId"] != data["sessionId"] and data2["startTime"] > data["startTime"]
    assert len(json.loads(sp(tmp_path, "sessions", "--json").stdout)) == 2
    text = sp(tmp_path, "report").stdout
    assert "SAMPLE" not in text and "mix phx.server" in text


def test_report_on_an_empty_machine_is_the_labelled_sample_and_stores_nothing(tmp_path):
    data = json.loads(sp(tmp_path, "report", "--json").stdout)
    assert data["sample"] is True and data["totalTokens"] == 1576 + 1586 + 25842 + 427286
    text = sp(tmp_path, "report", columns=100).stdout
    assert text.startswith("SAMPLE") and "not stored" in text
    assert json.loads(sp(tmp_path, "sessions", "--json").stdout) == []
    # once the user has a session, it is shown instead
    sp(tmp_path, "import", str(FIXTURES / "codex" / "agentlogs-crud.jsonl"))
    assert "SAMPLE" not in sp(tmp_path, "report").stdout
