--- Plugin options: defaults, merging and validation.
---
--- Options come from `vim.g.sessionprof` (read when the plugin loads, so
--- `setup()` is optional) and from `require('sessionprof').setup(opts)`.
--- `settings` are the server's settings, with the wire (camelCase) names; they
--- are sent as `initializationOptions.sessionprof` and answered for the
--- `workspace/configuration` section `sessionprof`.
local M = {}

---@class sessionprof.ReportOpts
---@field width? number fraction of the editor (<= 1) or columns
---@field height? number fraction of the editor (<= 1) or lines
---@field border? string|string[] float border (see nvim_open_win)
---@field flame_depth? integer rows of the ASCII flame chart
---@field slowest? integer rows of the slowest operations
---@field files? integer rows of the tokens-by-file table

---@class sessionprof.ServerSettings
---@field slowThresholdMs? number a tool call slower than this is slow (code lens)
---@field slowestCount? integer how many slowest operations get a lens regardless
---@field followTranscripts? boolean follow the workspace's Claude Code / Codex transcripts
---@field claudeConfigDir? string Claude Code's configuration folder
---@field codexHome? string Codex's home folder
---@field port? integer HTTP endpoint port (0 = a free one)
---@field inlayHints? boolean server-side switch for the hints
---@field codeLens? boolean server-side switch for the lenses
---@field store? string SQLite store path
---@field hintMidShare? number percent of the session's input from which a hint is SessionProfHintMid
---@field hintHighShare? number percent of the session's input from which a hint is SessionProfHintHigh
---@field maxBodyBytes? integer largest HTTP request body the server accepts (bytes)
---@field extraWorkspaces? string[] more folders whose agent sessions count as this workspace's

--- Options of `require('sessionprof').setup(opts)` and `vim.g.sessionprof`.
---@class sessionprof.Opts
---@field cmd? string[] command that starts the language server
---@field auto_start? boolean start the server for workspace files automatically
---@field root_markers? string[] files that mark the workspace root
---@field inlay_hints? boolean draw the inlay hints (`:SessionProf hints` toggles)
---@field code_lens? boolean draw the code lenses (`:SessionProf lenses` toggles)
---@field apply_open? boolean open the edited instruction file after `:SessionProf apply`
---@field statusline_icon? string statusline component prefix
---@field report? sessionprof.ReportOpts
---@field settings? sessionprof.ServerSettings
---@field on_attach? fun(client: vim.lsp.Client, bufnr: integer)

---@class sessionprof.Config: sessionprof.Opts
---@field report sessionprof.ReportOpts
---@field settings sessionprof.ServerSettings
M.defaults = {
  --- Command that starts the language server.
  cmd = { 'sessionprof-ls' },
  --- Start the server for file buffers automatically.
  auto_start = true,
  --- Files that mark the workspace root (else the current directory).
  root_markers = { '.git', 'CLAUDE.md', 'AGENTS.md', '.hg', '.jj' },
  --- Client-side switches for the editor features.
  inlay_hints = true,
  code_lens = true,
  --- Open the edited instruction file after `:SessionProf apply`.
  apply_open = true,
  --- Statusline component prefix.
  statusline_icon = '⏱',
  report = {
    width = 0.85, -- fraction of the editor (or columns when > 1)
    height = 0.85,
    border = 'rounded',
    flame_depth = 8, -- rows of the ASCII flame chart
    slowest = 5,
    files = 8, -- rows of the tokens-by-file table
  },
  --- Server settings (PROTOCOL.md section 3), e.g. { slowThresholdMs = 5000 }.
  settings = {},
  --- Extra `on_attach(client, bufnr)` after the plugin's own.
  on_attach = nil,
}

--- Server settings the server knows, with their Lua types (others are passed on with a warning).
M.known_settings = {
  slowThresholdMs = 'number',
  slowestCount = 'number',
  followTranscripts = 'boolean',
  claudeConfigDir = 'string',
  codexHome = 'string',
  port = 'number',
  inlayHints = 'boolean',
  codeLens = 'boolean',
  store = 'string',
  hintMidShare = 'number',
  hintHighShare = 'number',
  maxBodyBytes = 'number', -- largest HTTP request body the server accepts
  extraWorkspaces = 'table', -- more folders whose agent sessions count as this workspace's (list of paths)
  otlp = 'table', -- { endpoint = URL, headers = { K = V }, content = false }: live OpenTelemetry forwarding
}

---@type sessionprof.Config
local current = vim.deepcopy(M.defaults)

