"""Turning a suggestion into edits the user previews, accepts, and can undo.

This module only plans: which file in the workspace changes and how, as whole old and
new texts plus a unified diff for the preview. The clients show every file before
anything is written (VS Code's refactor preview, Neovim's diff buffer, the browser's
diff with a copy button). Every target is checked to lie inside the workspace folder.

The rule (suggestions/<kind>.py) says what to change; this module says where:
- guidance goes to the agent's instruction file: CLAUDE.md for Claude Code sessions
  (or where the workspace already uses it), AGENTS.md otherwise, one escaped line per
  bullet under our section (suggestions/markdown.py);
- a new file (a Claude Code subagent definition) is created, never overwritten;
- a Codex profile is added as its own `[profiles.<name>]` table.

Safe by rule, enforced here again whatever a rule asks: no permission rules, no ignore
files, no project-wide model (`.claude/settings*.json` is never touched, a TOML edit
may not change a top-level key).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from .analysis.base import JsonDict
from .suggestions import RULES
from .suggestions.markdown import md_code, safe_line

SECTION = "## Guidance from sessionprof"
FORBIDDEN = re.compile(
    r"(^|/)(\.claude/settings(\.local)?\.json|\.claudeignore|\.gitignore|\.codexignore|"
    r"\.cursorignore|\.aiderignore)$"
)


@dataclass
class FileEdit:
    path: Path
    create: bool  # the file does not exist yet
    old_text: str  # current text ("" when created)
    new_text: str  # the whole new text

    def rel(self, root: Path) -> str:
        return self.path.relative_to(root).as_posix()

    def diff(self, root: Path) -> str:
        rel = self.rel(root)
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                "/dev/null" if self.create else f"a/{rel}",
                f"b/{rel}",
            )
        )


class Refused(Exception):
    """The suggestion cannot be applied; the message says why."""


def inside(root: Path, target: Path) -> bool:
    root = root.resolve()
    try:
        return target.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def _safe_target(root: Path, rel: str) -> Path:
    target = root / rel
    if not inside(root, target):
        raise Refused(f"refused: {rel} lies outside the workspace")
    if FORBIDDEN.search(Path(rel).as_posix()):
        raise Refused(f"refused: sessionprof never edits {rel}")
    return target


def instruction_file(root: Path, source: str | None) -> str:
    has_claude = (root / "CLAUDE.md").exists()
    has_agents = (root / "AGENTS.md").exists()
    if has_claude and not has_agents:
        return "CLAUDE.md"
    if has_agents and not has_claude:
        return "AGENTS.md"
    return "CLAUDE.md" if (source == "claude-code" and not has_agents) else "AGENTS.md"


def _add_guidance(text: str, lines: list[str]) -> str | None:
    """The text with the lines as bullets under our section; None when all are there."""
    new = [b for b in (safe_line(x) for x in lines) if b and f"- {b}\n" not in text]
    if not new:
        return None
    bullets = "".join(f"- {b}\n" for b in new)
    if SECTION + "\n" in text:
        head, _, rest = text.partition(SECTION + "\n")
        m = re.match(r"((?:- .*\n|\n(?=- ))*)", rest)  # after the existing bullets of our section
        cut = m.end() if m else 0
        return head + SECTION + "\n" + rest[:cut] + bullets + rest[cut:]
    sep = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    if text.endswith("\n\n"):
        sep = ""
    return text + sep + SECTION + "\n\n" + bullets


def _toml_profile(text: str, profile: str, values: dict[str, str]) -> str | None:
    """The TOML with `[profiles.<profile>]` added; None when it is there already."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", profile):
        raise Refused(f"refused: {profile!r} is not a profile name")
    try:
        data = tomllib.loads(text) if text.strip() else {}
    except tomllib.TOMLDecodeError as exc:
        raise Refused(f"refused: .codex/config.toml is not valid TOML ({exc}); fix it first") from None
    if profile in (data.get("profiles") or {}):
        return None
    body = "".join(f'{k} = "{v}"\n' for k, v in values.items())
    sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return text + sep + f"[profiles.{profile}]\n" + body


