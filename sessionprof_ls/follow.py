"""Follow the Claude Code transcripts and Codex rollouts of open workspaces.

Each file is imported from its stored cursor (byte offset, inode, parser state),
so only what was appended since the last read is parsed. Events and the file's new
cursor go to `sink` together (the engine stores both in one transaction), so a
kill neither loses nor repeats them.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Callable

from .importers import claude_config_dirs, import_new
from .importers import codex_home as default_codex_home
from .importers.common import sniff_lines

_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


def claude_project_dir(workspace: Path, claude_config_dir: Path) -> Path:
    """<claude>/projects/<workspace path with every non-alphanumeric char as '-'>."""
    return Path(claude_config_dir) / "projects" / _NON_ALNUM.sub("-", str(Path(workspace).absolute()))


class TranscriptFollower:
    """Reads what is new in a workspace's transcripts, now (`scan_once`) and as the
    files change (`run`, with watchfiles; roots that do not exist yet are picked up
    when they appear)."""

    POLL_MISSING_S = 1.0

    def __init__(
        self,
        workspaces: list[Path],
        sink: Callable[[list[dict], tuple[str, dict]], None],
        cursors,
        claude_config_dir: Path | list[Path] | None = None,
        codex_home: Path | None = None,
        on_error: Callable[[str], None] | None = None,
    ):
        self.workspaces = [Path(w).absolute() for w in workspaces]
        self.sink = sink
        self.cursors = cursors
        if claude_config_dir is None:
            claude_config_dir = claude_config_dirs()
        # every folder Claude Code may write to (CLAUDE_CONFIG_DIR may name several)
        self.claude_config_dirs = [Path(d) for d in (claude_config_dir if isinstance(claude_config_dir, list)
                                                      else [claude_config_dir])]
        self.codex_home = Path(codex_home) if codex_home else default_codex_home()
        self.on_error = on_error
        self._ws_strs = [os.path.normpath(str(w)) for w in self.workspaces]
        self._codex_cwd: dict[str, str | None] = {}  # rollout path -> session_meta.cwd

    # -- where to look -------------------------------------------------------
    def claude_dirs(self) -> list[Path]:
        return [claude_project_dir(w, d) for w in self.workspaces for d in self.claude_config_dirs]

    def codex_sessions_dir(self) -> Path:
        return self.codex_home / "sessions"

    def roots(self) -> list[Path]:
        return [*self.claude_dirs(), self.codex_sessions_dir()]

    def _claude_files(self) -> list[Path]:
        out = []
        for d in self.claude_dirs():
            try:
                out.extend(sorted(p for p in d.iterdir() if p.suffix == ".jsonl" and not p.name.startswith("agent-") and p.is_file()))
            except OSError:
                continue
        return out

    def _codex_matches(self, path: Path) -> bool:
        key = str(path)
        if key not in self._codex_cwd:
            cwd = None
            for obj in sniff_lines(path, max_lines=1):
                if isinstance(obj, dict) and obj.get("type") == "session_meta":
                    payload = obj.get("payload") or {}
                    cwd = payload.get("cwd") if isinstance(payload, dict) else None
            if cwd is None:
                return False  # first line not written yet: look again next time
            self._codex_cwd[key] = os.path.normpath(cwd) if isinstance(cwd, str) else ""
        cwd = self._codex_cwd[key]
        return bool(cwd) and any(cwd == w or cwd.startswith(w + os.sep) for w in self._ws_strs)

    def _codex_files(self) -> list[Path]:
        root = self.codex_sessions_dir()
        if not root.is_dir():
            return []
        return [p for p in sorted(root.rglob("rollout-*.jsonl")) if self._codex_matches(p)]

    # -- importing -----------------------------------------------------------
    def _import(self, path: Path, fmt: str) -> int:
        try:
            if path.stat().st_size == 0:
                return 0
        except OSError:
            return 0  # deleted: its cursor stays; a new file there has a new inode
        count, problems = import_new(path, self.cursors, self.sink, fmt)
        if self.on_error:
            for err in problems:
                self.on_error(err)
        return count

    def scan_once(self, progress: Callable[[int, int, Path], None] | None = None) -> int:
        """Import everything new in all followed files; returns the number of events.

        `progress(done, total, path)` is called before each file (long first imports)."""
        files = [(p, "claude-code") for p in self._claude_files()] + [(p, "codex") for p in self._codex_files()]
        n = 0
        for done, (p, fmt) in enumerate(files):
            if progress:
                progress(done, len(files), p)
            n += self._import(p, fmt)
        return n

    def _targets(self, changed: set[str]) -> list[tuple[Path, str]]:
        """Map changed paths to the files to import (a subagent file -> its main file)."""
        out: dict[Path, str] = {}
        claude_dirs = self.claude_dirs()
        codex_root = self.codex_sessions_dir()
        rescan_claude = False
        for raw in changed:
            p = Path(raw)
            if p.suffix != ".jsonl":
                continue
            for d in claude_dirs:
                if d == p.parent or d in p.parents:
                    if p.parent.name == "subagents":
                        out[p.parent.parent.with_suffix(".jsonl")] = "claude-code"
                    elif p.name.startswith("agent-"):
                        rescan_claude = True  # older layout: find its main file by rescanning
                    elif p.parent == d:
                        out[p] = "claude-code"
                    break
            else:
                if (codex_root in p.parents) and p.name.startswith("rollout-") and self._codex_matches(p):
                    out[p] = "codex"
        if rescan_claude:
            for f in self._claude_files():
                out[f] = "claude-code"
        return [(p, fmt) for p, fmt in out.items() if p.is_file()]

    def handle_changes(self, changed: set[str]) -> int:
        n = 0
        for path, fmt in self._targets(changed):
            n += self._import(path, fmt)
        return n

    async def run(self, stop_event: asyncio.Event | None = None, scan_first: bool = True) -> None:
        import watchfiles

        stop = stop_event or asyncio.Event()
        if scan_first:
            self.scan_once()
        while not stop.is_set():
            present = [r for r in self.roots() if r.is_dir()]
            missing = [r for r in self.roots() if not r.is_dir()]
            if not present:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.POLL_MISSING_S)
                except asyncio.TimeoutError:
                    pass
                if any(r.is_dir() for r in missing):
                    self.scan_once()
                continue
            try:
                async for changes in watchfiles.awatch(
                    *present,
                    stop_event=stop,
                    yield_on_timeout=True,
                    rust_timeout=int(self.POLL_MISSING_S * 1000),
                    debounce=100,
                    step=20,
                ):
                    if changes:
                        self.handle_changes({path for _change, path in changes})
                    if missing and any(r.is_dir() for r in missing):
                        self.scan_once()
                        break  # watch again, now with the new root
                    if any(not r.is_dir() for r in present):
                        break  # a root was removed: watch what is left
            except (FileNotFoundError, RuntimeError, OSError) as exc:
                if self.on_error:
                    self.on_error(f"transcript watch restarted: {exc}")
                await asyncio.sleep(self.POLL_MISSING_S)
