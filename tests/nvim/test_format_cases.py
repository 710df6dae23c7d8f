"""Neovim's format.lua against the shared display-format table (sessionprof_ls/format_cases.json)."""

from __future__ import annotations

import json
from pathlib import Path

CASES_PATH = Path(__file__).resolve().parents[2] / "sessionprof_ls" / "format_cases.json"
KINDS = ("duration", "cost", "int", "tokens", "percent")


def test_lua_formatter_matches_the_table(nvim_runner):
    cases = json.loads(CASES_PATH.read_text())
    run = nvim_runner("format_cases.lua", env={"SESSIONPROF_FORMAT_CASES": str(CASES_PATH)})
    out = run.ok("format_cases")
    assert out["words"] == cases["words"]
    for kind in KINDS:
        assert out[kind] == [want for _, want in cases[kind]], kind
