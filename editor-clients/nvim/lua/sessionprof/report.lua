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

--- Highlight groups (linked by default, so colour schemes can override them).
local groups = {
  SessionProfHeader = 'Title',
  SessionProfSection = 'Label',
  SessionProfMuted = 'Comment',
  SessionProfValue = 'Number',
  SessionProfBar = 'Function',
  SessionProfSelected = 'Visual',
  SessionProfSlow = 'DiagnosticWarn',
  SessionProfSuggestion = 'DiagnosticHint',
  SessionProfFlameSession = 'Directory',
  SessionProfFlameAi = 'Statement',
  SessionProfFlameTool = 'WarningMsg',
  SessionProfFlameRead = 'String',
  SessionProfFlameWrite = 'ErrorMsg',
  SessionProfFlameNetwork = 'Special',
  SessionProfFlameOther = 'Comment',
}
for name, link in pairs(groups) do
  vim.api.nvim_set_hl(0, name, { link = link, default = true })
end

local flame_group = {
  ai_response = 'SessionProfFlameAi',
  tool_execution = 'SessionProfFlameTool',
  file_read = 'SessionProfFlameRead',
  file_write = 'SessionProfFlameWrite',
  network_request = 'SessionProfFlameNetwork',
}

local function num(v)
  return type(v) == 'number' and v or nil
end

local function str(v)
  return type(v) == 'string' and v or nil
end

local wrap -- defined below; Builder:overflow wraps long lines

--- Line builder that tracks byte columns for highlights.
local Builder = {}
Builder.__index = Builder

local function new_builder()
  return setmetatable({ lines = {}, highlights = {}, cur = nil, event_lines = {} }, Builder)
end

