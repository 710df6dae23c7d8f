"""Follow the transcripts of open workspaces: Claude Code and Codex (by workspace),
Gemini CLI (the project folder named by the workspace's hash or `.project_root`),
Copilot CLI (`session.start` cwd), OpenCode / Kilo databases and Cline / Roo Code
tasks (all of them: those do not say their folder where a watcher could see it).

Each file is imported from its stored cursor (byte offset, inode, parser state),
so only what was appended since the last read is parsed. Events and the file's new
cursor go to `sink` together (the engine stores both in one transaction), so a
kill neither loses nor repeats them.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from pathlib import Path

from .importers import CursorStore, Sink, claude_config_dirs, detect_format, discovery, import_new
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
        sink: Sink,
        cursors: CursorStore,
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
        self.claude_config_dirs = [
            Path(d) for d in (claude_config_dir if isinstance(claude_config_dir, list) else [claude_config_dir])
        ]
        self.codex_home = Path(codex_home) if codex_home else default_codex_home()
        self.on_error = on_error
        self._ws_strs = [os.path.normpath(str(w)) for w in self.workspaces]
        self._codex_cwd: dict[str, str] = {}  # rollout path -> session_meta.cwd ("" if none)
        self.agents = OtherAgents(self._ws_strs, self.workspaces)

    # -- where to look -------------------------------------------------------
    def claude_dirs(self) -> list[Path]:
        return [claude_project_dir(w, d) for w in self.workspaces for d in self.claude_config_dirs]

    def codex_sessions_dir(self) -> Path:
        return self.codex_home / "sessions"

    def roots(self) -> list[Path]:
        return [*self.claude_dirs(), self.codex_sessions_dir(), *self.agents.roots()]

    def _claude_files(self) -> list[Path]:
        out = []
        for d in self.claude_dirs():
            try:
                out.extend(
                    sorted(
                        p
                        for p in d.iterdir()
                        if p.suffix == ".jsonl" and not p.name.startswith("agent-") and p.is_file()
                    )
                )
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
        files += self.agents.files()
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
            other = self.agents.target(p)
            if other is not None:
                out[other[0]] = other[1]
                continue
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
                except TimeoutError:
                    pass
                if any(r.is_dir() for r in missing):
                    self.scan_once()
                continue
            try:
                caught_up = False
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
                    if not caught_up:  # what was written before the watch began (cursors skip the rest)
                        caught_up = True
                        self.scan_once()
                    if missing and any(r.is_dir() for r in missing):
                        self.scan_once()
                        break  # watch again, now with the new root
                    if any(not r.is_dir() for r in present):
                        break  # a root was removed: watch what is left
            except (FileNotFoundError, RuntimeError, OSError) as exc:
                if self.on_error:
                    self.on_error(f"transcript watch restarted: {exc}")
                await asyncio.sleep(self.POLL_MISSING_S)


def _under(path: str, folders: list[str]) -> bool:
    return any(path == w or path.startswith(w + os.sep) for w in folders)


class OtherAgents:
    """The Gemini CLI, Copilot CLI, OpenCode/Kilo and Cline-family files to follow."""

    def __init__(
        self,
        ws_strs: list[str],
        workspaces: list[Path],
        gemini: list[Path] | None = None,
        copilot: list[Path] | None = None,
        databases: list[Path] | None = None,
        cline: list[Path] | None = None,
    ):
        self.ws = ws_strs
        self.gemini = gemini if gemini is not None else discovery.gemini_dirs()
        self.copilot = copilot if copilot is not None else discovery.copilot_dirs()[:1]
        self.databases = databases if databases is not None else discovery.opencode_dirs() + discovery.kilo_dirs()
        self.cline = cline if cline is not None else discovery.cline_task_dirs()
        self.keys = set().union(*(discovery.gemini_project_keys(w) for w in workspaces)) if workspaces else set()
        self._cwd: dict[str, str] = {}  # Copilot events.jsonl -> session.start cwd ("" if none)

    def roots(self) -> list[Path]:
        return [*self.gemini, *self.copilot, *self.databases, *self.cline]

    def _gemini_ok(self, project: Path) -> bool:
        if project.name in self.keys:
            return True
        try:
            root = (project / ".project_root").read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return False
        return bool(root) and _under(os.path.normpath(root), self.ws)

    def _copilot_ok(self, path: Path) -> bool:
        key = str(path)
        if key not in self._cwd:
            cwd = None
            for obj in sniff_lines(path, max_lines=1):
                data = obj.get("data") if isinstance(obj, dict) and obj.get("type") == "session.start" else None
                ctx = data.get("context") if isinstance(data, dict) else None
                cwd = ctx.get("cwd") if isinstance(ctx, dict) else None
            if cwd is None:
                return False  # first line not written yet: look again next time
            self._cwd[key] = os.path.normpath(cwd) if isinstance(cwd, str) else ""
        return bool(self._cwd[key]) and _under(self._cwd[key], self.ws)

    def files(self) -> list[tuple[Path, str]]:
        out: list[tuple[Path, str]] = []
        for root in self.gemini:
            for p in sorted(root.glob("*/chats/session-*.json*")) if root.is_dir() else ():
                if p.suffix in (".json", ".jsonl") and self._gemini_ok(p.parent.parent):
                    out.append((p, "gemini-cli"))
        for root in self.copilot:
            out += [
                (p, "copilot-cli") for p in sorted(root.glob("*/events.jsonl")) if root.is_dir() and self._copilot_ok(p)
            ]
        for root in self.databases:
            out += [(p, "opencode") for p in discovery.database_files(root)]
            out += [(p, "opencode") for p in sorted((root / "storage" / "session").glob("*/*.json"))]
        for root in self.cline:
            out += [(p, "cline") for p in sorted(root.glob("*/ui_messages.json"))] if root.is_dir() else []
        return out

    def target(self, p: Path) -> tuple[Path, str] | None:
        """The file to import when `p` changed, or None when `p` is none of theirs."""
        for root in self.gemini:
            if root in p.parents and p.name.startswith("session-") and p.suffix in (".json", ".jsonl"):
                return (p, "gemini-cli") if p.parent.name == "chats" and self._gemini_ok(p.parent.parent) else None
        for root in self.copilot:
            if root in p.parents and p.name == "events.jsonl":
                return (p, "copilot-cli") if self._copilot_ok(p) else None
        for root in self.databases:
            if p.parent == root and (p.suffix in (".db-wal", ".db") or p.name.endswith(".db-wal")):
                db = p.with_name(p.name.removesuffix("-wal"))
                if db.is_file() and db in discovery.database_files(root):
                    return db, "opencode"
            if root / "storage" in p.parents and p.suffix == ".json":
                return self._storage_session(root, p)
        for root in self.cline:
            if p.parent.parent == root and p.name == "ui_messages.json":
                return p, "cline"
        return None

    def _storage_session(self, root: Path, p: Path) -> tuple[Path, str] | None:
        """A changed message or part file of the older OpenCode storage -> its session file."""
        storage = root / "storage"
        rel = p.relative_to(storage).parts
        if rel[0] == "session":
            return p, "opencode"
        sid = rel[1] if rel[0] == "message" and len(rel) >= 3 else None
        if rel[0] == "part" and len(rel) >= 3:
            for m in (storage / "message").glob(f"*/{rel[1]}.json"):
                sid = m.parent.name
        if sid is None:
            return None
        found = list((storage / "session").glob(f"*/{sid}.json"))
        return (found[0], "opencode") if found and detect_format(found[0]) == "opencode" else None
