"""What Codex's tool calls and their outputs say, apart from the parser's state: the
command a call ran, its exit code, wall time and output size, the file a shell read
names, the files an apply_patch touches (used by codex.py)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from .common import JSONDecodeError, as_obj, as_str, json_loads

_WALL_RE = re.compile(r"Wall time: ([0-9.]+) seconds")
_TOKENS_RE = re.compile(r"Original token count: ([0-9]+)")
_EXIT_RE = re.compile(r"(?:Process exited with code|Exit code:) (-?[0-9]+)")
_PATCH_FILE_RE = re.compile(r"^\*\*\* (Update|Add|Delete) File: (.+)$", re.M)
_PATCH_HUNK_RE = re.compile(r"^@@ -?(\d+)?", re.M)
_SED_RANGE_RE = re.compile(r"^(\d+)(?:,(\d+))?p$")
_USER_WAIT = {"request_user_input"}


def _parse_output(output: Any) -> tuple[str, float | None, int | None, int | None]:
    """(text, measured duration ms, exit code, original token count) of a tool output."""
    text = output if isinstance(output, str) else ""
    if isinstance(output, dict):
        text = as_str(output.get("content"))
    duration = exit_code = tokens = None
    if text.startswith("{"):
        try:
            obj = json_loads(text)
        except JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            meta = as_obj(obj.get("metadata"))
            if isinstance(meta.get("duration_seconds"), (int, float)):
                duration = float(meta["duration_seconds"]) * 1000.0
            if isinstance(meta.get("exit_code"), int):
                exit_code = meta["exit_code"]
            if isinstance(obj.get("output"), str):
                text = obj["output"]
    head = text[:400]
    if duration is None:
        m = _WALL_RE.search(head)
        if m:
            duration = float(m.group(1)) * 1000.0
    if exit_code is None:
        m = _EXIT_RE.search(head)
        if m:
            exit_code = int(m.group(1))
    m = _TOKENS_RE.search(head)
    if m:
        tokens = int(m.group(1))
    return text, duration, exit_code, tokens


def _command_of(name: str, args: Any) -> str | None:
    if not isinstance(args, dict):
        return None
    cmd = args.get("cmd") or args.get("command")
    if isinstance(cmd, list):
        # ["bash", "-lc", "script"] -> the script
        if len(cmd) >= 3 and cmd[1] in ("-lc", "-c"):
            return cmd[2] if isinstance(cmd[2], str) else None
        return " ".join(str(c) for c in cmd)
    return cmd if isinstance(cmd, str) else None


def _sed_range(args: list[str]) -> tuple[int, int] | None:
    """`-n 'a,bp'` (or `-n 'ap'`) -> (a, b)."""
    if len(args) != 2 or args[0] != "-n":
        return None
    m = _SED_RANGE_RE.match(args[1])
    if not m:
        return None
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) else a
    return max(a, 1), max(b, a, 1)


def _file_read_of(cmd: str | None, cwd: str | None) -> tuple[str, int | None, int | None] | None:
    """A shell command that plainly reads one file: (path, startLine, endLine).

    The forms Codex uses to look at a file: `cat`/`nl`/`bat` FILE (with their
    line-number flags), `sed -n 'a,bp' FILE`, `nl -ba FILE | sed -n 'a,bp'`,
    `head [-n N | -N] FILE`, `tail [-n N | -N] FILE` (its lines are not known)."""
    if not cmd or any(c in cmd for c in ";&><`$"):
        return None
    try:
        stages = [shlex.split(part) for part in cmd.split("|")]
    except ValueError:
        return None
    if not stages or not all(stages) or len(stages) > 2:
        return None
    parts = stages[0]
    prog, rest = parts[0], parts[1:]
    if len(stages) == 2:  # nl -ba FILE | sed -n 'a,bp': numbered lines a..b of FILE
        rng = _sed_range(stages[1][1:]) if stages[1][0] == "sed" else None
        if prog == "nl" and rng and rest and not rest[-1].startswith("-") and all(a.startswith("-") for a in rest[:-1]):
            return rest[-1], rng[0], rng[1]
        return None
    if (
        prog in ("cat", "nl", "bat")
        and rest
        and not rest[-1].startswith("-")
        and all(a in ("-n", "-b", "-ba", "-A", "-p", "--plain", "-v") for a in rest[:-1])
    ):
        return rest[-1], None, None
    if prog == "sed" and len(rest) == 3:
        rng = _sed_range(rest[:2])
        if rng:
            return rest[2], rng[0], rng[1]
    if prog in ("head", "tail") and rest and not rest[-1].startswith("-"):
        flags = rest[:-1]
        count = None
        if not flags:
            count = 10
        elif len(flags) == 2 and flags[0] == "-n" and flags[1].isdigit():
            count = int(flags[1])
        elif len(flags) == 1 and flags[0][1:].isdigit() and flags[0].startswith("-"):
            count = int(flags[0][1:])
        if count is None:
            return None
        return (rest[-1], 1, max(count, 1)) if prog == "head" else (rest[-1], None, None)
    return None


def _patch_targets(patch: str | None) -> list[tuple[str, int | None]] | None:
    if not patch:
        return None
    targets: list[tuple[str, int | None]] = []
    matches = list(_PATCH_FILE_RE.finditer(patch))
    for i, m in enumerate(matches):
        section = patch[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(patch)]
        hunk = _PATCH_HUNK_RE.search(section)
        line = int(hunk.group(1)) if hunk and hunk.group(1) else None
        if line is None and m.group(1) == "Add":
            line = 1
        targets.append((m.group(2).strip(), line))
    return targets or None
