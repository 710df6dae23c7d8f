"""Where local agents find the server's HTTP endpoint: one file per server process
(`<store folder>/servers/<pid>.json`: url, token, pid, workspaces), readable by this
user only; files of servers that were killed are removed by the next one."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("sessionprof")


def write(folder: Path, url: str, token: str, workspaces: list[str]) -> Path | None:
    """This process's discovery file (None, logged, when it cannot be written)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        remove_stale(folder)
        path = folder / f"{os.getpid()}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"url": url, "token": token, "pid": os.getpid(), "workspaces": workspaces}, f)
        return path
    except OSError as exc:
        log.warning("cannot write discovery file: %s", exc)
        return None


def remove(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def remove_stale(folder: Path) -> None:
    """Discovery files of servers that were killed (no chance to remove their own)."""
    for f in folder.glob("*.json"):
        try:
            pid = int(f.stem)
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            remove(f)
        except OSError:
            continue  # alive, another user's: not ours to judge
