// Every wire name the web UI uses, identical to sessionprof_ls/protocol.py
// (tests/webui/test_static.py checks each constant against the Python module).

export const PROTOCOL_VERSION = 1;

export const SUMMARY = "sessionprof/summary";
export const SESSIONS = "sessionprof/sessions";
export const PERFORMANCE = "sessionprof/performance";
export const FLAME_GRAPH = "sessionprof/flameGraph";
export const EVENT = "sessionprof/event";
export const OPEN_FILE = "sessionprof/openFile";
// Suggestions (issue 14): preview before write, what was applied, its measured effect
export const PREVIEW_SUGGESTION = "sessionprof/previewSuggestion";
export const SUGGESTION_APPLIED = "sessionprof/suggestionApplied";
export const SUGGESTION_UNDONE = "sessionprof/suggestionUndone";
export const SUGGESTION_EFFECTS = "sessionprof/suggestionEffects";

export const CMD_APPLY_SUGGESTION = "sessionprof.applySuggestion";
export const CMD_SELECT_SESSION = "sessionprof.selectSession";
export const CMD_SHOW_EVENT = "sessionprof.showEvent";

export const HTTP_RPC = "/v1/rpc";
export const HTTP_STREAM = "/v1/stream";

export const EVENT_TYPES = [
  "ai_response",
  "tool_execution",
  "file_read",
  "file_write",
  "network_request",
  "user_input",
  "agent",
];

export const FLAME_VIEWS = ["time", "aggregate"];
export const FLAME_WEIGHTS = ["time", "tokens"];
