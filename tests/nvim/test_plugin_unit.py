"""The Neovim plugin's parts that need no server: command, completion, options,
formatting, protocol names, and the text report drawn from real engine data."""

from __future__ import annotations

import json
import re

import pytest

from sessionprof_ls import protocol
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers.claude_code import import_claude

from .conftest import FIXTURES, render_report


def _perf(tmp_path, name: str) -> dict:
    engine = Engine(str(tmp_path / "render.db"))
    result = import_claude(FIXTURES / "claude-code" / f"{name}.jsonl")
    engine.ingest(result.events)
    session_id = engine.sessions()[0]["sessionId"]
    return engine.performance(session_id)


def test_command_completion_options_and_protocol(nvim_runner, tmp_path):
    summary = _perf(tmp_path, "agentlogs-crud")
    run = nvim_runner("unit.lua", env={"SESSIONPROF_TEST_SUMMARY": json.dumps(summary)})

    assert run.ok("command_exists") is True
    top = run.ok("complete_top")
    for sub in ("report", "flame", "apply", "sessions", "export"):
        assert sub in top
    assert run.ok("complete_export") == list(protocol.EXPORT_FORMATS)
    assert set(run.ok("complete_prefix")) == {s for s in top if s.startswith("re")}

    bad = run.ok("bad_options")
    # one short line after start-up (no hit-enter prompt), each problem once; all of them in config.errors
    assert bad["before_enter"] == 0
    assert len(bad["messages"]) == 1, bad["messages"]
    assert "\n" not in bad["messages"][0] and "(and 2 more)" in bad["messages"][0], bad["messages"]
    assert ":checkhealth sessionprof" in bad["messages"][0]
    text = "\n".join(bad["errors"])
    assert len(bad["errors"]) == 3
    assert "`cmd`" in text and "`bogus`" in text and "`settings.slowThresholdMs`" in text
    # Invalid values are dropped, the valid ones kept.
    assert bad["cmd"] == ["sessionprof-ls"]
    assert bad["inlay_hints"] is False
    assert bad["settings"] == {"slowestCount": 3}

    assert any("unknown subcommand" in m and "nope" in m for m in run.ok("unknown_subcommand"))
    assert any("not running" in m for m in run.ok("no_server"))

    assert run.ok("statusline_empty") == ""
    status = run.ok("statusline")
    tokens = f"{summary['totalTokens']:,} tk"
    assert tokens in status["component"]
    assert f"${summary['totalCost']:.3f}" in status["component"]
    assert status["plain"] == status["component"]

    fmt = run.ok("format")
    assert fmt["int"] == ["0", "999", "1,234", "1,234,567"]
    assert fmt["duration"] == ["850ms", "12.3s", "4m 12s", "3h 02m"]
    assert fmt["cost"] == ["price unknown", "price unknown", "$0.014", "$12.500"]

    lua = run.ok("protocol")
    py = {k: v for k, v in vars(protocol).items() if k.isupper()}
    assert set(lua) == set(py), set(lua) ^ set(py)
    for key, value in py.items():
        assert lua[key] == (list(value) if isinstance(value, tuple) else value), key


