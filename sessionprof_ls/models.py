"""Public data shapes: the wire events and every analysis result.

These pydantic models are the source of the JSON Schemas in `schemas/`
(`python -m sessionprof_ls.schemas` regenerates them). Field names are the wire
names (camelCase) so the Python, TypeScript and Lua sides read the same words.
The hot ingest path decodes with msgspec (`events.py`); a test checks that both
accept and reject the same inputs. EventMetadata is made from event_shape.METADATA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from . import event_shape as S
from .protocol import EVENT_TYPES

if TYPE_CHECKING:
    EventType = str
else:
    EventType = Literal[EVENT_TYPES]  # the contract's event types, named once in protocol.py


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Tokens(_Wire):
    """`input` is uncached input; total context = input + cacheRead + cacheWrite."""

    input: int = Field(0, ge=0)
    output: int = Field(0, ge=0)
    cacheRead: int = Field(0, ge=0)
    cacheWrite: int = Field(0, ge=0)
    cacheWrite1h: int = Field(0, ge=0, description="part of cacheWrite written to the 1-hour cache")


# wire type name (event_shape.WIRE_TYPES) -> the annotation of its pydantic field
_ANNOTATIONS: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": bool,
    "Tokens": Tokens,
    "Literal['ok', 'error']": Literal["ok", "error"],
}


def _metadata_field(key: S.Field) -> tuple[Any, Any]:
    """One row of event_shape.METADATA as a pydantic field: optional, with its wire limits."""
    pytype, low, high = S.WIRE_TYPES[key.wire]
    if pytype == "Any":
        return Any, Field(None, description=key.doc or None)
    if pytype == "str":
        return str | None, Field(None, description=key.doc or None, max_length=None if high is None else int(high))
    return _ANNOTATIONS[pytype] | None, Field(None, description=key.doc or None, ge=low, le=high)


_METADATA_DOC = """Known metadata keys with their limits, made from event_shape.METADATA (the event
shape's one table); unknown keys are kept (extra="allow").

Team additions to the contract: `sessionTitle`, `source` and `workspace` on any
event name the session, the agent it came from and its working folder.
"""

if TYPE_CHECKING:

    class EventMetadata(_Wire):
        """Open to mypy: its fields are made from event_shape.METADATA at import."""

else:
    EventMetadata = create_model(
        "EventMetadata",
        __base__=_Wire,
        __doc__=_METADATA_DOC,
        __module__=__name__,
        **{key.name: _metadata_field(key) for key in S.METADATA},
    )


class ProfilingEvent(_Wire):
    """One timed span of an agent session (PROTOCOL.md section 1)."""

    sessionId: str = Field(min_length=1)
    id: str = Field(min_length=1)
    parentId: str | None = None
    type: EventType
    name: str
    startTime: float | str = Field(description="Unix epoch ms, or an ISO-8601 string")
    endTime: float | str | None = Field(None, description="missing = still running")
    metadata: EventMetadata | None = None


class Rejection(BaseModel):
    index: int
    error: str


class IngestResult(BaseModel):
    accepted: int
    rejected: list[Rejection] = []


# ---------------------------------------------------------------- analysis


class Summary(BaseModel):
    """The live summary (`sessionprof/summary`). Durations in ms; time split as
    time covered (interval unions), so parallel spans are not counted twice."""

    sessionId: str
    title: str
    source: str | None = None
    startTime: float | None = Field(None, description="epoch ms of the first event")
    endTime: float | None = Field(None, description="epoch ms of the last end")
    running: bool = Field(False, description="open spans and the source is live (events arrived recently)")
    interrupted: bool = Field(False, description="open spans in a finished session: they end at its last timestamp")
    interruptedCount: int = Field(0, description="spans that never ended (the agent was stopped)")
    totalDuration: float = Field(description="wall time: first event to last timestamp")
    activeTime: float = Field(0, description="wall time minus idleTime; every percentage below is of this")
    idleTime: float = Field(0, description="between the end of a turn and the next prompt (the user away)")
    idlePercent: float = Field(0, description="percent of the wall time")
    aiThinkingTime: float
    toolExecutionTime: float
    networkTime: float | None = Field(description="null: not recorded by this source (see notRecorded)")
    userWaitTime: float = Field(description="the agent blocked on the user: questions, permission prompts")
    hookTime: float | None = Field(None, description="hooks; null: not recorded by this source")
    compactionTime: float = Field(0, description="context compaction")
    agentOverheadTime: float = Field(
        0, description="the agent's own processing between a tool result and the next request"
    )
    otherTime: float = Field(0, description="active time no bucket explains")
    aiThinkingPercent: float
    toolExecutionPercent: float
    networkPercent: float | None
    userWaitPercent: float
    hookPercent: float | None = None
    compactionPercent: float = 0
    agentOverheadPercent: float = 0
    otherPercent: float = 0
    notRecorded: dict[str, str] = Field({}, description="field name -> why this source cannot measure it")
    totalTokens: int
    inputTokens: int
    outputTokens: int
    cacheReadTokens: int
    cacheWriteTokens: int
    totalCost: float | None = Field(
        None, description="null when no price is known or the source records no usage (notRecorded)"
    )
    costComplete: bool = Field(True, description="false when some model had no price or usage is not recorded")
    unpricedModels: list[str] = []
    agentCost: float | None = Field(
        None, description="the cost the agent itself reported (counts in totalCost); null: it reported none"
    )
    pricedCost: float | None = Field(
        None, description="genai-prices' price of the requests the agent priced itself; null: none, or no price"
    )
    costDiffers: bool = Field(False, description="agentCost and pricedCost differ beyond rounding: clients show both")
    messageCount: int
    toolCallCount: int
    avgResponseTokens: float = Field(description="output tokens per response that reported usage")
    avgContextTokens: float = Field(0, description="input context (input + cache read + cache write) per request")
    responseCount: int = Field(0, description="responses that reported usage (API requests)")
    eventCount: int


class TimedEvent(BaseModel):
    id: str
    parentId: str | None = None
    type: EventType
    name: str
    startTime: float = Field(description="ms from session start")
    endTime: float = Field(description="ms from session start (now, while running)")
    duration: float
    running: bool = False
    interrupted: bool = Field(False, description="never ended: ends at the session's last timestamp")
    orphan: bool = Field(False, description="its parentId was unknown: attached to the root")
    cost: float | None = None
    children: list[TimedEvent] = []
    metadata: dict[str, Any] = {}


class SlowOperation(BaseModel):
    rank: int
    event: TimedEvent
    suggestion: str | None = Field(None, description="why it was slow")
    detail: str | None = None
    label: str | None = Field(None, description="what ran: `Bash: npm test`, `Read: src/app.py`")
    interrupted: bool = Field(False, description="never ended: timed until the session's last timestamp")


SuggestionType = Literal["model", "batching", "prompting", "context", "workflow"]
SuggestionKind = Literal[
    "batch_reads",
    "smaller_model",
    "incremental_output",
    "new_session",
    "reread_file",
    "large_tool_output",
    "user_wait",
]


class SuggestionEvidence(BaseModel):
    eventId: str
    name: str
    what: str
    filePath: str | None = Field(None, description="relative to the session's workspace")
    startTime: float


class OptimizationSuggestion(BaseModel):
    id: str
    type: SuggestionType
    kind: SuggestionKind
    title: str
    description: str
    estimatedSaving: str
    savingMs: float = 0
    savingTokens: int = 0
    savingUsd: float | None = None
    affectedEvents: list[str]
    filePaths: list[str] = []
    models: list[str] = []
    suggestedModel: str | None = None
    guidance: str = Field("", description="text applySuggestion adds to the instruction file")
    # issue 14: how the saving was computed, whether it is a bound, the evidence, the metric it targets
    method: str = ""
    bound: bool = False
    evidence: list[SuggestionEvidence] = []
    metric: str = Field("", description="what effects compare before vs after the suggestion was applied")
    metricUnit: str = ""


class MessageTokens(BaseModel):
    index: int
    eventId: str
    role: Literal["assistant", "user"]
    model: str | None = None
    input: int
    output: int
    cacheRead: int
    cacheWrite: int
    total: int
    cost: float | None = None
    excerpt: str = ""
    label: str = Field("", description="the event's own name (`Response #3`, `User prompt`)")
    usageRecorded: bool = Field(True, description="false: a response whose usage the source did not record (not 0)")


class FileTokens(BaseModel):
    filePath: str
    tokens: int
    shareOfInput: float = Field(description="contextTokens as percent of all input the session sent (= contextShare)")
    timesRead: int
    resentCount: int = Field(description="later requests that re-sent it as history")
    resentTokens: int
    resentCost: float | None = None
    contextTokens: int = Field(0, description="first read + re-sent as history")
    contextShare: float = Field(0, description="contextTokens as percent of all input the session sent")
    contextCost: float | None = Field(None, description="cost of exactly the contextTokens")
    firstReadCost: float | None = None
    eventIds: list[str] = []


class ModelTokens(BaseModel):
    model: str
    provider: str | None = None
    requests: int
    input: int
    output: int
    cacheRead: int
    cacheWrite: int
    total: int
    share: float = Field(description="percent of the session's tokens")
    cost: float | None = None
    priced: bool


class PerformanceData(Summary):
    events: list[TimedEvent] = []
    slowestOperations: list[SlowOperation] = []
    suggestions: list[OptimizationSuggestion] = []
    tokensByMessage: list[MessageTokens] | None = Field(
        [], description="null when asked with includeMessages false (issue 13: the web UI's first paint)"
    )
    tokensByFile: list[FileTokens] = []
    tokensByModel: list[ModelTokens] = []
    historyTokens: int = Field(0, description="input context tokens not attributable to files")
    historyShare: float = 0
    totalInputContext: int = 0


class SessionInfo(BaseModel):
    sessionId: str
    title: str
    source: str | None = None
    workspace: str | None = None
    startTime: float | None = None
    endTime: float | None = None
    totalTokens: int
    totalCost: float | None = None
    eventCount: int


class FlameFrames(BaseModel):
    """Columns, one entry per frame; a parent always comes before its children.

    With `encoding: "base64"` each numeric column is instead a base64 string of a
    little-endian typed array: name, depth, parent and count int32, type uint8,
    start and value float64 (flame.BASE64_TYPES)."""

    name: list[int] | str = Field(description="index into strings")
    type: list[int] | str = Field(description="index into types")
    depth: list[int] | str
    start: list[float] | str = Field(description="left edge, in units from the session start")
    value: list[float] | str = Field(description="width, in units")
    parent: list[int] | str = Field(description="frame index of the parent, -1 for the root")
    id: list[str | None] | str = Field(
        description='event id (time view), null when merged; with encoding "base64" one string '
        'of the ids joined by "\\n" ("" for null; issue 13), unless an id holds a newline'
    )
    count: list[int] | str | None = Field(
        None, description="events merged into each frame; null in the time view, where every frame is one event"
    )
    members: list[list[str]] | None = Field(
        None, description="aggregate view: the event ids merged into each frame (the first 100; count has the total)"
    )


class FlameLayout(BaseModel):
    """issue 13 (team addition): the web UI's rows of a base64 time view, made by the server
    (flame_layout.py) so the page does not lay out every frame before its first paint."""

    rowCounts: list[int] = Field(description="frames per row, row 0 first")
    order: str = Field(
        description="base64 of little-endian int32 frame indexes grouped by row (rowCounts), "
        "by start (idle gaps collapsed) within a row"
    )
    idle: list[tuple[float, float]] = Field(description="idle gaps collapsed in the page, [start, end] in ms")
    end: float = Field(description="the graph's end in ms (the latest end of any frame, or total)")


class FlameGraph(BaseModel):
    """Compact columnar flame graph (`sessionprof/flameGraph`): frame 0 is the session."""

    sessionId: str
    view: Literal["time", "aggregate"]
    weight: Literal["time", "tokens"]
    unit: Literal["ms", "tokens"]
    total: float
    maxDepth: int
    strings: list[str]
    types: list[str]
    frames: FlameFrames
    encoding: Literal["json", "base64"] = Field(
        "json", description='numeric columns as JSON arrays, or base64 typed arrays (request {"encoding": "base64"})'
    )
    layout: FlameLayout | None = Field(
        None, description="issue 13: rows of the web UI, in base64 time views (absent: the page lays them out)"
    )


class ReadyParams(BaseModel):
    version: str
    endpoint: dict[str, str] | None = Field(None, description="{url, token}")
    degraded: str | None = Field(
        None,
        description="why the store in use is not the configured one (it names "
        "the path); absent when all is well; clients show it",
    )


class ApplyResult(BaseModel):
    applied: bool
    message: str


TimedEvent.model_rebuild()
