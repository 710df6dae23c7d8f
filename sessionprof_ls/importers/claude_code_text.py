"""What Claude Code's transcript lines mean, apart from the parser's state: the tool
families, prompt and result text, measured durations, and the file/network span under a
tool call (used by claude_code_parser.py)."""

from __future__ import annotations

import re
from typing import Any

from .common import estimate_tokens, excerpt, is_folder, make_event

SOURCE = "claude-code"
PROVIDER = "anthropic"
MAIN = "main"
USAGE_FIELDS = (
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_input_tokens", "cacheRead"),
    ("cache_creation_input_tokens", "cacheWrite"),
)
WRITE_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}
READ_TOOLS = {"Read", "NotebookRead"}
NETWORK_TOOLS = {"WebFetch", "WebSearch"}
AGENT_TOOLS = {"Task", "Agent"}
# Tools whose whole duration is the user deciding, not work.
USER_WAIT_TOOLS = {"AskUserQuestion", "ExitPlanMode"}
REJECTED_PREFIX = "The user doesn't want to proceed"
_COMMAND_RE = re.compile(r"<command-name>(.*?)</command-name>", re.S)
_ARGS_RE = re.compile(r"<command-args>(.*?)</command-args>", re.S)
_MAX_RECENT_RESPONSES = 64


def _prompt_text(content: Any) -> str | None:
    """The text of a user prompt, or None when the line is not a prompt."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "tool_result":
                return None
            if btype == "text" and isinstance(block.get("text"), str):
                parts.append(block["text"])
            elif btype == "image":
                parts.append("[image]")
        return "\n".join(parts) if parts else None
    return None


def _clean_prompt(text: str) -> str | None:
    """User-visible prompt text; None for local-command noise and interruptions."""
    t = text.lstrip()
    if t.startswith(("<local-command-stdout>", "<local-command-stderr>", "[Request interrupted", "Caveat:")):
        return None
    if "<command-name>" in t:
        m = _COMMAND_RE.search(t)
        if m:
            a = _ARGS_RE.search(t)
            args = (a.group(1) if a else "").strip()
            return (m.group(1).strip() + (" " + args if args else "")).strip()
    return text


def _measured_ms(tur: Any) -> float | None:
    if not isinstance(tur, dict):
        return None
    for key, scale in (("durationMs", 1.0), ("totalDurationMs", 1.0), ("durationSeconds", 1000.0)):
        v = tur.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v) * scale
    return None


def _patch_lines(tur: dict[str, Any]) -> tuple[int | None, int | None]:
    hunks = tur.get("structuredPatch")
    if not isinstance(hunks, list) or not hunks:
        return None, None
    first, last = hunks[0], hunks[-1]
    if not isinstance(first, dict) or not isinstance(last, dict):
        return None, None
    start = first.get("newStart")
    end = None
    if isinstance(last.get("newStart"), int) and isinstance(last.get("newLines"), int):
        end = last["newStart"] + max(last["newLines"], 1) - 1
    if isinstance(start, int) and start >= 1:
        return start, end if isinstance(end, int) and end >= start else start
    return None, None


COMPACTION_NAME = "Context compaction"
# what an old inline compaction's sidechain request starts with or says (it is not a subagent)
_COMPACTION_PROMPT = re.compile(
    r"^\s*<system-reminder>|create a detailed summary of the conversation|"
    r"summary of the conversation so far",
    re.I,
)


def _agent_name(prompt: str | None, key: str) -> str:
    if prompt and _COMPACTION_PROMPT.search(prompt[:2000]):
        return COMPACTION_NAME
    return "Subagent: " + (excerpt(prompt, 60) if prompt else key)


def _what_ran(args: Any) -> str | None:
    """The command, task or pattern a tool call ran (redacted, cut): the slowest list and
    lenses name it instead of a bare tool name."""
    if not isinstance(args, dict):
        return None
    for key in ("command", "description", "pattern", "query", "url", "prompt"):
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            return excerpt(v, 200)
    return None


def _arg_path(args: Any) -> str | None:
    if not isinstance(args, dict):
        return None
    for key in ("file_path", "notebook_path"):
        v = args.get(key)
        if isinstance(v, str) and v:
            return v
    return None


def tool_child(
    sid: str,
    name: str,
    args: dict[str, Any],
    tur: dict[str, Any],
    text: str,
    tid: str,
    start: float | None,
    end: float | None,
    meta: dict[str, Any],
    cwd: str | None = None,
) -> dict[str, Any] | None:
    """The file_read / file_write / network_request span under a finished tool call, if it has one.
    A Read of a folder (EISDIR, or the workspace itself) touched no file: no span."""
    cid = "tool:" + tid + ":io"
    status = {"status": meta["status"], "error": meta.get("error")}
    f = tur.get("file")
    if (name in READ_TOOLS or isinstance(f, dict)) and name not in WRITE_TOOLS:
        path = (f or {}).get("filePath") if isinstance(f, dict) else None
        path = path or _arg_path(args)
        if not path or is_folder(path, cwd) or (meta["status"] == "error" and "EISDIR" in text):
            return None
        m: dict[str, Any] = {"filePath": path, "toolName": name, **status}
        if isinstance(f, dict):
            content = f.get("content")
            if isinstance(content, str) and tur.get("type") != "image":
                m["fileSize"] = len(content.encode("utf-8", "replace"))
            sl, nl = f.get("startLine"), f.get("numLines")
            if isinstance(sl, int) and sl >= 1:
                m["startLine"] = sl
                if isinstance(nl, int) and nl >= 1:
                    m["endLine"] = sl + nl - 1
            if isinstance(f.get("totalLines"), int):
                m["totalLines"] = f["totalLines"]
        if meta["status"] == "ok" and tur.get("type") != "image":
            m["fileTokens"] = estimate_tokens(text)
        meta.setdefault("startLine", m.get("startLine"))
        return make_event(sid, cid, "tool:" + tid, "file_read", path, start, end, m)
    if name in WRITE_TOOLS:
        path = tur.get("filePath") or _arg_path(args)
        if not path or is_folder(path, cwd):
            return None
        m = {"filePath": path, "toolName": name, **status}
        sl, el = _patch_lines(tur)
        if sl:
            m["startLine"], m["endLine"] = sl, el
            meta["startLine"] = sl
        content = tur.get("content") if tur.get("type") == "create" else None
        if isinstance(content, str):
            m["fileSize"] = len(content.encode("utf-8", "replace"))
        return make_event(sid, cid, "tool:" + tid, "file_write", path, start, end, m)
    if name in NETWORK_TOOLS:
        url = tur.get("url") or args.get("url")
        m = {"url": url, "toolName": name, **status}
        if name == "WebSearch":
            m["query"] = args.get("query") or tur.get("query")
        if isinstance(tur.get("code"), int):
            m["httpStatus"] = tur["code"]
        if isinstance(tur.get("bytes"), int):
            m["responseBytes"] = tur["bytes"]
        label = url or ("search: " + excerpt(m.get("query") or "", 80))
        return make_event(sid, cid, "tool:" + tid, "network_request", label, start, end, m)
    return None
