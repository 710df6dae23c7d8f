"""Every wire name of shared/PROTOCOL.md, defined once for Python.

The TypeScript (editor-clients/vscode/src/common/protocol.ts) and Lua
(editor-clients/nvim/lua/sessionprof/protocol.lua) clients keep the same names;
tests/test_protocol_names.py checks all three against PROTOCOL.md.
"""

PROTOCOL_VERSION = 1

# Server -> client notifications
READY = "sessionprof/ready"
SUMMARY = "sessionprof/summary"

# Client -> server notification
INGEST = "sessionprof/ingest"

# Client -> server requests
SESSIONS = "sessionprof/sessions"
PERFORMANCE = "sessionprof/performance"
FLAME_GRAPH = "sessionprof/flameGraph"
# Team-defined requests (not in PROTOCOL.md, same naming)
EVENT = "sessionprof/event"
OPEN_FILE = "sessionprof/openFile"
# Suggestions (issue 14): preview before write, what was applied, its measured effect
PREVIEW_SUGGESTION = "sessionprof/previewSuggestion"
SUGGESTION_APPLIED = "sessionprof/suggestionApplied"
SUGGESTION_UNDONE = "sessionprof/suggestionUndone"
SUGGESTION_EFFECTS = "sessionprof/suggestionEffects"

# Server commands (advertised through executeCommandProvider)
CMD_APPLY_SUGGESTION = "sessionprof.applySuggestion"
CMD_SELECT_SESSION = "sessionprof.selectSession"
CMD_EXPORT = "sessionprof.export"
SERVER_COMMANDS = (CMD_APPLY_SUGGESTION, CMD_SELECT_SESSION, CMD_EXPORT)

# Client-side commands (never advertised by the server)
CMD_OPEN_FLAME_GRAPH = "sessionprof.openFlameGraph"
CMD_SHOW_EVENT = "sessionprof.showEvent"

# Configuration section (initializationOptions key and workspace/configuration section)
CONFIG_SECTION = "sessionprof"

# HTTP routes on the loopback endpoint
HTTP_EVENTS = "/v1/events"
HTTP_TRACES = "/v1/traces"
HTTP_LOGS = "/v1/logs"
HTTP_UI = "/"
# Team-defined routes used by the web UI in a browser (same token).
HTTP_RPC = "/v1/rpc"
HTTP_STREAM = "/v1/stream"

# Event types (section 1)
EVENT_TYPES = (
    "ai_response",
    "tool_execution",
    "file_read",
    "file_write",
    "network_request",
    "user_input",
    "agent",
)

EXPORT_FORMATS = ("speedscope", "cpuprofile", "chrome-trace", "json")
FLAME_VIEWS = ("time", "aggregate")
FLAME_WEIGHTS = ("time", "tokens")
