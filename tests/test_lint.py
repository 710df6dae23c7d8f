"""The lint and type gate (issue 20): ruff (lint and format) and mypy, strict on the package.

They run here, as subprocesses of the venv's own tools with pyproject.toml's configuration,
so `scripts/test.sh` (and through it `.ci/run`) fails when either finds anything. Every
module of the package is strict-clean: no override may excuse one (`ignore_errors`) or
switch an error code off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LINTED = ["sessionprof_ls", "tests", "bench"]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / argv[0]
    assert tool.exists(), f"{tool} is missing: scripts/setup.sh test installs it (the test extra)"
    return subprocess.run([str(tool), *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(proc.args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}", pytrace=False)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("ruff", "check", "--no-cache", *LINTED), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "--no-cache", *LINTED), id="ruff-format"),
    ],
)
def test_ruff(argv: tuple[str, ...]) -> None:
    _assert_clean(_run(*argv))


def test_mypy_strict() -> None:
    """`files` and `strict` come from pyproject.toml's [tool.mypy]; no module is excused."""
    proc = _run("mypy")
    _assert_clean(proc)
    assert "Success" in proc.stdout, proc.stdout


def test_mypy_config_is_strict() -> None:
    """The gate cannot be switched off quietly: strict stays on and no module or error code is excused."""
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert conf["strict"] is True
    assert conf["files"] == ["sessionprof_ls"]
    for override in conf.get("overrides", []):
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        assert not override.get("ignore_errors"), f"modules excused from mypy: {modules}"
        assert not override.get("disable_error_code"), override
