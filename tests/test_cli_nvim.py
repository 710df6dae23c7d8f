"""Neovim without a server on PATH: `:SessionProf install` from a clean data dir, then a
hint; the flame graph URL when no browser opener works (real headless Neovim 0.11)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from nvim.conftest import install_session, run_nvim, server_command

HERE = Path(__file__).resolve().parent / "cli_nvim"


def _doc(fs) -> Path:
    """A workspace file the fixture session read (it gets a token hint)."""
    read = next(r for r in fs.reads() if r["path"] and not r["error"])
    return fs.local(read["path"])


def _run(script: str, fs, tmp_path: Path, path: str, env: dict, **kw):
    """`script` in Neovim in the session's workspace, its server on the session's store,
    with `path` as PATH and the file to hint in SESSIONPROF_TEST_FILE."""
    env = {"PATH": path, "SESSIONPROF_TEST_FILE": str(_doc(fs)), **env}
    return run_nvim(HERE / script, tmp_path, cwd=fs.workspace, server=fs.server(tmp_path), env=env, **kw)


def _bare_path(tmp_path: Path) -> str:
    """PATH with a Python >= 3.11 (the interpreter the venv was made from) and the
    system folders, but no sessionprof-ls."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (bindir / "python3").symlink_to(base)
    path = f"{bindir}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin"
    for d in path.split(os.pathsep):
        assert not (Path(d) / "sessionprof-ls").exists(), d
    return path


def test_install_command_from_a_clean_data_dir_then_a_hint(tmp_path):
    fs = install_session(tmp_path, "spotter-subagent")
    # pip's downloads from earlier runs (the test's XDG_CACHE_HOME is empty)
    pip_cache = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    data = tmp_path / "xdg" / "data"
    assert not (data / "sessionprof").exists()
    run = _run("install.lua", fs, tmp_path, _bare_path(tmp_path), {"PIP_CACHE_DIR": pip_cache}, timeout=600)
    missing = run.ok("missing")
    told = [m for m in missing["messages"] if "SessionProf install" in m]
    assert len(told) == 1 and "not installed" in told[0], missing["messages"]
    assert not missing["client"] and not missing["venv_exists"]
    assert not any("spawn" in m.lower() or "ENOENT" in m for m in missing["messages"])
    restart = run.ok("restart")
    assert len(restart) == 1 and ":SessionProf install" in restart[0] and "ENOENT" not in restart[0]
    assert ":SessionProf install" in run.ok("health")
    inst = run.ok("install")
    assert inst["executable"] == 1, inst["messages"]
    assert inst["server"] == str(data / "nvim" / "sessionprof" / "venv" / "bin" / "sessionprof-ls")
    assert any("server installed" in m for m in inst["messages"]), inst["messages"]
    hint = run.ok("hint")
    assert hint["cmd"][0] == inst["server"]
    assert hint["hints"] and all(any(c.isdigit() for c in h) for h in hint["hints"]), hint["hints"]


def test_flame_without_a_working_opener_shows_the_url_and_copies_it(tmp_path):
    fs = install_session(tmp_path, "spotter-subagent")
    fake = tmp_path / "fakebin"
    fake.mkdir()
    opener = fake / "xdg-open"
    opener.write_text("#!/bin/sh\nexit 3\n")  # what xdg-open does on a machine without a browser
    opener.chmod(opener.stat().st_mode | stat.S_IEXEC)
    path = f"{fake}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    no_display = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    run = _run("url.lua", fs, tmp_path, path, no_display, opts={"cmd": server_command()})
    endpoint = run.ok("attach")
    flame = run.ok("flame")
    url = flame["url"]
    assert url.startswith(endpoint["url"].rstrip("/") + "/") and f"#token={endpoint['token']}" in url
    assert url in flame["msg"] and "exited with 3" in flame["msg"] and "+ register" in flame["msg"]
    assert flame["register"] == url
    got = run.ok("url")
    assert url in got["msg"] and got["register"] == url
