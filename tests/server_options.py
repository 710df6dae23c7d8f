"""How a test starts the real language server, in one place: the command and the options
(workspace, settings, store, agent folders) that pytest-lsp (lsp_harness.py), the
reliability suite's subprocess client (reliability/relutil.py) and Neovim (nvim/) all use."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def server_command() -> list[str]:
    """The installed `sessionprof-ls` entry point (what an editor runs), else `python -m`."""
    exe = VENV_BIN / "sessionprof-ls"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sessionprof_ls"]


@dataclass(frozen=True)
class ServerOptions:
    """What a test's server starts with. The store defaults to `tmp/store.db` and the agent
    folders to empty ones under tmp, so a developer's own transcripts never reach a test."""

    workspace: Path | None = None  # the folder the client opens (rootUri, the one workspace folder)
    settings: dict = field(default_factory=dict)  # initializationOptions.sessionprof
    store: Path | None = None
    claude_dir: Path | None = None  # CLAUDE_CONFIG_DIR
    codex_dir: Path | None = None  # CODEX_HOME
    extra_env: dict = field(default_factory=dict)

    def env(self, tmp: Path) -> dict[str, str]:
        """The server process's environment: this process's, with the store and agent folders."""
        return {**os.environ, **self.variables(tmp)}

    def variables(self, tmp: Path) -> dict[str, str]:
        """Only what this test sets (the store, the agent folders, extra_env): for a process
        that starts the server itself, as Neovim does, on top of its own environment."""
        return {
            "SESSIONPROF_STORE": str(self.store or tmp / "store.db"),
            "CLAUDE_CONFIG_DIR": str(self.claude_dir or tmp / "no-claude"),
            "CODEX_HOME": str(self.codex_dir or tmp / "no-codex"),
            **self.extra_env,
        }
