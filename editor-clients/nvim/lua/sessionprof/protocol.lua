--- Every wire name of shared/PROTOCOL.md, defined once for Lua.
--- Same constant names and values as sessionprof_ls/protocol.py (and the
--- TypeScript client's protocol.ts); tests/test_protocol_names.py checks them.
local M = {}

M.PROTOCOL_VERSION = 1

-- Server -> client notifications
M.READY = 'sessionprof/ready'
M.SUMMARY = 'sessionprof/summary'

-- Client -> server notification
M.INGEST = 'sessionprof/ingest'

-- Client -> server requests
M.SESSIONS = 'sessionprof/sessions'
M.PERFORMANCE = 'sessionprof/performance'
M.FLAME_GRAPH = 'sessionprof/flameGraph'
-- Team-defined requests (not in PROTOCOL.md, same naming)
M.EVENT = 'sessionprof/event'
M.OPEN_FILE = 'sessionprof/openFile'
-- Suggestions (issue 14): preview before write, what was applied, its measured effect
M.PREVIEW_SUGGESTION = 'sessionprof/previewSuggestion'
M.SUGGESTION_APPLIED = 'sessionprof/suggestionApplied'
M.SUGGESTION_UNDONE = 'sessionprof/suggestionUndone'
M.SUGGESTION_EFFECTS = 'sessionprof/suggestionEffects'

-- Server commands (advertised through executeCommandProvider)
M.CMD_APPLY_SUGGESTION = 'sessionprof.applySuggestion'
M.CMD_SELECT_SESSION = 'sessionprof.selectSession'
M.CMD_EXPORT = 'sessionprof.export'
M.SERVER_COMMANDS = { M.CMD_APPLY_SUGGESTION, M.CMD_SELECT_SESSION, M.CMD_EXPORT }

-- Client-side commands (never advertised by the server)
M.CMD_OPEN_FLAME_GRAPH = 'sessionprof.openFlameGraph'
M.CMD_SHOW_EVENT = 'sessionprof.showEvent'

-- Configuration section (initializationOptions key and workspace/configuration section)
M.CONFIG_SECTION = 'sessionprof'

-- HTTP routes on the loopback endpoint
M.HTTP_EVENTS = '/v1/events'
M.HTTP_TRACES = '/v1/traces'
M.HTTP_LOGS = '/v1/logs'
M.HTTP_UI = '/'
-- Team-defined routes used by the web UI in a browser (same token).
M.HTTP_RPC = '/v1/rpc'
M.HTTP_STREAM = '/v1/stream'

-- Event types (section 1)
M.EVENT_TYPES = {
  'ai_response',
  'tool_execution',
  'file_read',
  'file_write',
  'network_request',
  'user_input',
  'agent',
}

M.EXPORT_FORMATS = { 'speedscope', 'cpuprofile', 'chrome-trace', 'json' }
M.FLAME_VIEWS = { 'time', 'aggregate' }
M.FLAME_WEIGHTS = { 'time', 'tokens' }

return M
