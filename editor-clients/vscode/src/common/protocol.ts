/**
 * Every wire name of shared/PROTOCOL.md, defined once for TypeScript.
 *
 * Same names and values as sessionprof_ls/protocol.py (Python) and
 * editor-clients/nvim/lua/sessionprof/protocol.lua (Lua);
 * tests/test_protocol_names.py checks all three against PROTOCOL.md.
 */

export const PROTOCOL_VERSION = 1;

// Server -> client notifications
export const READY = "sessionprof/ready";
export const SUMMARY = "sessionprof/summary";

// Client -> server notification
export const INGEST = "sessionprof/ingest";

// Client -> server requests
export const SESSIONS = "sessionprof/sessions";
export const PERFORMANCE = "sessionprof/performance";
export const FLAME_GRAPH = "sessionprof/flameGraph";
// Team-defined requests (not in PROTOCOL.md, same naming)
export const EVENT = "sessionprof/event";
export const OPEN_FILE = "sessionprof/openFile";
// Suggestions (issue 14): preview before write, what was applied, its measured effect
export const PREVIEW_SUGGESTION = "sessionprof/previewSuggestion";
export const SUGGESTION_APPLIED = "sessionprof/suggestionApplied";
export const SUGGESTION_UNDONE = "sessionprof/suggestionUndone";
export const SUGGESTION_EFFECTS = "sessionprof/suggestionEffects";

// Server commands (advertised through executeCommandProvider)
export const CMD_APPLY_SUGGESTION = "sessionprof.applySuggestion";
export const CMD_SELECT_SESSION = "sessionprof.selectSession";
export const CMD_EXPORT = "sessionprof.export";
export const SERVER_COMMANDS: readonly string[] = [CMD_APPLY_SUGGESTION, CMD_SELECT_SESSION, CMD_EXPORT];

// Client-side commands (never advertised by the server)
export const CMD_OPEN_FLAME_GRAPH = "sessionprof.openFlameGraph";
export const CMD_SHOW_EVENT = "sessionprof.showEvent";

// Configuration section (initializationOptions key and workspace/configuration section)
export const CONFIG_SECTION = "sessionprof";

// HTTP routes on the loopback endpoint
export const HTTP_EVENTS = "/v1/events";
export const HTTP_TRACES = "/v1/traces";
export const HTTP_LOGS = "/v1/logs";
export const HTTP_UI = "/";
// Team-defined routes used by the web UI in a browser (same token).
export const HTTP_RPC = "/v1/rpc";
export const HTTP_STREAM = "/v1/stream";

// Event types (section 1)
export const EVENT_TYPES = [
  "ai_response",
  "tool_execution",
  "file_read",
  "file_write",
  "network_request",
  "user_input",
  "agent",
] as const;

export const EXPORT_FORMATS = ["speedscope", "cpuprofile", "chrome-trace", "json"] as const;
export const FLAME_VIEWS = ["time", "aggregate"] as const;
export const FLAME_WEIGHTS = ["time", "tokens"] as const;

// Client-only command ids (this extension's own; distinct from SERVER_COMMANDS,
// which vscode-languageclient registers itself when the server advertises them).
export const CMD_PICK_SESSION = "sessionprof.pickSession";
export const CMD_EXPORT_SESSION = "sessionprof.exportSession";
export const CMD_PICK_SUGGESTION = "sessionprof.pickSuggestion";
export const CMD_RESTART_SERVER = "sessionprof.restartServer";
export const CMD_SHOW_LOG = "sessionprof.showLog";
// Issue 16: toggles and the status bar's menu (client-side).
export const CMD_TOGGLE_INLAY_HINTS = "sessionprof.toggleInlayHints";
export const CMD_TOGGLE_CODE_LENS = "sessionprof.toggleCodeLens";
export const CMD_STATUS_MENU = "sessionprof.statusMenu";

// The JSON shapes the client reads (sessionprof_ls/models.py); only the fields used here.

export interface Endpoint {
  url: string;
  token: string;
}

export interface ReadyParams {
  version: string;
  endpoint?: Endpoint | null;
}

export interface Summary {
  sessionId: string;
  title: string;
  source?: string | null;
  running?: boolean;
  totalDuration: number;
  // issue 12: wall = active + idle; a bucket a source cannot measure is null (why in notRecorded)
  activeTime?: number;
  idleTime?: number;
  interrupted?: boolean;
  aiThinkingTime: number;
  toolExecutionTime: number;
  networkTime: number | null;
  userWaitTime: number;
  hookTime?: number | null;
  notRecorded?: Record<string, string>;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  totalCost: number | null;
  costComplete?: boolean;
  // issue 18: the agent's own reported cost beside genai-prices' for the same requests
  agentCost?: number | null;
  pricedCost?: number | null;
  costDiffers?: boolean;
  messageCount: number;
  toolCallCount: number;
  avgResponseTokens: number;
}

export interface SessionInfo {
  sessionId: string;
  title: string;
  source?: string | null;
  workspace?: string | null;
  startTime?: number | null;
  endTime?: number | null;
  totalTokens: number;
  totalCost?: number | null;
  eventCount?: number;
}

export interface OptimizationSuggestion {
  id: string;
  type: string;
  kind: string;
  title: string;
  description: string;
  estimatedSaving: string;
  filePaths?: string[];
}

export interface PerformanceData extends Summary {
  suggestions: OptimizationSuggestion[];
}

export interface ApplyResult {
  applied: boolean;
  message: string;
}
