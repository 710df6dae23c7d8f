--- The `:SessionProf {subcommand}` implementations and their completion.
local fmt = require('sessionprof.format')
local protocol = require('sessionprof.protocol')

local M = {}

local function sp()
  return require('sessionprof')
end

--- `:SessionProf report [sessionId]`: the overview in a floating window.
function M.report(args)
  require('sessionprof.report').open({ session_id = args and args[1] })
end

local web = require('sessionprof.commands_web')

--- The web UI URL with its token, or nil before `sessionprof/ready`.
---@return string|nil
M.flame_url = web.flame_url

--- `:SessionProf url`: the web UI URL with its token, shown and in the + register.
M.url = web.url

--- `:SessionProf flame`: the flame graph web UI in the browser (or its URL when none opens).
M.flame = web.flame

--- Choose a suggestion of the session, preview its edits and apply them on confirm
--- (apply.lua; `:SessionProf apply-undo` reverts the last one).
---@param opts {session_id?: string, on_done?: fun(result: table|nil)}|nil
function M.apply(opts)
  opts = opts or {}
  local params = opts.session_id and { sessionId = opts.session_id } or vim.empty_dict()
  sp().request(protocol.PERFORMANCE, params, function(err, perf)
    if err or type(perf) ~= 'table' then
      sp().notify_error(err or 'no performance data')
      return
    end
    local suggestions = type(perf.suggestions) == 'table' and perf.suggestions or {}
    if #suggestions == 0 then
      vim.notify('sessionprof: no suggestions for this session', vim.log.levels.INFO)
      return
    end
    vim.ui.select(suggestions, {
      prompt = 'Apply suggestion',
      kind = 'sessionprof.suggestion',
      format_item = function(s)
        return ('%s (%s)'):format(s.title or s.id, s.estimatedSaving or '')
      end,
    }, function(choice)
      if not choice then
        return
      end
      -- issue 14: a preview of every file first; written only on confirm (apply.lua)
      require('sessionprof.apply').preview(perf.sessionId, choice.id, opts.on_done)
    end)
  end)
end

local function session_label(s)
  -- The live summary is newer than the session list's row: tokens and cost from one place.
  local live = require('sessionprof').state.summary
  if type(live) == 'table' and live.sessionId == s.sessionId then
    s = vim.tbl_extend('force', s, { totalTokens = live.totalTokens, totalCost = live.totalCost })
  end
  local when = type(s.startTime) == 'number' and os.date('%Y-%m-%d %H:%M', math.floor(s.startTime / 1000)) or ''
  return ('%s  %s  %s · %s  [%s]'):format(
    when,
    fmt.truncate(type(s.title) == 'string' and s.title or s.sessionId, 50),
    fmt.tokens(type(s.totalTokens) == 'number' and s.totalTokens or nil),
    fmt.cost(s.totalCost),
    type(s.source) == 'string' and s.source or '?'
  )
end

--- `:SessionProf sessions`: pick the current session.
function M.sessions()
  sp().request(protocol.SESSIONS, vim.empty_dict(), function(err, sessions)
    if err then
      sp().notify_error(err)
      return
    end
    if type(sessions) ~= 'table' or #sessions == 0 then
      vim.notify('sessionprof: no sessions recorded yet', vim.log.levels.INFO)
      return
    end
    vim.ui.select(sessions, { prompt = 'Select session', kind = 'sessionprof.session', format_item = session_label }, function(choice)
      if not choice then
        return
      end
      sp().execute(protocol.CMD_SELECT_SESSION, { choice.sessionId }, function(e)
        if e then
          sp().notify_error(e)
        else
          vim.notify('sessionprof: current session is ' .. (choice.title or choice.sessionId))
        end
      end)
    end)
  end)
end

--- The workspace root of the running client (exports are written inside it).
local function workspace_root()
  local client = sp().get_client()
  return client and client.root_dir or nil
end

