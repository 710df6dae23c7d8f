--- The ASCII flame chart of the event tree, drawn into a report line builder.
local fmt = require('sessionprof.format')
local text = require('sessionprof.report_text')

local num, str = text.num, text.str

local M = {}

---@class sessionprof.FlameKind
---@field type? string the event type (none: every other event)
---@field label string its name in the legend
---@field group string its cells' highlight group

--- The kinds of flame cell, in legend order.
---@type sessionprof.FlameKind[]
local KINDS = {
  { type = 'ai_response', label = 'AI', group = 'SessionProfFlameAi' },
  { type = 'tool_execution', label = 'tool', group = 'SessionProfFlameTool' },
  { type = 'file_read', label = 'read', group = 'SessionProfFlameRead' },
  { type = 'file_write', label = 'write', group = 'SessionProfFlameWrite' },
  { type = 'network_request', label = 'network', group = 'SessionProfFlameNetwork' },
  { label = 'other', group = 'SessionProfFlameOther' },
}

---@type table<string, string> event type -> its cells' group
local flame_group = {}
for _, kind in ipairs(KINDS) do
  if kind.type then
    flame_group[kind.type] = kind.group
  end
end

--- One row of the flame chart per depth; cells are `[name dur]` boxes scaled to time.
function M.render(b, perf, width, max_rows, selected_id)
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
  for i, kind in ipairs(KINDS) do
    b:add((i > 1 and '  ' or '') .. '▆▆', kind.group)
    b:add(' ' .. kind.label)
  end
  b:nl('', 'SessionProfMuted')
end

return M
