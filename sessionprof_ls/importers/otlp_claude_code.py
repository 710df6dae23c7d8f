"""Claude Code's OpenTelemetry trace spans and request timing (monitoring docs, "Traces
(beta)", on with CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1): what otlp.py makes of them.

claude_code.interaction (one per prompt) -> claude_code.llm_request, claude_code.tool
(-> claude_code.tool.blocked_on_user, claude_code.tool.execution), claude_code.hook. The
permission wait is measured there (the transcripts only guess it), hooks too."""

from __future__ import annotations

from typing import Any

from .common import excerpt
from .otlp_values import anthropic_tokens, first, split_ttft

CLAUDE_CODE_SPANS = {
    "claude_code.interaction": "agent",
    "claude_code.llm_request": "ai_response",
    "claude_code.tool": "tool_execution",
    "claude_code.tool.blocked_on_user": "user_input",
    "claude_code.tool.execution": "tool_execution",  # dropped in _spans_to_events: the tool's own time
    "claude_code.hook": "tool_execution",  # toolName "hook": the analysis's hook bucket
}
CC_EXECUTION = "claude_code.tool.execution"


def claude_code_span(name: str, a: dict[str, Any], meta: dict[str, Any]) -> str:
    """Metadata and a readable name for one of Claude Code's documented trace spans."""
    meta["source"] = "claude-code"
    if name == "claude_code.llm_request":
        meta["model"] = str(a.get("model") or meta.get("model") or "") or None
        meta["provider"] = "anthropic"
        meta["tokens"] = anthropic_tokens(a)
        split_ttft(a, meta)
        return "LLM request"
    if name == "claude_code.tool":
        tool = str(a.get("tool_name") or "tool")
        meta["toolName"] = tool
        if a.get("file_path"):
            meta["filePath"] = str(a["file_path"])
        return tool
    if name == "claude_code.tool.blocked_on_user":
        meta["decision"] = a.get("decision")
        meta["decisionSource"] = a.get("source")
        meta["text"] = f"waiting for a permission decision ({a.get('decision') or 'no decision'})"
        return "Permission prompt"
    if name == "claude_code.hook":
        meta["toolName"] = "hook"
        label = first(a, "hook_name", "hook_event", "hook.name", "hook.event")
        meta["text"] = str(label) if label else None
        return f"hook: {label}" if label else "hook"
    if name == "claude_code.interaction":
        prompt = a.get("user_prompt") or a.get("prompt")
        meta["text"] = excerpt(prompt) if isinstance(prompt, str) else None
        return "Turn: " + excerpt(prompt, 60) if isinstance(prompt, str) and prompt else "Turn"
    return name


def drop_execution_spans(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A claude_code.tool.execution span is its tool span's own time (the tool span less its
    permission wait): kept, it would count as a second tool call. Its children move up."""
    gone = {e["id"]: e.get("parentId") for e in events if e["name"] == CC_EXECUTION}
    if not gone:
        return events
    out = []
    for e in events:
        if e["id"] in gone:
            continue
        p = e.get("parentId")
        while p in gone:
            p = gone[p]
        e["parentId"] = p
        out.append(e)
    return out
