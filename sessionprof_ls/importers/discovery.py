"""Where each agent keeps its sessions, read from the same environment variables as
ccusage (`GEMINI_DATA_DIR`, `COPILOT_HOME`, `OPENCODE_DATA_DIR`, `KILO_DATA_DIR`; a
comma-separated list where ccusage takes one), else the agent's default folder, and
which of those files belong to an open workspace. One reading for `sessionprof import`,
`watch` and the server's follower."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

_VSCODE_EDITORS = ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf")
CLINE_EXTENSIONS = ("saoudrizwan.claude-dev", "rooveterinaryinc.roo-cline", "kilocode.kilo-code")


def _env_list(name: str) -> list[Path] | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    return [Path(p.strip()).expanduser() for p in raw.split(",") if p.strip()]


def _data_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"


def gemini_dirs() -> list[Path]:
    """`GEMINI_DATA_DIR` (ccusage: the folder holding `<project>/chats/`), else ~/.gemini/tmp."""
    return _env_list("GEMINI_DATA_DIR") or [Path.home() / ".gemini" / "tmp"]


def copilot_home() -> Path:
    env = os.environ.get("COPILOT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".copilot"


def copilot_dirs() -> list[Path]:
    home = copilot_home()
    return [home / "session-state", home / "history-session-state"]


def opencode_dirs() -> list[Path]:
    return _env_list("OPENCODE_DATA_DIR") or [_data_home() / "opencode"]


def kilo_dirs() -> list[Path]:
    return _env_list("KILO_DATA_DIR") or [_data_home() / "kilo"]


def _editor_config_bases() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [home / "Library" / "Application Support"]
    if sys.platform == "win32":
        return [Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")]
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return [Path(xdg).expanduser() if xdg else home / ".config"]


def cline_task_dirs() -> list[Path]:
    """`tasks/` of Cline, Roo Code and Kilo Code in every VS Code-family editor's
    globalStorage, and the Cline CLI's ~/.cline/data/tasks."""
    dirs = [
        base / editor / "User" / "globalStorage" / ext / "tasks"
        for base in _editor_config_bases()
        for editor in _VSCODE_EDITORS
        for ext in CLINE_EXTENSIONS
    ]
    return dirs + [Path.home() / ".cline" / "data" / "tasks"]


def database_files(folder: Path, names: tuple[str, ...] = ("opencode.db", "kilo.db")) -> list[Path]:
    """OpenCode's `opencode.db` (and its channel databases `opencode-<channel>.db`), Kilo's `kilo.db`."""
    out = [folder / n for n in names if (folder / n).is_file()]
    try:
        out += sorted(p for p in folder.glob("opencode-*.db") if p.is_file())
    except OSError:
        pass
    return out


def other_agent_paths() -> list[Path]:
    """What `sessionprof import` reads for the agents beyond Claude Code and Codex:
    the folders and database files that exist."""
    paths: list[Path] = [d for d in gemini_dirs() + copilot_dirs() if d.is_dir()]
    for d in opencode_dirs() + kilo_dirs():
        paths += database_files(d)
        if (d / "storage" / "session").is_dir():
            paths.append(d / "storage" / "session")
    paths += [d for d in cline_task_dirs() if d.is_dir()]
    return paths


def gemini_project_keys(workspace: Path) -> set[str]:
    """Gemini CLI names a project's folder by the SHA-256 of its path (newer versions
    by a short name, with the path in `.project_root`)."""
    s = str(workspace)
    return {hashlib.sha256(s.encode()).hexdigest(), hashlib.sha256(os.path.normpath(s).encode()).hexdigest()}
