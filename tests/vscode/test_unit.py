"""The extension's unit tests (server and interpreter discovery, settings, webview page,
status text, terminal environment) run by node's test runner: no VS Code needed."""

import re
import subprocess

from .conftest import EXTENSION_DIR


def test_extension_unit_tests_pass():
    if not (EXTENSION_DIR / "node_modules" / ".package-lock.json").is_file():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=EXTENSION_DIR, check=True, timeout=600)
    out = subprocess.run(["npm", "test"], cwd=EXTENSION_DIR, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)$", out.stdout, re.M).group(1))
    failed = int(re.search(r"^# fail (\d+)$", out.stdout, re.M).group(1))
    assert failed == 0
    assert passed >= 25, out.stdout[-2000:]
    # The discovery tests are among them.
    for name in ("the setting wins over PATH and the interpreter", "no Python extension installed"):
        assert name in out.stdout


def test_typescript_typechecks():
    out = subprocess.run(
        ["npx", "tsc", "--noEmit", "-p", "."], cwd=EXTENSION_DIR, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_protocol_names_match_python():
    """protocol.ts defines the same wire names and values as sessionprof_ls/protocol.py."""
    from sessionprof_ls import protocol

    ts = (EXTENSION_DIR / "src" / "common" / "protocol.ts").read_text()
    ts_consts = dict(re.findall(r'^export const (\w+)(?:: [^=]+)? = "([^"]*)";', ts, re.M))
    py_consts = {k: v for k, v in vars(protocol).items() if k.isupper() and isinstance(v, str)}
    for name, value in py_consts.items():
        assert ts_consts.get(name) == value, f"{name}: ts {ts_consts.get(name)!r} != py {value!r}"


def test_package_lock_records_no_download_addresses():
    lock = (EXTENSION_DIR / "package-lock.json").read_text()
    assert '"resolved"' not in lock


def test_vsix_contents(vsix):
    import zipfile

    names = set(zipfile.ZipFile(vsix).namelist())
    for required in (
        "extension/package.json",
        "extension/dist/extension.js",
        "extension/dist/web/index.html",
        "extension/dist/web/app.bundle.js",
        "extension/dist/web/columns.js",
    ):
        assert required in names
    assert not any("/src/" in n or "node_modules" in n or n.endswith(".map") for n in names), sorted(names)
    assert vsix.stat().st_size < 1_000_000
