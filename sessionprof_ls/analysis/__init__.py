"""The analysis of one session (see core.py); one module per concern."""

from .core import Analysis
from .formatting import file_hint, fmt_ms, fmt_tokens, fmt_usd, fmt_usd_short, pct
from .limits import (
    LARGE_OUTPUT_TOKENS,
    LARGE_TOOL_OUTPUT_TOKENS,
    SIMPLE_RESPONSE_TOKENS,
    SLOW_THRESHOLD_MS,
    SLOWEST_COUNT,
    SMALLER_MODEL,
)
from .timeline import TIME_FIELDS, merged_runs, time_parts, union_length

__all__ = [
    "Analysis",
    "file_hint",
    "fmt_ms",
    "fmt_tokens",
    "fmt_usd",
    "fmt_usd_short",
    "pct",
    "merged_runs",
    "union_length",
    "TIME_FIELDS",
    "time_parts",
    "LARGE_OUTPUT_TOKENS",
    "LARGE_TOOL_OUTPUT_TOKENS",
    "SIMPLE_RESPONSE_TOKENS",
    "SLOW_THRESHOLD_MS",
    "SLOWEST_COUNT",
    "SMALLER_MODEL",
]