--- Check `opts`; returns a list of messages naming each bad key (empty when valid).
---@param opts table
---@return string[]
function M.validate(opts)
  local errors = {}
  local function check(key, value, expected)
    if value ~= nil and type(value) ~= expected then
      errors[#errors + 1] = ('sessionprof: option `%s` must be a %s, got %s'):format(key, expected, type(value))
      return false
    end
    return true
  end
  if type(opts) ~= 'table' then
    return { ('sessionprof: options must be a table, got %s'):format(type(opts)) }
  end
  for key, value in pairs(opts) do
    local default = M.defaults[key]
    if key == 'on_attach' then
      check(key, value, 'function')
    elseif default == nil then
      errors[#errors + 1] = ('sessionprof: unknown option `%s`'):format(tostring(key))
    elseif check(key, value, type(default)) and type(default) == 'table' and (key == 'settings' or not vim.islist(default)) then
      if key == 'settings' then
        for name, v in pairs(value) do
          -- unknown server settings are passed on: the server reports them (once)
          local want = M.known_settings[name]
          if want then
            check('settings.' .. name, v, want)
          end
        end
      else
        for name, v in pairs(value) do
          if default[name] == nil then
            errors[#errors + 1] = ('sessionprof: unknown option `%s.%s`'):format(key, tostring(name))
          else
            check(key .. '.' .. name, v, type(default[name]))
          end
        end
      end
    end
  end
  if opts.cmd ~= nil and type(opts.cmd) == 'table' and (#opts.cmd == 0 or type(opts.cmd[1]) ~= 'string') then
    errors[#errors + 1] = 'sessionprof: option `cmd` must be a non-empty list of strings'
  end
  return errors
end

--- Merge `opts` over the defaults (and `vim.g.sessionprof`). Invalid values are
--- reported and dropped; the valid ones are kept.
---@param opts sessionprof.Opts|nil
---@return sessionprof.Config
function M.set(opts)
  local merged = vim.deepcopy(M.defaults)
  for _, source in ipairs({ vim.g.sessionprof or {}, opts or {} }) do
    M.report_errors(M.validate(source))
    if type(source) == 'table' then
      local clean = {}
      for key, value in pairs(source) do
        local default = M.defaults[key]
        local ok = key == 'on_attach' and type(value) == 'function'
          or (default ~= nil and type(value) == type(default))
        if ok and key == 'cmd' and (#value == 0 or type(value[1]) ~= 'string') then
          ok = false
        end
        if ok and key == 'settings' then
          value = vim.deepcopy(value)
          for name, v in pairs(value) do
            local want = M.known_settings[name]
            if want and type(v) ~= want then
              value[name] = nil
            end
          end
        end
        if ok then
          clean[key] = value
        end
      end
      -- `settings` are passed through (known ones type-checked above) so new
      -- server settings work without a plugin update; lists replace lists.
      merged = vim.tbl_deep_extend('force', merged, clean)
      if clean.cmd then
        merged.cmd = clean.cmd
      end
      if clean.root_markers then
        merged.root_markers = clean.root_markers
      end
    end
  end
  current = merged
  return current
end

--- Option problems seen so far (each once), for `:checkhealth sessionprof`.
---@type string[]
M.errors = {}
local seen, pending = {}, {}

--- Report option problems once each, in one line, after start-up: a message
--- during start-up would wait at a hit-enter prompt while the server's
--- requests time out.
---@param errors string[]
function M.report_errors(errors)
  for _, msg in ipairs(errors) do
    if not seen[msg] then
      seen[msg] = true
      M.errors[#M.errors + 1] = msg
      pending[#pending + 1] = (msg:gsub('^sessionprof: ', ''))
    end
  end
  if #pending == 0 then
    return
  end
  local function flush()
    if #pending == 0 then
      return
    end
    local text = ('sessionprof: %s%s'):format(pending[1], #pending > 1 and (' (and %d more)'):format(#pending - 1) or '')
    pending = {}
    local max = math.max(20, vim.o.columns - 14)
    if vim.fn.strdisplaywidth(text) > max then
      text = vim.fn.strcharpart(text, 0, max - 1) .. '…'
    end
    vim.notify(text .. ' (:checkhealth sessionprof)', vim.log.levels.WARN)
  end
  if vim.v.vim_did_enter == 1 then
    vim.schedule(flush)
  else
    vim.api.nvim_create_autocmd('VimEnter', { once = true, callback = function() vim.schedule(flush) end })
  end
end

---@return sessionprof.Config
function M.get()
  return current
end

--- The server settings table as JSON will see it (an object even when empty).
---@return table
function M.server_settings()
  local s = vim.deepcopy(current.settings or {})
  if next(s) == nil then
    return vim.empty_dict()
  end
  return s
end

return M
