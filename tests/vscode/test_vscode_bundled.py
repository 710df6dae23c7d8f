"""Issue 15, first run: the platform .vsix (`build-vscode-extension.sh --bundle`) installed
with `code-server --install-extension` on a machine state where `sessionprof-ls` is not on
PATH, no `sessionprof.server.path` is set and the Python extension is absent: the extension
runs the server it brings (bundled/libs) with a python3 >= 3.11 it finds, and the status
bar, the inlay hint and the flame graph work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, ROOT, code_server_node, running_code_server
from .test_vscode_e2e import (
    SERVER_MS,
    fail_with_logs,
    open_file,
    open_folder,
    run_command,
    wait_for_summary,
)

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@pytest.fixture(scope="session")
def bundled_vsix() -> Path:
    prebuilt = os.environ.get("SESSIONPROF_BUNDLED_VSIX")  # a .vsix `--bundle` made already
    if prebuilt:
        return Path(prebuilt)
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-vscode-extension.sh"), "--bundle"],
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert out.returncode == 0, f"build failed:\n{out.stdout}\n{out.stderr[-3000:]}"
    path = Path(re.search(r"^vsix: (.+)$", out.stdout, re.M).group(1))
    assert path.name.endswith("-linux-x64.vsix")
    names = zipfile.ZipFile(path).namelist()
    assert any(n.startswith("extension/bundled/libs/cp311/sessionprof_ls/") for n in names)
    assert any(n.startswith("extension/bundled/libs/cp311/numpy/") for n in names)
    return path


@pytest.fixture
def code_server(bundled_vsix: Path, workspace: dict):
    node, entry = code_server_node()
    for d in SYSTEM_PATH.split(":"):  # the machine state the issue asks for
        assert not (Path(d) / "sessionprof-ls").exists(), d
    root: Path = workspace["root"]
    home, ext_dir, user_data = root / "home", root / "extensions", root / "user-data"
    for d in (home, ext_dir, user_data / "User", user_data / "Machine", root / "tmp"):
        d.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CLAUDE_CONFIG_DIR", "SESSIONPROF_STORE", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        TMPDIR=str(root / "tmp"),
        PATH=f"{node.parent}:{SYSTEM_PATH}",
    )
    install = subprocess.run(
        [
            str(node),
            str(entry),
            "--extensions-dir",
            str(ext_dir),
            "--user-data-dir",
            str(user_data),
            "--install-extension",
            str(bundled_vsix),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = [p.name for p in ext_dir.iterdir() if p.is_dir()]
    assert any(n.startswith("sessionprof.") for n in installed) and not any("ms-python" in n for n in installed)
    settings = {  # no sessionprof.server.path
        "sessionprof.claudeConfigDir": str(workspace["claude"]),
        "sessionprof.store": str(root / "store.db"),
        "workbench.startupEditor": "none",
        "security.workspace.trust.enabled": False,
        "editor.inlayHints.enabled": "on",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "telemetry.telemetryLevel": "off",
        "chat.disableAIFeatures": True,
    }
    for scope in ("User", "Machine"):
        (user_data / scope / "settings.json").write_text(json.dumps(settings, indent=2))
    with running_code_server(node, entry, root, ext_dir, user_data, workspace["folder"], env) as url:
        yield {"url": url, "user_data": user_data, "log": root / "code-server.log", **workspace}


def test_bundled_server_gives_hint_and_flame_graph(code_server, page):
    expected = f"{code_server['reference']['total']:,}"
    open_folder(page, code_server)
    item = wait_for_summary(page, code_server, "bundled-status", "the bundled server sent no summary")
    assert f"{expected} tk" in item.inner_text()
    open_file(page, "JOKE.md")
    lines = page.locator(".editor-instance .monaco-editor").first.locator(".view-lines")
    hint = lines.locator(".view-line").first.locator("span", has_text=re.compile(r"[\d,]+\s+tk")).last
    try:
        hint.wait_for(state="visible", timeout=SERVER_MS)
    except Exception:
        fail_with_logs(page, code_server, "no inlay hint from the bundled server", "bundled-hint")
    run_command(page, "SessionProf: Open Flame Graph")
    webview = page.frame_locator("iframe.webview.ready").last.frame_locator("#active-frame")
    webview.locator("#flame-canvas").wait_for(state="visible", timeout=SERVER_MS)
    body = webview.locator("body")
    deadline = time.monotonic() + 60
    while expected not in body.inner_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert expected in body.inner_text()
    log = "\n".join(
        p.read_text() for p in code_server["user_data"].glob("logs/*/exthost*/sessionprof.sessionprof/*.log")
    )
    assert "found via bundled" in log, log[-3000:]
    page.screenshot(path=str(ARTIFACTS / "bundled-flame-graph.png"))