--- `:SessionProf export [format] [path]`: the current session of this workspace,
--- written inside the workspace (the server refuses any other place).
function M.export(args)
  args = args or {}
  local function run(format)
    local session = sp().current_session_id()
    if not session then
      sp().notify_error('no session for this workspace to export (pick one with :SessionProf sessions)')
      return
    end
    local arguments = { session, format }
    if args[2] then
      local path = vim.fs.normalize(vim.fn.fnamemodify(vim.fn.expand(args[2]), ':p'))
      local root = workspace_root()
      if root and path:sub(1, #root + 1) ~= vim.fs.normalize(root) .. '/' then
        sp().notify_error(('exports are written inside the workspace only (%s); %s is outside it'):format(root, path))
        return
      end
      arguments[3] = path
    end
    sp().execute(protocol.CMD_EXPORT, arguments, function(err, result)
      if err then
        local msg = type(err) == 'table' and tostring(err.message or '') or tostring(err)
        sp().notify_error((msg:gsub('^%w*Error: ', '')))
        return
      end
      local where = type(result) == 'table' and (result.path or result.message) or result
      vim.notify(('sessionprof: exported %s as %s%s'):format(session, format, where and (' to ' .. tostring(where)) or ''))
    end)
  end
  if args[1] then
    if not vim.list_contains(protocol.EXPORT_FORMATS, args[1]) then
      sp().notify_error(('unknown export format %q (use one of: %s)'):format(args[1], table.concat(protocol.EXPORT_FORMATS, ', ')))
      return
    end
    run(args[1])
  else
    vim.ui.select(protocol.EXPORT_FORMATS, { prompt = 'Export format' }, function(choice)
      if choice then
        run(choice)
      end
    end)
  end
end

--- `:SessionProf hints [on|off]` and `:SessionProf lenses [on|off]`: toggles.
local function toggle(kind)
  return function(args)
    local arg = args and args[1]
    local on = nil -- no argument: toggle
    if arg == 'on' then
      on = true
    elseif arg == 'off' then
      on = false
    end
    local decorations = require('sessionprof.decorations')
    local state = kind == 'hints' and decorations.set_hints(on) or decorations.set_lenses(on)
    vim.notify(('sessionprof: %s %s'):format(kind == 'hints' and 'inlay hints' or 'code lenses', state and 'on' or 'off'))
  end
end

--- `:SessionProf show`: the event of the lens (or the hint) on the cursor line, in the report.
function M.show()
  local bufnr = vim.api.nvim_get_current_buf()
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  local session_id, event_id = require('sessionprof.decorations').event_at_cursor(bufnr, line)
  if not event_id then
    sp().notify_error('no sessionprof hint or code lens on this line')
    return
  end
  require('sessionprof.report').open({ session_id = session_id, event_id = event_id })
end

--- Session ids for completion (a short synchronous request; none when no server runs).
---@return string[]
function M.session_ids()
  local client = sp().get_client()
  if not client then
    return {}
  end
  local ok, res = pcall(function()
    return client:request_sync(protocol.SESSIONS, vim.empty_dict(), 1000)
  end)
  local out = {}
  if ok and res and type(res.result) == 'table' then
    for _, s in ipairs(res.result) do
      out[#out + 1] = s.sessionId
    end
  end
  return out
end

local function complete_sessions(lead, args)
  if #args > 1 then
    return {}
  end
  return vim.tbl_filter(function(id)
    return id:find(lead, 1, true) == 1
  end, M.session_ids())
end

--- `:SessionProf refresh`: re-request inlay hints and code lenses.
function M.refresh()
  for _, client in ipairs(vim.lsp.get_clients({ name = sp().NAME })) do
    for bufnr in pairs(client.attached_buffers) do
      require('sessionprof.handlers').refresh_codelens(client.id, bufnr)
      if vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }) then
        -- Toggling re-requests the hints for the buffer.
        vim.lsp.inlay_hint.enable(false, { bufnr = bufnr })
        vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
      end
    end
  end
end

