"""The event's metadata shape, defined once (issue 20).

One row per metadata key the analysis reads: its wire type and limits, and where the
session tree keeps it (a dense column with its array typecode and the value that means
"not sent", a sparse dict, a flag bit, or a session field). From this table:
- tree.SessionTree makes its columns and columns.py fills them, a column per field;
- analysis/core.py copies the dense columns, and Analysis.metadata() writes them back out;
- models.EventMetadata (pydantic, the schemas) is made from it;
- tests/test_event_shape.py checks events.Metadata (msgspec, the hot path) and
  models.EventMetadata field by field against it, and the TypeScript, Lua and JS readers'
  metadata keys.
Adding a key: a row here, the field in events.Metadata (the test names what is missing),
and `python -m sessionprof_ls.schemas`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

MAX_TOKENS = 1 << 40  # per field of one event: sums of millions of events still fit int64
MAX_COUNT = 1 << 53  # file sizes and token estimates: exact in a JS number
MAX_LINE = (1 << 31) - 1
ID_CHARS, NAME_CHARS, PATH_CHARS, TEXT_CHARS = 1024, 4096, 8192, 1 << 20

Wire = Literal["name", "path", "text", "cost", "count", "line", "status", "bool", "tokens", "any"]
Keep = Literal["code", "int", "line", "float", "sparse", "sparse_number", "flag", "session", "tokens", "json"]


@dataclass(frozen=True)
class Field:
    """One metadata key: how it is sent and where the tree keeps it."""

    name: str  # the wire key (camelCase, as in PROTOCOL.md)
    wire: Wire  # its JSON type and limit class (WIRE_TYPES)
    store: Keep  # how the tree keeps it (STORE_KINDS)
    column: str = ""  # the SessionTree attribute ("" for json/tokens/flag)
    doc: str = ""
    cut: int = 0  # sparse text: characters kept in the tree (the store keeps all)
    in_analysis: bool = True  # written back by Analysis.metadata()

    @property
    def typecode(self) -> str:
        """The dense column's array typecode: string codes and lines int32, counts int64."""
        return STORE_KINDS[self.store][0]

    @property
    def missing(self) -> float:
        """The dense column's value where the event did not send the key."""
        return STORE_KINDS[self.store][1]


# store kind -> (array typecode, the value meaning "not sent") for dense columns
STORE_KINDS: dict[str, tuple[str, float]] = {
    "code": ("i", -1),  # an interned string (tree.StringTable code)
    "int": ("q", -1),
    "line": ("i", 0),
    "float": ("d", math.nan),
    "sparse": ("", 0),
    "sparse_number": ("", 0),
    "flag": ("", 0),
    "session": ("", 0),
    "tokens": ("", 0),
    "json": ("", 0),
}
NUMPY_DTYPES = {"i": "int32", "q": "int64", "d": "float64", "b": "int8", "B": "uint8"}

# wire type -> (Python type name, minimum, maximum) the msgspec and pydantic fields must carry
WIRE_TYPES: dict[str, tuple[str, float | None, float | None]] = {
    "name": ("str", None, NAME_CHARS),
    "path": ("str", None, PATH_CHARS),
    "text": ("str", None, TEXT_CHARS),
    "cost": ("float", 0, 1e9),
    "count": ("int", 0, MAX_COUNT),
    "line": ("int", 1, MAX_LINE),
    "status": ("Literal['ok', 'error']", None, None),
    "bool": ("bool", None, None),
    "tokens": ("Tokens", None, None),
    "any": ("Any", None, None),
}

METADATA: tuple[Field, ...] = (
    Field("model", "name", "code", "model", "the model that answered"),
    Field("provider", "name", "sparse", "provider", "the model's provider"),
    Field("tokens", "tokens", "tokens", "", "token usage of one request (TOKENS)"),
    Field("costUsd", "cost", "float", "cost", "the cost the agent reported"),
    Field("toolName", "name", "code", "tool"),
    Field("args", "any", "json", "", "tool arguments: only looked at for secrets; stored as sent (redacted)", 0, False),
    Field("filePath", "path", "code", "file"),
    Field("fileSize", "count", "int", "file_size"),
    Field("fileTokens", "count", "int", "file_tokens"),
    Field("startLine", "line", "line", "start_line"),
    Field("endLine", "line", "line", "end_line"),
    Field("url", "path", "sparse", "url"),
    Field("status", "status", "flag", "", "error sets tree.F_ERROR, ok clears it"),
    Field("error", "text", "sparse", "error", "the error text (sets F_ERROR)", 300),
    Field("text", "text", "sparse", "text", "a prompt's or a response's text", 300),
    Field("sessionTitle", "text", "session", "title", "names the session", 200, False),
    Field("source", "name", "session", "source", "the agent it came from", 0, False),
    Field("workspace", "path", "session", "workspace", "the agent's working folder", 0, False),
    Field("compaction", "bool", "flag", "", "the context was compacted here (tree.F_COMPACTION)"),
    Field("ttftMs", "any", "sparse_number", "ttft", "time to first token, ms (OTLP ttft_ms); numbers kept"),
    Field("timing", "name", "flag", "", "'inferred': a side of the span was not recorded (sets tree.F_INFERRED)"),
)

# Tokens: (wire key, tree column); all int64, 0 when not sent. cacheWrite1h is the part of
# cacheWrite written to the 1-hour cache (priced higher), capped at cacheWrite in the tree.
TOKENS: tuple[tuple[str, str], ...] = (
    ("input", "tin"),
    ("output", "tout"),
    ("cacheRead", "tcr"),
    ("cacheWrite", "tcw"),
    ("cacheWrite1h", "tcw1h"),
)

# Keys readers may look at that the analysis does not type: the stored JSON keeps them and
# `sessionprof/event` returns them (ARCHITECTURE.md "Team additions to the contract").
EXTRA_KEYS: tuple[str, ...] = (
    "generationMs",
    "reasoningTokens",
    "reportedOutputTokens",
    "includesApproval",
    "unrecordedMs",
    "promptRecorded",
    "task",
)

BY_NAME = {f.name: f for f in METADATA}
DENSE = tuple(f for f in METADATA if f.typecode)  # one array column each
SPARSE = tuple(f for f in METADATA if f.store in ("sparse", "sparse_number"))
# every array column the tree keeps for metadata, with its typecode (tokens included)
METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    *((f.column, f.typecode) for f in DENSE),
    *((col, "q") for _key, col in TOKENS),
)
