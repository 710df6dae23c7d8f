--- The performance overview drawn in text, in a floating window.
---
--- `render()` is a pure function from `PerformanceData` (the `sessionprof/performance`
--- answer) to lines and highlights, so the profile reads the same over SSH as in
--- the web UI: summary, time bars, an ASCII flame chart of the event tree,
--- slowest operations, tokens by file and model, and suggestions.
local fmt = require('sessionprof.format')
local protocol = require('sessionprof.protocol')

local M = {}

M.ns = vim.api.nvim_create_namespace('sessionprof.report')

local text = require('sessionprof.report_text')
local num, str = text.num, text.str

--- Depth-first search of the event tree.
M.find_event = text.find_event

--- Render the report (see `sessionprof.report_render`).
M.render = require('sessionprof.report_render').render

--- The last report shown: {buf, win, lines, selected_line, session_id, event_id, perf}.
M.last = nil

local function float_size(opts)
  local function size(v, total)
    return v <= 1 and math.floor(total * v) or math.min(math.floor(v), total)
  end
  local width = math.max(40, size(opts.width, vim.o.columns) - 2)
  local height = math.max(5, size(opts.height, vim.o.lines - vim.o.cmdheight) - 2)
  return width, height
end

local function get_buf()
  if M.last and M.last.buf and vim.api.nvim_buf_is_valid(M.last.buf) then
    return M.last.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'sessionprof'
  pcall(vim.api.nvim_buf_set_name, buf, 'sessionprof://report')
  return buf
end

--- Open the event's file (relative paths resolve against the workspace).
local function open_event_file(ev)
  local md = type(ev) == 'table' and type(ev.metadata) == 'table' and ev.metadata or {}
  local path = str(md.filePath)
  if not path then
    vim.notify('sessionprof: this event has no file', vim.log.levels.INFO)
    return
  end
  local client = require('sessionprof').get_client()
  local root = client and client.root_dir or vim.fn.getcwd()
  if not path:match('^/') and not path:match('^%a:[/\\]') then
    path = vim.fs.joinpath(root, path)
  elseif vim.fn.filereadable(path) == 0 and M.last and M.last.workspace then
    -- the same project checked out elsewhere: the path relative to the agent's cwd, here
    local rel = fmt.relative(path, { M.last.workspace })
    if rel ~= path then
      path = vim.fs.joinpath(root, rel)
    end
  end
  M.close()
  vim.cmd.edit(vim.fn.fnameescape(path))
  if num(md.startLine) then
    pcall(vim.api.nvim_win_set_cursor, 0, { md.startLine, 0 })
  end
end

--- Close the report window.
function M.close()
  if M.last and M.last.win and vim.api.nvim_win_is_valid(M.last.win) then
    vim.api.nvim_win_close(M.last.win, true)
  end
end

--- Draw `perf` into the floating window.
function M.show(perf, opts)
  opts = opts or {}
  local cfg = require('sessionprof.config').get().report
  local width, height = float_size(cfg)
  local rendered = M.render(perf, {
    width = width - 1,
    event_id = opts.event_id,
    event = opts.event,
    flame_depth = cfg.flame_depth,
    slowest = cfg.slowest,
    files = cfg.files,
    roots = { opts.workspace, (require('sessionprof').get_client() or {}).root_dir },
  })
  local buf = get_buf()
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, rendered.lines)
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  for _, h in ipairs(rendered.highlights) do
    vim.api.nvim_buf_set_extmark(buf, M.ns, h[1], h[2], { end_col = h[3], hl_group = h[4], strict = false, priority = h[4] == 'SessionProfSelected' and 200 or 100 })
  end
  if rendered.selected_line then
    vim.api.nvim_buf_set_extmark(buf, M.ns, rendered.selected_line, 0, { line_hl_group = 'SessionProfSelected', priority = 200 })
  end

  local win = M.last and M.last.win
  if not (win and vim.api.nvim_win_is_valid(win)) then
    win = vim.api.nvim_open_win(buf, true, {
      relative = 'editor',
      width = width,
      height = math.min(height, #rendered.lines),
      row = math.floor((vim.o.lines - height) / 2) - 1,
      col = math.floor((vim.o.columns - width) / 2),
      style = 'minimal',
      border = cfg.border,
      title = ' sessionprof ',
      title_pos = 'center',
    })
    vim.wo[win].wrap = false
    vim.wo[win].cursorline = true
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.api.nvim_win_set_cursor(win, { (rendered.selected_line or 0) + 1, 0 })

  local map = function(lhs, fn, desc)
    vim.keymap.set('n', lhs, fn, { buffer = buf, nowait = true, silent = true, desc = desc })
  end
  map('q', M.close, 'Close the report')
  map('<Esc>', M.close, 'Close the report')
  map('<CR>', function()
    local line = vim.api.nvim_win_get_cursor(0)[1] - 1
    open_event_file(rendered.event_lines[line])
  end, "Open the event's file")
  map('a', function()
    require('sessionprof.commands').apply({ session_id = perf.sessionId })
  end, 'Apply a suggestion')
  map('f', function()
    require('sessionprof.commands').flame()
  end, 'Open the flame graph in the browser')
  map('r', function()
    M.open({ session_id = perf.sessionId, event_id = opts.event_id })
  end, 'Reload the report')

  M.last = {
    buf = buf,
    win = win,
    lines = rendered.lines,
    selected_line = rendered.selected_line,
    session_id = perf.sessionId,
    event_id = opts.event_id,
    perf = perf,
    workspace = opts.workspace,
  }
  vim.api.nvim_exec_autocmds('User', { pattern = 'SessionProfReport', modeline = false, data = { buf = buf } })
  return M.last
end

--- Request the session's analysis and show it; with `event_id`, at that event.
---@param opts {session_id?: string, event_id?: string}|nil
function M.open(opts)
  opts = opts or {}
  local sp = require('sessionprof')
  local params = opts.session_id and { sessionId = opts.session_id } or vim.empty_dict()
  sp.request(protocol.PERFORMANCE, params, function(err, perf)
    if err or type(perf) ~= 'table' then
      sp.notify_error(err or 'no performance data for this session')
      return
    end
    -- the session's workspace (the agent's cwd) makes its paths relative in the report
    sp.request(protocol.SESSIONS, vim.empty_dict(), function(_, sessions)
      local workspace
      for _, s in ipairs(type(sessions) == 'table' and sessions or {}) do
        if s.sessionId == perf.sessionId then
          workspace = type(s.workspace) == 'string' and s.workspace or nil
        end
      end
      if opts.event_id and not M.find_event(perf.events, opts.event_id) then
        -- Not in the tree (e.g. trimmed): ask for the single event.
        sp.request(protocol.EVENT, { sessionId = perf.sessionId, eventId = opts.event_id }, function(_, ev)
          M.show(perf, { event_id = opts.event_id, event = type(ev) == 'table' and ev or nil, workspace = workspace })
        end)
        return
      end
      M.show(perf, { event_id = opts.event_id, workspace = workspace })
    end)
  end)
end

return M