def _check_safe(edits: list[FileEdit], root: Path) -> None:
    """Whatever a rule asked: no project-wide setting changes (defence in depth)."""
    for e in edits:
        rel = e.rel(root)
        if FORBIDDEN.search(rel):
            raise Refused(f"refused: sessionprof never edits {rel}")
        if rel.endswith(".toml"):
            before = tomllib.loads(e.old_text) if e.old_text.strip() else {}
            after = tomllib.loads(e.new_text)
            for key in set(before) | set(after):
                if key != "profiles" and before.get(key) != after.get(key):
                    raise Refused(f"refused: {rel} top-level {key} would change for every session")
            for name, prof in (before.get("profiles") or {}).items():
                if (after.get("profiles") or {}).get(name) != prof:
                    raise Refused(f"refused: {rel} existing profile {name} would change")


def plan(
    suggestion: JsonDict,
    root: Path,
    source: str | None,
    session_workspace: str | None,
    read: Callable[[Path], str | None],
) -> tuple[list[FileEdit], str]:
    """The edits for one suggestion and a sentence saying what they do."""
    root = root.resolve()
    rule = RULES.get(suggestion.get("kind", ""))
    if rule is None:
        raise Refused(f"refused: no rule for {suggestion.get('kind')!r}")
    if suggestion.get("suggestedModel") and not re.fullmatch(r"[A-Za-z0-9._:\-/]{1,80}", suggestion["suggestedModel"]):
        raise Refused(f"refused: {suggestion['suggestedModel']!r} is not a model id")
    edits: dict[Path, FileEdit] = {}
    notes: list[str] = []

    def current(path: Path) -> tuple[str, bool]:
        if path in edits:
            return edits[path].new_text, edits[path].create
        text = read(path)
        return (text or "", text is None)

    def put(path: Path, new_text: str) -> None:
        old, create = current(path)
        if path in edits:
            edits[path].new_text = new_text
        else:
            edits[path] = FileEdit(path, create, old, new_text)

    guidance: list[str] = []
    for change in rule.edits(suggestion, source):
        if change["op"] == "guidance":
            guidance.extend(change["lines"])
        elif change["op"] == "file":
            target = _safe_target(root, change["path"])
            text, missing = current(target)
            if not missing and text != change["text"]:
                notes.append(f"kept your {change['path']} (it exists already)")
            elif missing:
                put(target, change["text"])
                notes.append(f"created {change['path']}")
        elif change["op"] == "toml_profile":
            target = _safe_target(root, change["path"])
            text, _ = current(target)
            new = _toml_profile(text, change["profile"], change["values"])
            if new is not None:
                put(target, new)
                notes.append(
                    f"added the {change['profile']} profile to {change['path']} (codex --profile {change['profile']})"
                )
        else:
            raise Refused(f"refused: unknown change {change['op']!r}")
    if guidance:
        name = instruction_file(root, source)
        target = _safe_target(root, name)
        text, _ = current(target)
        new = _add_guidance(text, guidance)
        if new is not None:
            put(target, new)
            notes.insert(0, f"added guidance to {name}")
    if not edits:
        raise Refused("nothing to change: the guidance is already there" + (f" ({'; '.join(notes)})" if notes else ""))
    out = list(edits.values())
    _check_safe(out, root)
    return out, "; ".join(notes)


class PreviewFile(TypedDict):
    """One file of `sessionprof/previewSuggestion`'s answer (PROTOCOL.md)."""

    path: str
    relPath: str
    create: bool
    oldText: str
    newText: str
    diff: str
    createdDirs: list[str]  # folders a create adds (undo removes them again)


def preview(edits: list[FileEdit], root: Path) -> list[PreviewFile]:
    """The plan as the clients show it: every file with its diff, and the folders a
    create would add (undo removes them again)."""
    root = root.resolve()
    rows: list[PreviewFile] = []
    for e in edits:
        dirs: list[str] = []
        parent = e.path.parent
        while e.create and parent != root and not parent.exists():
            dirs.append(parent.relative_to(root).as_posix())
            parent = parent.parent
        rows.append(
            {
                "path": str(e.path),
                "relPath": e.rel(root),
                "create": e.create,
                "oldText": e.old_text,
                "newText": e.new_text,
                "diff": e.diff(root),
                "createdDirs": dirs,
            }
        )
    return rows


__all__ = ["FileEdit", "Refused", "inside", "instruction_file", "plan", "preview", "md_code", "SECTION"]
