"""What Claude Code's parser keeps between reads (in the cursor, as JSON): the open
responses, tool calls, subagents and a pending compaction, as typed records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .claude_code_text import MAIN
from .skeleton import JsonState, OpenCall, ParserState, Turn


@dataclass
class Response(JsonState):
    """A model request, kept while its lines may still come (split responses)."""

    id: str = ""
    no: int = 0
    parent: str | None = None
    start: float | None = None
    end: float | None = None
    model: str | None = None
    usage: dict[str, int] | None = None  # our token fields, the largest seen of each
    text: str | None = None
    cost: float | None = None


@dataclass
class ToolCall(OpenCall):
    """A tool_use waiting for its tool_result, and the context (main or agent) it ran in."""

    ctx: str = MAIN


@dataclass
class Agent(JsonState):
    """A subagent (its own file, its progress copies, or an old inline sidechain)."""

    tool: str | None = None  # the Task call that started it
    start: float | None = None
    end: float | None = None
    name: str = ""
    fallback: str | None = None  # its parent when no Task call is known: the turn it ran in


@dataclass
class Compaction(JsonState):
    """A compaction boundary waiting for the `/compact` line written after it."""

    id: str = ""
    name: str = ""
    end: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ClaudeState(ParserState):
    NESTED: ClassVar[dict[str, type[JsonState]]] = {"turn": Turn, "compact": Compaction}
    TABLES: ClassVar[dict[str, type[JsonState]]] = {"resp": Response, "tools": ToolCall, "agents": Agent}

    trig: dict[str, float | None] = field(default_factory=dict)  # per context: when its next request was triggered
    resp: dict[str, Response] = field(default_factory=dict)  # recent responses by (message id, request id)
    tools: dict[str, ToolCall] = field(default_factory=dict)  # open tool calls by tool_use id
    agents: dict[str, Agent] = field(default_factory=dict)  # subagents by agent id (or inline sidechain key)
    links: dict[str, str] = field(default_factory=dict)  # agent id -> the Task tool call that started it
    sc: dict[str, str] = field(default_factory=dict)  # inline sidechain line uuid -> its agent key
    tasks: dict[str, str] = field(default_factory=dict)  # Task calls not yet linked to an agent: their prompt
    compact: Compaction | None = None  # a compaction waiting for its /compact line
