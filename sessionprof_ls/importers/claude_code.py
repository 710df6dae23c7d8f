"""Claude Code transcript importer (`~/.claude/projects/<project>/<session>.jsonl`).

Reads the main file and its subagent files (`<session>/subagents/agent-*.jsonl`,
older `<project>/agent-<id>.jsonl`, older still inline `isSidechain` lines) into
the event tree of PROTOCOL.md section 1:

    agent "Turn N: prompt"            one per user prompt
      user_input  (the prompt, zero length, with its text)
      ai_response "Response #k"       de-duplicated by (message.id, requestId)
      tool_execution <tool name>      tool_use line -> tool_result line
        file_read / file_write / network_request
        agent "Subagent: ..."         for Task/Agent tools, holding its own spans
      user_input "Waiting for user"   AskUserQuestion, permission prompts

Parser state lives in the cursor, so a follow-up read continues exactly where the
last one stopped; every id comes from transcript content, so re-reading a file
re-sends the same ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .claude_code_parser import ClaudeParser
from .claude_code_text import SOURCE
from .common import ImportResult, read_new_lines
from .skeleton import read_lines

__all__ = ["ClaudeParser", "SOURCE", "import_claude"]


def _subagent_files(main: Path) -> list[Path]:
    sub = main.parent / main.stem / "subagents"
    try:
        return sorted(p for p in sub.iterdir() if p.name.startswith("agent-") and p.suffix == ".jsonl")
    except OSError:
        return []


def _root_agent_files(main: Path, session_id: str | None, known: set[str]) -> list[Path]:
    """Claude Code 2.0.x wrote some subagents ("Warmup") as `agent-*.jsonl` at the project
    folder's root, never linked from the main file; each carries the parent's sessionId
    and billed usage, so they belong to the session (its cost is short without them)."""
    sid = session_id or main.stem
    out = []
    try:
        candidates = sorted(p for p in main.parent.iterdir() if p.name.startswith("agent-") and p.suffix == ".jsonl")
    except OSError:
        return []
    for p in candidates:
        if p.stem[len("agent-") :] in known:
            continue
        try:
            with p.open("rb") as fh:
                head = fh.read(8192)
        except OSError:
            continue
        if f'"sessionId":"{sid}"'.encode() in head.replace(b'": "', b'":"'):
            out.append(p)
    return out


def import_claude(path: Path, cursor: dict[str, Any] | None = None, max_bytes: int | None = None) -> ImportResult:
    """Import what was appended to a Claude Code main file and its subagent files
    (with `max_bytes`, about that much of each; `more` says to call again)."""
    path = Path(path)
    label = str(path)
    read = read_lines(path, cursor, max_bytes)
    subs_cur: dict[str, Any] = {} if read.state is None or not cursor else dict(cursor.get("subs") or {})
    sub_files = _subagent_files(path)
    sub_ids = {p.stem[len("agent-") :] for p in sub_files}
    parser = ClaudeParser(read.state, label, sub_ids)
    for n, raw in read.lines:
        parser.feed(n, raw, label)
    # Older layout: <project>/agent-<id>.jsonl, found through the agentIds we know.
    for agent_id in list(parser.s.links):
        if not isinstance(agent_id, str) or any(c in agent_id for c in "/\\\x00"):
            continue  # an id, never a path: "../" must not lead out of the projects folder (issue 19)
        old = path.parent / f"agent-{agent_id}.jsonl"
        if agent_id not in sub_ids and old.exists():
            sub_files.append(old)
            sub_ids.add(agent_id)
    for old in _root_agent_files(path, parser.s.sid, sub_ids):
        sub_files.append(old)
        sub_ids.add(old.stem[len("agent-") :])
    for sf in sub_files:
        agent_id = sf.stem[len("agent-") :]
        try:
            sub_lines, sub_pos, _, sub_more = read_new_lines(sf, subs_cur.get(sf.name), max_bytes)
        except OSError as exc:
            parser.errors.append(f"{sf}: cannot read ({exc.strerror or exc})")
            continue
        for n, raw in sub_lines:
            parser.feed(n, raw, str(sf), agent_id)
        subs_cur[sf.name] = sub_pos
        read.more = read.more or sub_more
    read.pos["subs"] = subs_cur
    return read.result(parser.finish(), parser.errors, parser.s, SOURCE)