@pytest.mark.parametrize("fixture", ["spotter-subagent", "agentlogs-crud"])
def test_report_text_from_real_session(nvim_runner, tmp_path, fixture):
    perf = _perf(tmp_path, fixture)
    perf_file = tmp_path / "perf.json"
    perf_file.write_text(json.dumps(perf))
    slow = perf["slowestOperations"][0]["event"]
    run = nvim_runner("render.lua", env={"SESSIONPROF_TEST_PERF": str(perf_file), "SESSIONPROF_TEST_EVENT": slow["id"]})

    lines = run.ok("render")["lines"]
    text = "\n".join(lines)
    for section in ("SUMMARY", "TIME BREAKDOWN", "FLAME GRAPH", "SLOWEST OPERATIONS", "OPTIMIZATION SUGGESTIONS"):
        assert f"── {section} " in text
    assert f"{perf['totalTokens']:,}" in text
    assert f"{perf['messageCount']}" in text

    # Time bars: filled cells proportional to the share of the session.
    # the bars leave room for the longest label: 'Name (NN%)' or 'Network (not recorded)'
    labels = [
        ("AI", perf["aiThinkingTime"]),
        ("Tools", perf["toolExecutionTime"]),
        ("Network", perf["networkTime"]),
        ("User", perf["userWaitTime"]),
    ] + ([("Other", perf["otherTime"])] if perf.get("otherTime") is not None else [])
    barw = 100 - 5 - max(len(n) + (7 if v is not None else 15) for n, v in labels)
    ai_bar = next(line for line in lines if line.rstrip().endswith(f"AI ({round(perf['aiThinkingPercent'])}%)"))
    assert ai_bar.count("█") == round(perf["aiThinkingPercent"] / 100 * barw)
    assert ai_bar.count("█") + ai_bar.count("░") == barw

    # Flame chart: the session row spans the width; the widest top-level events are labelled.
    start = lines.index(next(line for line in lines if "── FLAME GRAPH" in line))
    flame = lines[start + 1 : lines.index(next(line for line in lines if "── SLOWEST" in line)) - 1]
    assert flame[1].strip().startswith("[Session: ") and flame[1].strip().endswith("]")
    widest = max(perf["events"], key=lambda e: e["duration"])
    assert widest["name"][:5] in flame[2]
    assert len(flame) - 2 >= 2

    # Slowest operations and suggestions, as the engine ranked them.
    for op in perf["slowestOperations"]:
        assert re.search(rf"{op['rank']}\. {re.escape(op['event']['name'][:20])}", text)
    for s in perf["suggestions"]:
        assert f"⚡ {s['title']}" in text

    # At an event: it is named on the selected line, and the cursor is there in the window.
    shown = run.ok("show")
    assert shown["relative"] == "editor"
    assert shown["modifiable"] is False
    sel = shown["selected_line"]
    assert slow["name"] in shown["lines"][sel]
    assert shown["cursor"] == sel
    assert sel in shown["selected_marks"]


def test_highlight_links_survive_colorscheme(nvim_runner):
    """Every group links to its default on load and again after `:colorscheme` (whose `:hi clear`
    drops default links), except one a scheme styles itself, which keeps the scheme's colour."""
    run = nvim_runner("highlights.lua")
    loaded = run.ok("loaded")
    for group in ("SessionProfHeader", "SessionProfFlameAi", "SessionProfHintHigh", "SessionProfLens"):
        assert group in loaded
    assert loaded["SessionProfHeader"]["link"] == "Title"
    assert loaded["SessionProfHintMid"]["link"] == "DiagnosticWarn"
    for step in ("loaded", "after_builtin_scheme"):
        groups = run.ok(step) or {}  # an empty Lua table comes back as []
        assert set(groups) == set(loaded), (step, sorted(groups))
        for name, hl in groups.items():
            assert hl["link"] == hl["plugin"] and hl["plugin"] is not None, (step, name, hl)
    styled = run.ok("after_scheme_that_styles_one") or {}
    assert set(styled) == set(loaded), sorted(styled)
    assert styled["SessionProfHeader"] == {"link": None, "fg": 0xFF0000, "plugin": "Title"}
    for name, hl in styled.items():
        if name != "SessionProfHeader":
            assert hl["link"] == hl["plugin"], (name, hl)


def test_report_says_none_under_an_empty_list(tmp_path):
    """A list section with nothing to list (an empty array, or null) says "(none)" under its title."""
    perf = _perf(tmp_path, "agentlogs-crud")
    perf["slowestOperations"] = []
    perf["suggestions"] = None
    lines = render_report(perf, tmp_path).splitlines()
    for section in ("SLOWEST OPERATIONS", "OPTIMIZATION SUGGESTIONS"):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"── {section} "))
        assert lines[at + 1] == "  (none)", lines[at : at + 3]
    assert "⚡" not in "\n".join(lines)
