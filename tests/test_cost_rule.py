"""One cost rule (issues 12 and 18): no request billed at all -> cost 0, complete; requests
whose usage the source does not record -> cost null, not complete, and every client writes
"not recorded" (never $0, never null beside costComplete true)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionprof_ls.analysis.formatting import row_cost, row_tokens, summary_cost, summary_tokens
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL = sorted(FIXTURES.glob("*/*.jsonl"))
LEGACY = sorted((FIXTURES / "copilot-cli" / "history-session-state").glob("*.json"))
COPILOT_EVENTS = FIXTURES / "copilot-cli" / "session-state" / "96ef38f0-9d09-45c3-8124-6448c36090ed" / "events.jsonl"


def _summary(path: Path, tmp_path: Path) -> tuple[dict, dict]:
    engine = Engine(str(tmp_path / "s.db"))
    (sid,) = engine.ingest(import_file(path).events)["sessions"]
    return engine.summary(sid), engine.performance(sid, include_events=False)


@pytest.mark.parametrize("path", REAL, ids=[f"{p.parent.name}/{p.stem}" for p in REAL])
def test_real_transcripts_have_a_complete_cost(path, tmp_path):
    s, _ = _summary(path, tmp_path)
    assert s["costComplete"] is True and s["totalCost"] > 0 and "totalCost" not in s["notRecorded"]
    assert summary_cost(s).startswith("$") and summary_tokens(s) == f"{s['totalTokens']:,}"


def test_nothing_billed_costs_zero_and_is_complete(tmp_path):
    src = FIXTURES / "codex" / "agentlogs-crud.jsonl"
    kept = [
        line
        for line in src.read_text().splitlines()
        if line.strip() and (json.loads(line).get("payload") or {}).get("type") != "token_count"
    ]
    (tmp_path / "rollout.jsonl").write_text("\n".join(kept) + "\n")
    s, _ = _summary(tmp_path / "rollout.jsonl", tmp_path)
    assert s["totalCost"] == 0.0 and s["costComplete"] is True and "totalCost" not in s["notRecorded"]
    assert summary_cost(s) == "$0.000"


@pytest.mark.parametrize("path", LEGACY, ids=[p.stem[:16] for p in LEGACY])
def test_copilot_legacy_usage_not_recorded_is_never_zero_or_complete(path, tmp_path):
    s, perf = _summary(path, tmp_path)
    assert s["responseCount"] == 0 and s["totalCost"] is None and s["costComplete"] is False
    assert "totalTokens" in s["notRecorded"] and "totalCost" in s["notRecorded"]
    assert summary_cost(s) == "not recorded" and summary_tokens(s) == "not recorded"
    answers = [r for r in perf["tokensByMessage"] if r["role"] == "assistant"]
    assert answers and all(r["usageRecorded"] is False for r in answers)
    assert {row_tokens(r) for r in answers} == {"not recorded"} and {row_cost(r) for r in answers} == {"not recorded"}


def test_agent_cost_shown_beside_ours_when_they_differ(tmp_path):
    """Copilot's AI credits (nano-AIU, as test_import_gemini_copilot builds them) are the
    agent's own cost; genai-prices' price of the same tokens differs and is shown beside it."""
    lines = COPILOT_EVENTS.read_text().splitlines()
    shutdown = json.loads(lines[-1])
    shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 4_000_000_000  # 4 AIU = $0.04
    (tmp_path / "events.jsonl").write_text("\n".join(lines[:-1] + [json.dumps(shutdown)]) + "\n")
    s, _ = _summary(tmp_path / "events.jsonl", tmp_path)
    assert s["costDiffers"] is True and s["costComplete"] is True and s["agentCost"] == pytest.approx(0.04)
    assert summary_cost(s) == f"${s['totalCost']:.3f} (agent $0.040 · priced ${s['pricedCost']:.3f})"
    plain, _ = _summary(COPILOT_EVENTS, tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path)
    assert plain["costDiffers"] is False and summary_cost(plain) == f"${plain['totalCost']:.3f}"


def _cli(tmp_path: Path, *args: str, width: int = 200) -> str:
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": str(width), "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", "--store", str(tmp_path / "cli.db"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_cli_report_says_not_recorded_and_shows_both_costs(tmp_path):
    _cli(tmp_path, "import", str(LEGACY[-1]))
    text = _cli(tmp_path, "report", width=80)
    rows = [line for line in text.splitlines() if " asst " in line]
    assert rows and all(line.split()[-2:] == ["n/r", "n/r"] and " 0 " not in line for line in rows)
    table = text[text.index("BY MESSAGE") : text.index("BY FILE IN CONTEXT")]
    total = next(line for line in table.splitlines() if line.strip().startswith("TOTAL "))
    assert total.split()[1:] == ["not", "recorded", "not", "recorded"]
    assert "n/r: usage not recorded by the source" in table
    lines = COPILOT_EVENTS.read_text().splitlines()
    shutdown = json.loads(lines[-1])
    shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 4_000_000_000
    (tmp_path / "cp").mkdir()
    (tmp_path / "cp" / "events.jsonl").write_text("\n".join(lines[:-1] + [json.dumps(shutdown)]) + "\n")
    imported = _cli(tmp_path / "cp", "import", str(tmp_path / "cp" / "events.jsonl"))
    assert "(agent $0.040 · priced $0.193)" in imported
    assert "$0.040 (agent $0.040 · priced $0.193)" in _cli(tmp_path / "cp", "report")


def test_cli_sessions_list_says_not_recorded(tmp_path):
    _cli(tmp_path, "import", str(LEGACY[-1]), str(FIXTURES / "codex" / "agentlogs-crud.jsonl"))
    rows = {line.split()[0]: line for line in _cli(tmp_path, "sessions").splitlines()[1:] if line.strip()}
    legacy = next(v for k, v in rows.items() if LEGACY[-1].stem.split("_")[-1].startswith(k))
    assert legacy.rstrip().endswith("not recorded  not recorded") and "not priced" not in legacy
    codex = next(v for k, v in rows.items() if not LEGACY[-1].stem.split("_")[-1].startswith(k))
    assert "$" in codex and "not recorded" not in codex
