--- The report drawn in text: `render()` is a pure function from `PerformanceData`
--- (the `sessionprof/performance` answer) to lines and highlights: summary, time bars,
--- the flame chart, slowest operations, tokens by file and model, and suggestions.
local fmt = require('sessionprof.format')
local text = require('sessionprof.report_text')
local flame = require('sessionprof.report_flame')

local num, str, wrap = text.num, text.str, text.wrap
local new_builder, event_detail, render_flame = text.new_builder, text.event_detail, flame.render

local M = {}

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
    or (opts.event_id and text.find_event(perf.events, opts.event_id))
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
  for i, op in ipairs(b:listed('SLOWEST OPERATIONS', perf.slowestOperations, width)) do
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
  for _, s in ipairs(b:listed('OPTIMIZATION SUGGESTIONS', perf.suggestions, width)) do
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

return M
