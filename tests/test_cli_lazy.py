"""The CLI loads only what a command needs (issue 15, speed): listing sessions and a
re-import with nothing new never load numpy, pydantic or genai-prices; JSON output
never loads rich."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sp_fixtures import FIXTURES

HEAVY = ("numpy", "pydantic", "genai_prices", "rich")


def loaded(tmp_path: Path, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(SESSIONPROF_STORE=str(tmp_path / "store.db"), HOME=str(tmp_path / "home"), COLUMNS="100")
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sessionprof_ls.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    names = set()
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names & set(HEAVY)


def test_light_commands_load_no_heavy_module(tmp_path):
    folder = str(FIXTURES / "codex")
    first = loaded(tmp_path, "import", "--json", folder)
    assert {"numpy"} <= first  # the first import analyses what came in: numpy is really used there
    assert loaded(tmp_path, "import", "--json", folder) == set()  # nothing new: nothing heavy
    assert loaded(tmp_path, "sessions", "--json") == set()
    assert loaded(tmp_path, "sessions") == {"rich"}  # the table, nothing else