function Builder:add(text, group)
  self.cur = self.cur or {}
  local line = table.concat(self.cur)
  if group and text ~= '' then
    self.highlights[#self.highlights + 1] = { #self.lines, #line, #line + #text, group }
  end
  self.cur[#self.cur + 1] = text
  return self
end

function Builder:nl(text, group)
  if text then
    self:add(text, group)
  end
  local line = table.concat(self.cur or {})
  self.cur = nil
  local width = self.width
  if width and vim.fn.strdisplaywidth(line) > width then
    return self:overflow(line, width)
  end
  self.lines[#self.lines + 1] = line
  return #self.lines - 1
end

--- A line wider than the window: a line in one group is wrapped (continuation
--- indented), any other is cut with an ellipsis; nothing runs under the border.
function Builder:overflow(line, width)
  local row = #self.lines
  local groups = {}
  for i = #self.highlights, 1, -1 do
    local h = self.highlights[i]
    if h[1] ~= row then
      break
    end
    groups[#groups + 1] = h
  end
  local whole = #groups <= 1 and (not groups[1] or (groups[1][2] <= #line:match('^%s*') and groups[1][3] >= #line))
  if not whole then
    self.lines[row + 1] = fmt.truncate(line, width)
    return row
  end
  for i = #self.highlights, 1, -1 do
    if self.highlights[i][1] == row then
      table.remove(self.highlights, i)
    end
  end
  local indent = line:match('^%s*')
  local parts = {}
  for _, l in ipairs(wrap(line, width - #indent - 2)) do
    parts[#parts + 1] = (#parts == 0 and indent or indent .. '  ') .. l
  end
  for _, l in ipairs(parts) do
    self.lines[#self.lines + 1] = l
    if groups[1] then
      self.highlights[#self.highlights + 1] = { #self.lines - 1, 0, #l, groups[1][4] }
    end
  end
  return row
end

function Builder:section(title, width)
  self:nl('')
  local head = '── ' .. title .. ' '
  self:nl(head .. string.rep('─', math.max(0, width - vim.fn.strdisplaywidth(head))), 'SessionProfSection')
end

--- Greedy word wrap to `width` cells.
function wrap(text, width)
  local out, line = {}, ''
  for word in tostring(text or ''):gsub('%s+', ' '):gmatch('%S+') do
    if line == '' then
      line = word
    elseif vim.fn.strdisplaywidth(line .. ' ' .. word) <= width then
      line = line .. ' ' .. word
    else
      out[#out + 1] = line
      line = word
    end
  end
  if line ~= '' then
    out[#out + 1] = line
  end
  return out
end

--- Depth-first search of the event tree.
---@return table|nil
function M.find_event(events, id)
  for _, ev in ipairs(events or {}) do
    if ev.id == id then
      return ev
    end
    local found = M.find_event(ev.children, id)
    if found then
      return found
    end
  end
end

--- A short description of what an event touched: file, url or text excerpt.
local function event_detail(ev, roots)
  local md = type(ev.metadata) == 'table' and ev.metadata or {}
  local detail = (str(md.filePath) and fmt.relative(md.filePath, roots or {})) or str(md.url)
  if detail and num(md.startLine) then
    detail = detail .. ':' .. md.startLine
  end
  if not detail and str(md.text) then
    detail = '"' .. md.text .. '"'
  end
  local args = type(md.args) == 'table' and md.args or {}
  if not detail and str(md.args) then
    detail = md.args
  end
  if not detail then
    -- Tool calls: what they ran or looked for.
    for _, key in ipairs({ 'command', 'description', 'pattern', 'query', 'url', 'prompt' }) do
      if str(args[key]) then
        detail = args[key]
        break
      end
    end
  end
  local tokens = type(md.tokens) == 'table' and md.tokens or nil
  if tokens and num(tokens.output) and tokens.output > 0 then
    detail = (detail and detail .. ' · ' or '') .. fmt.int(tokens.output) .. ' tk out'
  elseif num(md.fileTokens) then
    detail = (detail and detail .. ' · ' or '') .. fmt.tokens(md.fileTokens)
  end
  return detail or ''
end

--- One row of the flame chart per depth; cells are `[name dur]` boxes scaled to time.
local function render_flame(b, perf, width, max_rows, selected_id)
  local total = num(perf.totalDuration) or 0
  local rows = {} -- depth -> list of {c0, c1, ev}
  local function visit(events, depth)
    for _, ev in ipairs(events or {}) do
      local s, e = num(ev.startTime), num(ev.endTime)
      if s and e then
        total = math.max(total, e)
        rows[depth] = rows[depth] or {}
        table.insert(rows[depth], ev)
        if depth < max_rows then
          visit(ev.children, depth + 1)
        end
      end
    end
  end
  visit(perf.events, 1)
  if total <= 0 then
    b:nl('  (no timed events yet)', 'SessionProfMuted')
    return
  end
  local inner = width - 2
  local function col(t)
    return math.floor(t / total * inner + 0.5)
  end
  -- Axis: 0 .. total, with a mid mark.
  local left, mid, right = '0s', fmt.duration(total / 2), fmt.duration(total)
  local gap = inner - #left - #mid - #right
  b:nl(
    '  '
      .. left
      .. string.rep(' ', math.floor(gap / 2))
      .. mid
      .. string.rep(' ', gap - math.floor(gap / 2))
      .. right,
    'SessionProfMuted'
  )
  -- A cell shows the span's name (and duration) where it fits; a span too narrow
  -- for a readable name is a coloured block, explained by the legend below.
  local function cell(name, dur, w)
    if w < 5 then
      return string.rep('▆', w)
    end
    local inner_w = w - 2
    local label = name .. ' ' .. dur
    if vim.fn.strdisplaywidth(label) > inner_w then
      label = name
    end
    if vim.fn.strdisplaywidth(label) > inner_w then
      label = fmt.truncate(name, inner_w)
    end
    return '[' .. fmt.pad(label, inner_w) .. ']'
  end
  local title = str(perf.title) or str(perf.sessionId) or 'session'
  b:add('  ')
  b:nl(cell('Session: ' .. title, '(' .. fmt.duration(total) .. ')', inner), 'SessionProfFlameSession')
  for depth = 1, max_rows do
    local list = rows[depth]
    if not list then
      break
    end
    table.sort(list, function(x, y)
      return x.startTime < y.startTime
    end)
    -- Place cells left to right; a cell that would overlap the previous one
    -- (parallel spans) starts after it, or is dropped when there is no room.
    local pos = 0
    b:add('  ')
    for _, ev in ipairs(list) do
      local c0 = math.max(col(ev.startTime), pos)
      local c1 = math.max(col(ev.endTime), c0 + 1)
      if c0 < inner then
        c1 = math.min(c1, inner)
        if c0 > pos then
          b:add(string.rep(' ', c0 - pos))
        end
        local group = ev.id == selected_id and 'SessionProfSelected' or (flame_group[ev.type] or 'SessionProfFlameOther')
        b:add(cell(tostring(ev.name or '?'), fmt.duration(ev.duration), c1 - c0), group)
        pos = c1
      end
    end
    b:nl()
  end
  -- Legend: what the colours of narrow spans mean.
  b:add('  ')
  for i, item in ipairs({
    { 'AI', 'SessionProfFlameAi' },
    { 'tool', 'SessionProfFlameTool' },
    { 'read', 'SessionProfFlameRead' },
    { 'write', 'SessionProfFlameWrite' },
    { 'network', 'SessionProfFlameNetwork' },
    { 'other', 'SessionProfFlameOther' },
  }) do
    b:add((i > 1 and '  ' or '') .. '▆▆', item[2])
    b:add(' ' .. item[1])
  end
  b:nl('', 'SessionProfMuted')
end

--- Render the report.
---@param perf table PerformanceData
---@param opts {width?: integer, event_id?: string, event?: table, flame_depth?: integer, slowest?: integer, files?: integer}|nil
---@return {lines: string[], highlights: table[], event_lines: table<integer, table>, selected_line: integer|nil}
function M.render(perf, opts)
  opts = opts or {}
  local width = math.max(opts.width or 100, 40)
  local b = new_builder()
  b.width = width
  local selected_line
  local title = str(perf.title) or str(perf.sessionId) or 'session'

  -- Header
  local head = ' PERFORMANCE'
  local right = ('Session: %s (%s)%s'):format(title, fmt.duration(num(perf.totalDuration)), perf.running and ' · running' or '')
  right = fmt.truncate(right, width - #head - 2)
  b:add(head, 'SessionProfHeader')
  b:add(string.rep(' ', width - #head - vim.fn.strdisplaywidth(right)))
  b:nl(right, 'SessionProfHeader')
  local meta = {}
  for _, item in ipairs({ str(perf.source), str(perf.sessionId) }) do
    meta[#meta + 1] = item
  end
  b:nl(' ' .. table.concat(meta, ' · '), 'SessionProfMuted')

  -- Selected event (code lens / showEvent)
  local selected = opts.event
    or (opts.event_id and M.find_event(perf.events, opts.event_id))
  if opts.event_id then
    b:section('SELECTED EVENT', width)
    if selected then
      local md = type(selected.metadata) == 'table' and selected.metadata or {}
      selected_line = b:nl(
        ('  %s  %s  %s'):format(selected.name or selected.id, selected.type or '', fmt.duration(num(selected.duration))),
        'SessionProfSelected'
      )
      b.event_lines[selected_line] = selected
      b:nl(('  started +%s · ended +%s%s'):format(
        fmt.duration(num(selected.startTime)),
        fmt.duration(num(selected.endTime)),
        selected.running and ' · running' or ''
      ), 'SessionProfMuted')
      local detail = event_detail(selected, opts.roots)
      if detail ~= '' then
        b:nl('  ' .. fmt.truncate(detail, width - 2))
      end
      if str(md.status) == 'error' or str(md.error) then
        b:nl('  error: ' .. fmt.truncate(str(md.error) or 'error', width - 9), 'SessionProfSlow')
      end
    else
      selected_line = b:nl('  event ' .. opts.event_id .. ' is not in this session', 'SessionProfSlow')
    end
  end

  -- Summary
  b:section('SUMMARY', width)
  -- five columns when they fit, else three; every cell keeps a two-space gap
  local ncol = width >= 92 and 5 or 3
  local colw = math.floor((width - 2) / ncol)
  local function rows(labels, values)
    for first = 1, #labels, ncol do
      b:add('  ')
      for i = first, math.min(first + ncol - 1, #labels) do
        b:add(fmt.pad(labels[i], colw - 2) .. '  ', 'SessionProfMuted')
      end
      b:nl()
      b:add('  ')
      for i = first, math.min(first + ncol - 1, #values) do
        b:add(fmt.pad(values[i], colw - 2) .. '  ', 'SessionProfValue')
      end
      b:nl()
    end
  end
  local function dur_pct(ms, pct)
    if not num(ms) then
      return 'not recorded' -- issue 12: a bucket the source cannot measure is not 0ms
    end
    return fmt.duration(num(ms)) .. (num(pct) and (' (' .. fmt.percent(pct) .. ')') or '')
  end
  rows({ 'Total Time', 'AI Thinking', 'Tool Execution', 'Network', 'User Wait' }, {
    fmt.duration(num(perf.totalDuration)),
    dur_pct(perf.aiThinkingTime, perf.aiThinkingPercent),
    dur_pct(perf.toolExecutionTime, perf.toolExecutionPercent),
    dur_pct(perf.networkTime, perf.networkPercent),
    dur_pct(perf.userWaitTime, perf.userWaitPercent),
  })
  b:nl('')
  -- not recorded without usage (issue 12/18); the agent's own cost beside ours goes on a line below
  local cost = perf.costDiffers == true and fmt.cost(num(perf.totalCost)) or fmt.summary_cost(perf)
  local no_usage = type(perf.notRecorded) == 'table' and perf.notRecorded.totalTokens ~= nil
  if perf.costComplete == false and num(perf.totalCost) then
    cost = cost .. ' +?'
  end
  rows({ 'Total Tokens', 'Avg Response', 'Messages', 'Tool Calls', 'Cost' }, {
    no_usage and fmt.NOT_RECORDED or fmt.int(num(perf.totalTokens)),
    no_usage and fmt.NOT_RECORDED or fmt.tokens(num(perf.avgResponseTokens)),
    fmt.int(num(perf.messageCount)),
    fmt.int(num(perf.toolCallCount)),
    cost,
  })
  if no_usage then
    b:nl('  tokens not recorded: ' .. tostring(perf.notRecorded.totalTokens), 'SessionProfMuted')
  else
  b:nl(('  input %s · output %s · cache read %s · cache write %s'):format(
    fmt.int(num(perf.inputTokens)),
    fmt.int(num(perf.outputTokens)),
    fmt.int(num(perf.cacheReadTokens)),
    fmt.int(num(perf.cacheWriteTokens))
  ), 'SessionProfMuted')
  end
  if perf.costDiffers == true then
    b:nl('  cost ' .. fmt.summary_cost(perf), 'SessionProfMuted')
  end
  -- issue 12: wall = active + idle, shares are of the active time; a bucket not recorded says why
  if num(perf.activeTime) then
    b:nl(('  wall %s · active %s · idle %s%s · shares are of the active time'):format(
      fmt.duration(num(perf.totalDuration)),
      fmt.duration(num(perf.activeTime)),
      fmt.duration(num(perf.idleTime) or 0),
      perf.interrupted == true and ' · interrupted' or ''
    ), 'SessionProfMuted')
  end
  local not_recorded = type(perf.notRecorded) == 'table' and perf.notRecorded or {}
  for _, field in ipairs({ 'networkTime', 'hookTime' }) do
    if type(not_recorded[field]) == 'string' then
      b:nl(('  %s not recorded: %s'):format(field:sub(1, -5), not_recorded[field]), 'SessionProfMuted')
    end
  end

  -- Time breakdown bars
  b:section('TIME BREAKDOWN', width)
  local total = num(perf.totalDuration) or 0
  local items = {
    { 'AI', perf.aiThinkingTime, perf.aiThinkingPercent },
    { 'Tools', perf.toolExecutionTime, perf.toolExecutionPercent },
    { 'Network', perf.networkTime, perf.networkPercent },
    { 'User', perf.userWaitTime, perf.userWaitPercent },
    num(perf.otherTime) and { 'Other', perf.otherTime, perf.otherPercent } or nil,
  }
  -- the bars leave room for the longest label ('Network (not recorded)'): nothing is cut
  local longest = 0
  for _, item in ipairs(items) do
    longest = math.max(longest, #item[1] + (num(item[2]) and 7 or 15))
  end
  local barw = math.max(10, width - 5 - longest)
  for _, item in ipairs(items) do
    local pct = num(item[3]) or (total > 0 and num(item[2]) and item[2] / total * 100) or 0
    local filled = math.max(0, math.min(barw, math.floor(pct / 100 * barw + 0.5)))
    b:add('  ')
    b:add(string.rep('█', filled), 'SessionProfBar')
    b:add(string.rep('░', barw - filled), 'SessionProfMuted')
    b:nl(('  %s (%s)'):format(item[1], num(item[2]) and fmt.percent(pct) or 'not recorded'))
  end

  -- Flame chart
  b:section('FLAME GRAPH', width)
  render_flame(b, perf, width, opts.flame_depth or 8, opts.event_id)

  -- Slowest operations
  b:section('SLOWEST OPERATIONS', width)
  local slow = type(perf.slowestOperations) == 'table' and perf.slowestOperations or {}
  if #slow == 0 then
    b:nl('  (none)', 'SessionProfMuted')
  end
  for i, op in ipairs(slow) do
    if i > (opts.slowest or 5) then
      break
    end
    local ev = type(op.event) == 'table' and op.event or {}
    local name = fmt.pad(('%d. %s'):format(num(op.rank) or i, ev.name or ev.id or '?'), 28)
    local dur = fmt.pad(fmt.duration(num(ev.duration)), 9, true)
    local detail = fmt.truncate(event_detail(ev, opts.roots), math.max(0, width - 2 - 28 - 9 - 3))
    b:add('  ' .. name)
    b:add(dur, 'SessionProfSlow')
    local line = b:nl('   ' .. detail)
    b.event_lines[line] = ev
    if ev.id == opts.event_id then
      b.highlights[#b.highlights + 1] = { line, 0, #b.lines[line + 1], 'SessionProfSelected' }
    end
    if str(op.suggestion) then
      for _, l in ipairs(wrap('💡 ' .. op.suggestion, width - 6)) do
        b:nl('     ' .. l, 'SessionProfSuggestion')
      end
    end
  end

  -- Tokens by file: most tokens first, paths relative to the workspace, <CR> opens the file
  local files = type(perf.tokensByFile) == 'table' and vim.list_slice(perf.tokensByFile) or {}
  table.sort(files, function(x, y)
    return (num(x.contextTokens) or num(x.tokens) or 0) > (num(y.contextTokens) or num(y.tokens) or 0)
  end)
  if #files > 0 then
    b:section('TOKENS BY FILE IN CONTEXT', width)
    local fw = math.max(16, width - 2 - 12 - 12)
    b:nl('  ' .. fmt.pad('FILE', fw) .. fmt.pad('TOKENS', 12, true) .. fmt.pad('% INPUT', 12, true), 'SessionProfMuted')
    for i, f in ipairs(files) do
      if i > (opts.files or 8) then
        b:nl(('  … %d more'):format(#files - i + 1), 'SessionProfMuted')
        break
      end
      local path = str(f.filePath) or '?'
      local line = b:nl('  ' .. fmt.pad(fmt.middle(fmt.relative(path, opts.roots or {}), fw - 1), fw)
        .. fmt.pad(fmt.int(num(f.contextTokens) or num(f.tokens)), 12, true) .. fmt.pad(('%.1f%%'):format(num(f.shareOfInput) or 0), 12, true))
      b.event_lines[line] = { name = path, metadata = { filePath = path } }
    end
    if num(perf.historyTokens) and perf.historyTokens > 0 then
      b:nl('  ' .. fmt.pad('(conversation history)', fw) .. fmt.pad(fmt.int(perf.historyTokens), 12, true)
        .. fmt.pad(('%.1f%%'):format(num(perf.historyShare) or 0), 12, true), 'SessionProfMuted')
    end
  end

  -- Tokens by model
  local models = type(perf.tokensByModel) == 'table' and perf.tokensByModel or {}
  if #models > 0 then
    b:section('TOKENS BY MODEL', width)
    for _, m in ipairs(models) do
      local share = num(m.share) or 0
      local text = ('  %s  %s (%s)  %s%s'):format(
        fmt.truncate(str(m.model) or '?', 24),
        fmt.tokens(num(m.total)),
        fmt.percent(share),
        fmt.cost(num(m.cost)),
        m.priced == false and ' (no price)' or ''
      )
      -- the bar takes what the text leaves, so the row ends a cell before the border
      local mbar = math.max(5, width - 3 - vim.fn.strdisplaywidth(text))
      local filled = math.floor(share / 100 * mbar + 0.5)
      b:add('  ')
      b:add(string.rep('█', filled), 'SessionProfBar')
      b:add(string.rep('░', mbar - filled), 'SessionProfMuted')
      b:nl(fmt.truncate(text, math.max(10, width - 3 - mbar)))
    end
  end

  -- Suggestions
  b:section('OPTIMIZATION SUGGESTIONS', width)
  local suggestions = type(perf.suggestions) == 'table' and perf.suggestions or {}
  if #suggestions == 0 then
    b:nl('  (none)', 'SessionProfMuted')
  end
  for _, s in ipairs(suggestions) do
    b:add('  ⚡ ' .. (str(s.title) or '?'), 'SessionProfHeader')
    b:nl(str(s.estimatedSaving) and ('  (' .. s.estimatedSaving .. ')') or '', 'SessionProfValue')
    for _, l in ipairs(wrap(s.description, width - 6)) do
      b:nl('     ' .. l)
    end
  end

  b:nl('')
  b:nl(' q close · <CR> open file · a apply suggestion · f flame graph in browser · r reload', 'SessionProfMuted')
  return { lines = b.lines, highlights = b.highlights, event_lines = b.event_lines, selected_line = selected_line }
end

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
