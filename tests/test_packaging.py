"""A plain `pip install` ships what the server serves: the web UI bundle and the sample."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_web_ui_and_sample(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    web = {p.name for p in (ROOT / "editor-clients" / "web").iterdir() if p.is_file()}
    assert {f"sessionprof_ls/webui/{n}" for n in web} <= names
    assert "sessionprof_ls/samples/spotter-subagent.jsonl" in names
    assert "sessionprof_ls/samples/LICENSE-spotter" in names
