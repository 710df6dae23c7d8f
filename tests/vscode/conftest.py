"""Fixtures for the VS Code extension tests: the packaged .vsix, a headless VS Code
(code-server, installed by scripts/install-code-server.sh) with the extension in it, a
workspace whose Claude Code transcript is a real fixture session, and Chromium via Playwright.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = ROOT / "editor-clients" / "vscode"
ARTIFACTS = ROOT / ".artifacts" / "vscode"
from sp_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# The fixture session: agentlogs-crud writes, reads and edits JOKE.md.
FIXTURE = "agentlogs-crud"
FIXTURE_CWD = "/Users/philipp/dev/vibeinsights/fixtures/claudecode"


def shared_dir() -> Path:
    """A folder holding fixtures/: the repository's own copy (tests/fixtures), else shared/."""
    for candidate in (os.environ.get("SESSIONPROF_SHARED"), ROOT / "tests", ROOT.parent / "shared"):
        if candidate and (Path(candidate) / "fixtures" / "README.md").is_file():
            return Path(candidate)
    pytest.fail("shared/fixtures not found (set SESSIONPROF_SHARED)")


def code_server_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sessionprof-code-server"
    return Path(os.environ.get("SESSIONPROF_CODE_SERVER_DIR", default))


def mangle(path: str) -> str:
    """Claude Code's project folder name: every non-alphanumeric character becomes '-'."""
    return re.sub(r"[^A-Za-z0-9]", "-", path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def vsix() -> Path:
    """Build and package the extension exactly as CI ships it."""
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-vscode-extension.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, f"build failed:\n{out.stdout}\n{out.stderr}"
    match = re.search(r"^vsix: (.+)$", out.stdout, re.M)
    assert match, out.stdout
    path = Path(match.group(1))
    assert path.is_file()
    return path


def fixture_reference(name: str) -> dict[str, float]:
    """The fixture README's reference row (tokens and ccusage cost) for a Claude Code file."""
    text = (shared_dir() / "fixtures" / "README.md").read_text()
    row = re.search(rf"^\| {re.escape(name)} \|(.+)\|\s*$", text, re.M)
    assert row, f"no reference row for {name}"
    cells = [c.strip().replace(",", "") for c in row.group(1).split("|")]
    inp, out, cwrite, cread, _requests, cost = cells
    return {
        "input": int(inp),
        "output": int(out),
        "cacheWrite": int(cwrite),
        "cacheRead": int(cread),
        "total": int(inp) + int(out) + int(cwrite) + int(cread),
        "cost": float(cost),
    }


def _fixture_files(transcript: Path) -> dict[str, str]:
    """Files the session wrote (path relative to its cwd -> last written content)."""
    files: dict[str, str] = {}
    for line in transcript.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        content = (entry.get("message") or {}).get("content")
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_use" and block.get("name") == "Write":
                inp = block.get("input") or {}
                rel = os.path.relpath(inp["file_path"], FIXTURE_CWD)
                files[rel] = inp.get("content", "")
    return files


def make_workspace(tmp_path: Path, in_workspace: bool) -> dict:
    """A workspace whose Claude Code project folder holds the fixture transcript (its cwd
    replaced by the folder when `in_workspace`), and the files that session touched at the
    same paths relative to the session's cwd."""
    ws = tmp_path / "ws"
    ws.mkdir()
    claude = tmp_path / "claude"
    transcript = shared_dir() / "fixtures" / "claude-code" / f"{FIXTURE}.jsonl"
    project = claude / "projects" / mangle(str(ws))
    project.mkdir(parents=True)
    session_id = "8122657c-fe54-4dc9-89a3-20049e8a84f7"
    if in_workspace:
        (project / f"{session_id}.jsonl").write_text(transcript.read_text().replace(FIXTURE_CWD, str(ws)))
    else:
        shutil.copy(transcript, project / f"{session_id}.jsonl")
    files = _fixture_files(transcript)
    assert "JOKE.md" in files
    for rel, content in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(content)
    return {
        "root": tmp_path,
        "folder": ws,
        "claude": claude,
        "sessionId": session_id,
        "file": ws / "JOKE.md",
        "instructions": ws / "CLAUDE.md",
        "reference": fixture_reference(FIXTURE),
    }


@pytest.fixture
def workspace(tmp_path: Path) -> dict:
    ws = make_workspace(tmp_path, in_workspace=False)
    ws["instructions"].write_text("# Project notes\n\nA test workspace.\n")
    return ws


def code_server_node() -> tuple[Path, Path]:
    """(node, code-server's entry.js) of the installed code-server; the test fails without them."""
    cs = code_server_dir()
    node = cs / "node" / "bin" / "node"
    entry = cs / "app" / "node_modules" / "code-server" / "out" / "node" / "entry.js"
    if not (node.is_file() and entry.is_file()):
        pytest.fail(f"code-server is not installed in {cs}: run scripts/install-code-server.sh")
    return node, entry


def _server_path(python: str) -> str:
    """The `sessionprof.server.path` setting: the venv's `sessionprof-ls` entry point, else
    its Python (then `python -m sessionprof_ls` runs). PATH is not used here: code-server's
    extension host takes PATH from a login shell, not from this process."""
    exe = Path(python).with_name("sessionprof-ls")
    return str(exe) if exe.is_file() else python


@pytest.fixture
def code_server(vsix: Path, workspace: dict):
    """code-server with the packaged extension, started in its own process group."""
    node, entry = code_server_node()
    if not Path(CHROMIUM).is_file():
        pytest.fail("chromium is missing: run scripts/install-code-server.sh")

    root: Path = workspace["root"]
    home, ext_dir, user_data = root / "home", root / "extensions", root / "user-data"
    for d in (home, ext_dir, user_data / "User", root / "tmp"):
        d.mkdir(parents=True, exist_ok=True)
    # Install the .vsix the way VS Code lays it out: its extension/ folder as publisher.name-version.
    manifest = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    target = ext_dir / f"{manifest['publisher']}.{manifest['name']}-{manifest['version']}"
    with zipfile.ZipFile(vsix) as zf:
        for member in zf.namelist():
            if member.startswith("extension/") and not member.endswith("/"):
                dest = target / member[len("extension/") :]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(member))

    settings = {
        "sessionprof.claudeConfigDir": str(workspace["claude"]),
        "sessionprof.store": str(root / "store.db"),
        # Every tool call counts as slow, so the fixture's JOKE.md calls get code lenses.
        "sessionprof.slowThresholdMs": 1,
        "workbench.startupEditor": "none",
        "workbench.colorTheme": "Default Dark Modern",
        "security.workspace.trust.enabled": False,
        "editor.inlayHints.enabled": "on",
        "editor.codeLens": True,
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "telemetry.telemetryLevel": "off",
        "workbench.tips.enabled": False,
        "chat.disableAIFeatures": True,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "terminal.integrated.defaultProfile.linux": "bash",
        "sessionprof.terminal.otel": True,
        "sessionprof.server.path": _server_path(sys.executable),
    }
    # Machine-scoped settings (server path, folders) of a remote window such as code-server's
    # are read from Machine/settings.json; the rest from User/settings.json.
    for scope in ("User", "Machine"):
        (user_data / scope).mkdir(parents=True, exist_ok=True)
        (user_data / scope / "settings.json").write_text(json.dumps(settings, indent=2))

    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(root / "tmp"),
        "PATH": f"{node.parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("CLAUDE_CONFIG_DIR", None)
    env.pop("SESSIONPROF_STORE", None)
    with running_code_server(node, entry, root, ext_dir, user_data, workspace["folder"], env, port) as url:
        yield {"url": url, "user_data": user_data, "log": root / "code-server.log", **workspace}


@pytest.fixture
def page(code_server):
    """A Chromium page on the code-server workbench (Playwright, Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("failure-*"):
        stale.unlink()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        try:
            yield pg
        finally:
            context.close()
            browser.close()


@contextlib.contextmanager
def running_code_server(
    node: Path, entry: Path, root: Path, ext_dir: Path, user_data: Path, folder, env: dict, port: int | None = None
):
    """code-server on a loopback port, in its own process group (the extension host outlives
    the browser for hours), up once /healthz answers; stopped by its group. Yields its URL."""
    port = port or free_port()
    log = open(root / "code-server.log", "w")
    proc = subprocess.Popen(
        [
            str(node),
            str(entry),
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--auth",
            "none",
            "--extensions-dir",
            str(ext_dir),
            "--user-data-dir",
            str(user_data),
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            str(folder),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"code-server did not start:\n{(root / 'code-server.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
