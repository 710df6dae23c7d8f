"""One display-format table (sessionprof_ls/format_cases.json) checked against the Python
reference and the web UI's format.js (in Node). The same cases run against Neovim's format.lua
(tests/nvim/test_format_cases.py) and VS Code's format.ts (src/test/format_cases.test.ts)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sessionprof_ls.analysis import formatting as F

ROOT = Path(__file__).resolve().parents[1]
CASES_PATH = ROOT / "sessionprof_ls" / "format_cases.json"
CASES = json.loads(CASES_PATH.read_text())
KINDS = ("duration", "cost", "int", "tokens", "percent")
PY = {"duration": F.fmt_ms, "cost": F.fmt_usd, "int": F.fmt_int, "tokens": F.fmt_tokens, "percent": F.fmt_pct}
JS = {
    "duration": "formatDuration",
    "cost": "formatCost",
    "int": "formatInt",
    "tokens": "formatTokens",
    "percent": "formatPercent",
}


def _expected() -> dict[str, list[str]]:
    return {k: [want for _, want in CASES[k]] for k in KINDS}


def test_cases_cover_every_kind_and_the_issue_examples():
    assert all(CASES[k] for k in KINDS)
    assert [3723000, "1h 02m"] in CASES["duration"]
    assert [None, "price unknown"] in CASES["cost"]
    assert CASES["words"] == {
        "notRecorded": F.NOT_RECORDED,
        "interrupted": F.INTERRUPTED,
        "priceUnknown": F.PRICE_UNKNOWN,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_python_reference(kind):
    assert [PY[kind](x) for x, _ in CASES[kind]] == _expected()[kind]


def test_web_format_js(tmp_path):
    node = shutil.which("node")
    assert node, "node is installed by scripts/test.sh"
    # The page loads format.js as an ES module; Node needs the .mjs name to do the same.
    shutil.copy(ROOT / "editor-clients" / "web" / "format.js", tmp_path / "format.mjs")
    script = (
        "import * as f from './format.mjs';\n"
        f"const cases = {json.dumps({k: CASES[k] for k in KINDS})};\n"
        f"const fns = {json.dumps(JS)};\n"
        "const out = {};\n"
        "for (const [kind, list] of Object.entries(cases)) out[kind] = list.map(([x]) => f[fns[kind]](x));\n"
        "out.words = {notRecorded: f.NOT_RECORDED, interrupted: f.INTERRUPTED, priceUnknown: f.PRICE_UNKNOWN};\n"
        "console.log(JSON.stringify(out));\n"
    )
    (tmp_path / "run.mjs").write_text(script)
    out = json.loads(
        subprocess.run(
            [node, str(tmp_path / "run.mjs")], capture_output=True, text=True, check=True, cwd=tmp_path
        ).stdout
    )
    assert out.pop("words") == CASES["words"]
    assert out == _expected()


def test_web_flame_durations_use_the_shared_formatter():
    """flame.js's formatMs (axis labels, tooltips, tables) is the shared duration format."""
    text = (ROOT / "editor-clients" / "web" / "flame.js").read_text()
    assert 'from "./format.js"' in text and "formatDuration" in text
