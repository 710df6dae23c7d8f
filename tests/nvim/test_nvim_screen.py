"""What a user sees: a real Neovim 0.11 in tmux at 80x24 with the plugin and the real
server on a real fixture session; the report captured with `tmux capture-pane` and
asserted (columns separated, paths relative, files sorted, nothing past the border,
<CR> on a file row opens it); `:help sessionprof` from a plugin folder alone, as lazy.nvim's
`dir` spec loads it, and the shipped doc/tags up to date. Captures go to .artifacts/nvim/."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from .conftest import HERE, PLUGIN, ROOT, VENV_BIN, _nvim, install_session, server_command

ARTIFACTS = ROOT / ".artifacts" / "nvim"
FIXTURE = "spotter-subagent"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def capture(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def wait_screen(name: str, pattern: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(name)
        if re.search(pattern, screen, re.M):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{pattern!r} not on screen after {timeout} s:\n{screen}")


def start_nvim(tmp: Path, name: str, init: str, cwd: Path, file: Path, env: dict) -> None:
    init_file = tmp / f"{name}.lua"
    init_file.write_text(init)
    xdg = tmp / "xdg"
    exports = " ".join(
        f"{k}={shlex_quote(v)}"
        for k, v in {
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_STATE_HOME": str(xdg / "state"),
            "XDG_CACHE_HOME": str(xdg / "cache"),
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "SESSIONPROF_PLUGIN": str(PLUGIN),
            "SESSIONPROF_TEST_DIR": str(HERE),
            "TERM": "xterm-256color",
            **env,
        }.items()
    )
    cmd = f"cd {shlex_quote(str(cwd))} && env {exports} {_nvim()} -n -i NONE -u {init_file} {shlex_quote(str(file))}"
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd)


def shlex_quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def test_report_at_80_columns(tmp_path):
    fs = install_session(tmp_path, FIXTURE)
    (fs.workspace / "CLAUDE.md").write_text("# notes\n")
    doc = next(fs.local(r["path"]) for r in fs.reads() if fs.local(r["path"]).is_file())
    lines_out = tmp_path / "report.txt"
    name = f"sp-report-{tmp_path.name[-12:]}".replace(".", "-")
    init = f"""
vim.opt.runtimepath = {{ vim.env.VIMRUNTIME, vim.env.SESSIONPROF_PLUGIN }}
vim.opt.swapfile = false
vim.g.sessionprof = {{
  cmd = {lua_list(server_command())},
  settings = {{ claudeConfigDir = {lua_str(str(fs.claude_dir))} }},
}}
"""
    start_nvim(
        tmp_path,
        name,
        init,
        fs.workspace,
        doc,
        fs.server(tmp_path).variables(tmp_path),
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        # the server follows the transcript; the report opens once the session is known
        # the server follows the transcript: the file's hint appears on its first line
        screen = wait_screen(name, r"^\S.* [\d.,]+[kM]? tk · [\d.]+% of input", timeout=150)
        (ARTIFACTS / "hint-80x24.txt").write_text(screen)
        tmux("send-keys", "-t", name, ":SessionProf report", "Enter")
        screen = wait_screen(name, "PERFORMANCE", timeout=60)
        (ARTIFACTS / "report-80x24.txt").write_text(screen)
        rows = screen.splitlines()
        # the float's border is drawn: every row between its corners ends on the border, and
        # the cell before the right border is blank (nothing touches it)
        top = next(i for i, r in enumerate(rows) if "╭" in r)
        left, right = rows[top].index("╭"), rows[top].index("╮")
        body = [r for r in rows[top + 1 :] if len(r) > right and r[left] == "│"]
        assert len(body) >= 10
        for r in body:
            assert r[right] == "│", r
            assert r[right - 1] == " ", f"touches the border: {r!r}"
        # summary columns separated by at least two spaces
        labels = next(r for r in body if "Total Time" in r)
        assert re.search(r"Total Time\s{2,}AI Thinking\s{2,}Tool Execution", labels), labels

        # the whole report (scrolled past the screen), written from the float's buffer
        tmux(
            "send-keys",
            "-t",
            name,
            f":lua vim.fn.writefile(vim.api.nvim_buf_get_lines(0, 0, -1, false), '{lines_out}')",
            "Enter",
        )
        deadline = time.monotonic() + 10
        while not lines_out.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        report = lines_out.read_text().splitlines()
        (ARTIFACTS / "report-80-full.txt").write_text("\n".join(report))
        width = right - left - 1
        assert all(len(line) <= width for line in report), max(report, key=len)
        text = "\n".join(report)
        assert "Total TokensAvg" not in text and "Total Tokens  " in text
        assert fs.cwd not in text, "absolute session paths in the report"
        start = report.index(next(r for r in report if "TOKENS BY FILE" in r))
        files = []
        for r in report[start + 2 :]:
            m = re.match(r"  (\S.*?)\s+([\d,]+)\s+[\d.]+%$", r)
            if not m or m.group(1) == "(conversation history)":
                break
            files.append((m.group(1), int(m.group(2).replace(",", ""))))
        assert len(files) >= 2, report[start : start + 8]
        assert [t for _, t in files] == sorted((t for _, t in files), reverse=True)
        assert all(not p.startswith("/") for p, _ in files), files
        # the flame chart has a legend and real labels
        assert any("▆▆ AI" in r and "▆▆ tool" in r for r in report)
        assert any(re.search(r"\[Session: ", r) for r in report)

        # <CR> on the first file row opens that file
        first = next(p for p, _ in files if (fs.workspace / p).is_file())
        row = start + 2 + [p for p, _ in files].index(first) + 1
        tmux("send-keys", "-t", name, f":{row}", "Enter")
        time.sleep(0.3)
        tmux("send-keys", "-t", name, "Enter")
        time.sleep(0.8)
        tmux("send-keys", "-t", name, ":echo 'OPENED ' . expand('%:p')", "Enter")
        screen = wait_screen(name, r"OPENED \S+")
        (ARTIFACTS / "report-80-open-file.txt").write_text(screen)
        assert f"OPENED {fs.workspace / first}" in screen.replace("\n", ""), screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_help_from_the_plugin_folder_alone(tmp_path):
    """lazy.nvim's `dir` spec puts the folder on 'runtimepath' and runs no :helptags:
    the shipped doc/tags must find *sessionprof*, and be what :helptags makes of the doc now."""
    copy = tmp_path / "doc"
    shutil.copytree(PLUGIN / "doc", copy)
    (copy / "tags").unlink()
    subprocess.run([_nvim(), "--headless", "-u", "NONE", "-c", f"helptags {copy}", "-c", "q"], check=True, timeout=60)
    assert (copy / "tags").read_text() == (PLUGIN / "doc" / "tags").read_text(), "doc/tags is stale: run :helptags"
    out = tmp_path / "help.txt"
    subprocess.run(
        [
            _nvim(),
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "--cmd",
            f"set rtp^={PLUGIN}",
            "-c",
            "help sessionprof",
            "-c",
            f"call writefile([expand('%:t'), getline('.')], '{out}')",
            "-c",
            "qa!",
        ],
        check=True,
        timeout=60,
    )
    name, line = out.read_text().splitlines()
    assert name == "sessionprof.txt"
    assert "*sessionprof*" in line


def lua_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lua_list(items: list[str]) -> str:
    return "{ " + ", ".join(lua_str(i) for i in items) + " }"
