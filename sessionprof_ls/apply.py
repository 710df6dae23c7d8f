"""Turning a suggestion into edits the user sees and can undo.

This module only plans: which file in the workspace changes and how. The server
sends the plan as one workspace/applyEdit, so nothing is written behind the
user's back, and every target is checked to lie inside the workspace folder
(session file paths are attacker-controlled: "../../.bashrc" is refused).

- guidance goes to the agent's instruction file: CLAUDE.md for Claude Code
  sessions (or where the workspace already uses it), AGENTS.md otherwise;
- the smaller-model suggestion also sets the model in the agent's settings
  (.claude/settings.json, or .codex/config.toml);
- files that flood the context are denied to Claude Code's Read tool in
  .claude/settings.json, and listed in the instruction file for other agents.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SECTION = "## Guidance from sessionprof"


@dataclass
class FileEdit:
    path: Path
    create: bool  # the file does not exist yet
    old_text: str  # current text ("" when created)
    new_text: str  # the whole new text


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
    return target


def instruction_file(root: Path, source: str | None) -> str:
    has_claude = (root / "CLAUDE.md").exists()
    has_agents = (root / "AGENTS.md").exists()
    if has_claude and not has_agents:
        return "CLAUDE.md"
    if has_agents and not has_claude:
        return "AGENTS.md"
    return "CLAUDE.md" if (source == "claude-code" and not has_agents) else "AGENTS.md"


def _add_guidance(text: str, bullets: list[str]) -> str | None:
    """The text with the bullets under our section; None when they are all there already."""
    new = [b for b in bullets if b and b not in text]
    if not new:
        return None
    lines = "".join(f"- {b}\n" for b in new)
    if SECTION in text:
        head, _, rest = text.partition(SECTION + "\n")
        # insert after the existing bullets of our section
        m = re.match(r"((?:- .*\n|\n(?=- ))*)", rest)
        cut = m.end() if m else 0
        return head + SECTION + "\n" + rest[:cut] + lines + rest[cut:]
    sep = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    if text and not text.endswith("\n\n"):
        sep = "\n" if text.endswith("\n") else "\n\n"
    return text + sep + SECTION + "\n\n" + lines


def _workspace_relative(root: Path, path: str, session_workspace: str | None) -> str | None:
    """A session file path as a workspace-relative pattern, or None if it is outside."""
    p = path
    if os.path.isabs(p):
        # the editor's folder first: a session recorded in "/" would otherwise claim every path
        for base in filter(None, (str(root), session_workspace)):
            try:
                rel = os.path.relpath(p, base)
            except ValueError:
                continue
            if not rel.startswith(".."):
                p = rel
                break
        else:
            return None
    norm = os.path.normpath(p)
    if norm.startswith("..") or os.path.isabs(norm):
        return None
    if not inside(root, root / norm):
        return None
    return norm.replace(os.sep, "/")


def plan(suggestion: dict, root: Path, source: str | None, session_workspace: str | None,
         read: Callable[[Path], str | None]) -> tuple[list[FileEdit], str]:
    """The edits for one suggestion and a sentence saying what they do."""
    root = root.resolve()
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

    bullets = [suggestion.get("guidance", "")]
    kind = suggestion.get("kind")
    if kind == "large_tool_output":
        patterns, refused = [], 0
        for fp in suggestion.get("filePaths", []):
            rel = _workspace_relative(root, fp, session_workspace)
            if rel is None:
                refused += 1
            else:
                patterns.append(rel)
        if refused:
            notes.append(f"refused {refused} path(s) outside the workspace")
        if patterns and source == "claude-code":
            settings = _safe_target(root, ".claude/settings.json")
            text, _ = current(settings)
            data = _load_json(text, settings)
            deny = data.setdefault("permissions", {}).setdefault("deny", [])
            added = [f"Read(./{p})" for p in patterns if f"Read(./{p})" not in deny]
            deny.extend(added)
            if added:
                put(settings, json.dumps(data, indent=2) + "\n")
                notes.append(f"denied Read of {len(added)} large file(s) in .claude/settings.json")
        elif patterns:
            bullets.append("Do not read these files in full; search them or read line ranges: "
                           + ", ".join(f"`{p}`" for p in patterns))
    if kind == "smaller_model" and suggestion.get("suggestedModel"):
        model = suggestion["suggestedModel"]
        if not re.fullmatch(r"[A-Za-z0-9._:\-/]{1,80}", model):
            raise Refused(f"refused: {model!r} is not a model id")
        if source == "codex":
            cfg = _safe_target(root, ".codex/config.toml")
            text, _ = current(cfg)
            line = f'model = "{model}"'
            if re.search(r"(?m)^model\s*=.*$", text):
                new = re.sub(r"(?m)^model\s*=.*$", line, text, count=1)
            else:
                new = line + "\n" + text
            if new != text:
                put(cfg, new)
                notes.append(f"set model = {model} in .codex/config.toml")
        else:
            settings = _safe_target(root, ".claude/settings.json")
            text, _ = current(settings)
            data = _load_json(text, settings)
            if data.get("model") != model:
                data["model"] = model
                put(settings, json.dumps(data, indent=2) + "\n")
                notes.append(f"set the model to {model} in .claude/settings.json")
    name = instruction_file(root, source)
    target = _safe_target(root, name)
    text, _ = current(target)
    new = _add_guidance(text, bullets)
    if new is not None:
        put(target, new)
        notes.insert(0, f"added guidance to {name}")
    if not edits:
        raise Refused("nothing to change: the guidance is already there" + (f" ({'; '.join(notes)})" if notes else ""))
    return list(edits.values()), "; ".join(notes)


def _load_json(text: str, path: Path) -> dict:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Refused(f"refused: {path.name} is not valid JSON ({exc}); fix it first") from None
    if not isinstance(data, dict):
        raise Refused(f"refused: {path.name} does not hold a JSON object")
    return data
