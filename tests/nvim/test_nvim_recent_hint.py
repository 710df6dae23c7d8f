"""What a user sees in a real Neovim 0.11 (tmux, 80x24, the plugin and the real server):
a file the current session never read, but a session of the workspace 3 hours ago did,
shows that session's hint with its age at the end of the first line; a file the
current session read shows its own hint without one. Captures go to .artifacts/nvim/."""

from __future__ import annotations

import subprocess
import time

from server_options import ServerOptions
from sp_fixtures import turn_events

from sessionprof_ls.engine import Engine

from .test_nvim_screen import ARTIFACTS, lua_list, server_command, start_nvim, tmux, wait_screen


def _events(session: str, workspace: str, t0: float, path: str, tokens: int) -> list[dict]:
    first = {"input": 20_000, "output": 100, "cacheRead": 0}
    second = {"input": 200, "output": 50, "cacheRead": 20_000}
    return turn_events(session, workspace, t0, path, tokens, (first, second))


def test_recent_session_hint_reads_well(tmp_path):
    ws = (tmp_path / "workspace").resolve()
    ws.mkdir()
    old, new = ws / "parser.py", ws / "main.py"
    old.write_text("import re\n\n\ndef parse(text):\n    return re.split(r'\\s+', text)\n")
    new.write_text("from parser import parse\n\nprint(parse('a b'))\n")
    store = tmp_path / "store.db"
    now = time.time() * 1000
    engine = Engine(str(store))
    engine.ingest(_events("earlier", str(ws), now - 3 * 3600_000 - 4000, str(old), 1234))
    engine.ingest(_events("current", str(ws), now - 120_000, str(new), 321))
    engine.store.close()
    name = f"sp-recent-{tmp_path.name[-12:]}".replace(".", "-")
    init = f"""
vim.opt.runtimepath = {{ vim.env.VIMRUNTIME, vim.env.SESSIONPROF_PLUGIN }}
vim.opt.swapfile = false
vim.g.sessionprof = {{ cmd = {lua_list(server_command())}, settings = {{ followTranscripts = false }} }}
"""
    env = ServerOptions(store=store, claude_dir=tmp_path / "claude", codex_dir=tmp_path / "codex").variables(tmp_path)
    start_nvim(tmp_path, name, init, ws, old, env)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        screen = wait_screen(name, r"^import re\s+1,234 tk · .* · from a session 3 h ago", timeout=120)
        (ARTIFACTS / "recent-hint-80x24.txt").write_text(screen)
        first = screen.splitlines()[0]
        assert len(first) <= 80 and first.rstrip().endswith("from a session 3 h ago"), first
        tmux("send-keys", "-t", name, f":edit {new.name}", "Enter")  # relative: the cwd is the workspace
        # its own hint, then (Neovim draws lenses at the line's end) the current session's lens on the read
        screen = wait_screen(name, r"^from parser import parse\s+321 tk · [\d.]+% of input · \$[\d.]+ ", timeout=60)
        (ARTIFACTS / "own-hint-80x24.txt").write_text(screen)
        assert "from a session" not in screen.splitlines()[0], screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
