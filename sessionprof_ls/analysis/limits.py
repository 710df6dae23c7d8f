"""Thresholds the analysis and its hints share (one place, so a lens and a hint agree)."""

SLOW_THRESHOLD_MS = 5000.0
# a session whose last timestamp is older than this is finished: its open spans are interrupted
LIVE_WINDOW_MS = 10 * 60_000.0
SLOWEST_COUNT = 5
LARGE_OUTPUT_TOKENS = 3000
SIMPLE_RESPONSE_TOKENS = 300
LARGE_TOOL_OUTPUT_TOKENS = 8000

SMALLER_MODEL = (  # (substring of the model id, a smaller sibling to suggest)
    ("opus", "claude-haiku-4-5"),
    ("sonnet", "claude-haiku-4-5"),
    ("gpt-5-codex", "gpt-5-mini"),
    ("gpt-5.1", "gpt-5-mini"),
    ("gpt-5", "gpt-5-mini"),
    ("gpt-4.1", "gpt-4.1-mini"),
    ("gpt-4o", "gpt-4o-mini"),
    ("o3", "o4-mini"),
    ("gemini-2.5-pro", "gemini-2.5-flash"),
    ("gemini-3-pro", "gemini-2.5-flash"),
)
