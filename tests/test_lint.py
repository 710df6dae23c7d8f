"""The lint and type gate (issue 20): ruff (lint and format) and mypy, strict on the package.

They run here, as subprocesses of the venv's own tools with pyproject.toml's configuration,
so `scripts/test.sh` (and through it `.ci/run`) fails when either finds anything. Modules
not yet strict-clean are listed in pyproject.toml's `ignore_errors` override; that list
only shrinks."""

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
    """`files`, `strict` and the not-yet-clean list come from pyproject.toml's [tool.mypy]."""
    proc = _run("mypy")
    _assert_clean(proc)
    assert "Success" in proc.stdout, proc.stdout


def test_mypy_config_is_strict() -> None:
    """The gate cannot be switched off quietly: strict stays on and only module names are excused."""
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert conf["strict"] is True
    assert conf["files"] == ["sessionprof_ls"]
    for override in conf.get("overrides", []):
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        if override.get("ignore_errors"):
            assert all(m.startswith("sessionprof_ls") and "*" not in m for m in modules), modules
        assert not override.get("disable_error_code"), override


def test_not_yet_clean_list_is_exact(tmp_path: Path) -> None:
    """Every module the override excuses still has errors: a module made clean leaves the list
    (so the list only shrinks and says what is left). mypy runs once more with no excuses."""
    import re
    import tomllib

    text = (ROOT / "pyproject.toml").read_text()
    overrides = tomllib.loads(text)["tool"]["mypy"].get("overrides", [])
    listed = {m for o in overrides if o.get("ignore_errors") for m in o["module"]}
    # the same configuration without the ignore_errors block(s)
    blocks = re.split(r"(?m)^(?=\[)", text)
    unexcused = "".join(b for b in blocks if not re.search(r"(?m)^ignore_errors\s*=\s*true", b))
    config = tmp_path / "pyproject.toml"
    config.write_text(unexcused)
    proc = _run("mypy", "--config-file", str(config), "--cache-dir", str(ROOT / ".mypy_cache" / "unexcused"))
    failing = set()
    for line in proc.stdout.splitlines():
        m = re.match(r"(sessionprof_ls/\S+?)\.py:\d+: error:", line)
        if m:
            failing.add(m.group(1).removesuffix("/__init__").replace("/", "."))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    stale = sorted(listed - failing)
    assert not stale, f"clean now, remove from pyproject.toml's not-yet-clean list: {stale}"
