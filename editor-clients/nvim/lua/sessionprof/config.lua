--- Plugin options: defaults, merging and validation.
---
--- Options come from `vim.g.sessionprof` (read when the plugin loads, so
--- `setup()` is optional) and from `require('sessionprof').setup(opts)`.
--- `settings` are the server's settings, with the wire (camelCase) names; they
--- are sent as `initializationOptions.sessionprof` and answered for the
--- `workspace/configuration` section `sessionprof`.
local M = {}

---@class sessionprof.Config
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
          local want = M.known_settings[name]
          if want then
            check('settings.' .. name, v, want)
          else
            errors[#errors + 1] = ('sessionprof: unknown server setting `settings.%s`'):format(tostring(name))
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
---@param opts table|nil
---@return sessionprof.Config
function M.set(opts)
  local merged = vim.deepcopy(M.defaults)
  for _, source in ipairs({ vim.g.sessionprof or {}, opts or {} }) do
    local errors = M.validate(source)
    for _, msg in ipairs(errors) do
      vim.notify(msg, vim.log.levels.WARN)
    end
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