--- `:SessionProf restart`: stop the server and start it again for the open buffers.
function M.restart()
  local install = require('sessionprof.install')
  local cmd = install.resolve_cmd(require('sessionprof.config').get().cmd)
  if not cmd or vim.fn.executable(cmd[1]) ~= 1 then -- issue 15: not a raw spawn error
    vim.notify(install.missing_message(cmd), vim.log.levels.ERROR)
    return
  end
  local clients = vim.lsp.get_clients({ name = sp().NAME })
  local buffers = {}
  for _, client in ipairs(clients) do
    for bufnr in pairs(client.attached_buffers) do
      buffers[#buffers + 1] = bufnr
    end
    if vim.fn.has('nvim-0.11') == 1 then
      client:stop()
    else
      client.stop()
    end
  end
  if #buffers == 0 then
    buffers = { vim.api.nvim_get_current_buf() }
  end
  local ok = vim.wait(3000, function()
    return #vim.lsp.get_clients({ name = sp().NAME }) == 0
  end, 50)
  if not ok then
    sp().notify_error('the server did not stop in 3 s')
  end
  for _, bufnr in ipairs(buffers) do
    sp().start(bufnr)
  end
end

--- `:SessionProf info`: what the client knows (version, endpoint, summary).
function M.info()
  local state = sp().state
  local client = sp().get_client()
  local lines = {
    'sessionprof',
    '  server: ' .. (client and ('running (id %d, root %s)'):format(client.id, client.root_dir or '?') or 'not running'),
    '  version: ' .. (state.ready and tostring(state.ready.version) or '?'),
    '  endpoint: ' .. (state.ready and type(state.ready.endpoint) == 'table' and tostring(state.ready.endpoint.url) or '-'),
    '  session: ' .. (state.summary and tostring(state.summary.title or state.summary.sessionId) or '-'),
    '  statusline: ' .. require('sessionprof.statusline').component(),
  }
  vim.notify(table.concat(lines, '\n'))
end

---@type table<string, {impl: fun(args: string[]), complete?: fun(arg_lead: string, args: string[]): string[]}>
M.subcommands = {
  report = { impl = M.report, complete = complete_sessions },
  show = { impl = M.show },
  hints = { impl = toggle('hints'), complete = function() return { 'on', 'off' } end },
  lenses = { impl = toggle('lenses'), complete = function() return { 'on', 'off' } end },
  flame = { impl = M.flame },
  url = { impl = M.url },
  install = { impl = function() require('sessionprof.install').run() end },
  apply = { impl = function() M.apply() end },
  ['apply-undo'] = { impl = function() require('sessionprof.apply').undo() end },
  effects = { impl = function() require('sessionprof.apply').effects() end },
  sessions = { impl = M.sessions },
  export = {
    impl = M.export,
    complete = function(lead, args)
      if #args <= 1 then
        return vim.tbl_filter(function(f)
          return f:find(lead, 1, true) == 1
        end, protocol.EXPORT_FORMATS)
      end
      return vim.fn.getcompletion(lead, 'file')
    end,
  },
  refresh = { impl = M.refresh },
  restart = { impl = M.restart },
  info = { impl = M.info },
}

--- Entry point of `:SessionProf`.
function M.run(opts)
  local fargs = opts.fargs
  local name = fargs[1] or 'report'
  local sub = M.subcommands[name]
  if not sub then
    vim.notify(('sessionprof: unknown subcommand %q (use one of: %s)'):format(name, table.concat(M.names(), ', ')), vim.log.levels.ERROR)
    return
  end
  sub.impl(vim.list_slice(fargs, 2))
end

---@return string[]
function M.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

--- Completion for `:SessionProf`.
function M.complete(arg_lead, cmdline)
  local words = vim.split(cmdline:gsub('^%s*%S+%s*', ''), '%s+', { trimempty = true })
  local trailing = cmdline:match('%s$') ~= nil
  if #words == 0 or (#words == 1 and not trailing) then
    return vim.tbl_filter(function(n)
      return n:find(arg_lead, 1, true) == 1
    end, M.names())
  end
  local sub = M.subcommands[words[1]]
  if sub and sub.complete then
    local args = vim.list_slice(words, 2)
    if trailing then
      args[#args + 1] = ''
    end
    return sub.complete(arg_lead, args)
  end
  return {}
end

return M
