--- Text helpers for the report: the line builder that tracks highlight columns,
--- word wrapping, and event lookup/description.
local fmt = require('sessionprof.format')
require('sessionprof.highlights') -- the report's groups, linked by default

local M = {}

function M.num(v)
  return type(v) == 'number' and v or nil
end

function M.str(v)
  return type(v) == 'string' and v or nil
end

local num, str = M.num, M.str

local wrap -- defined below; Builder:overflow wraps long lines

--- Line builder that tracks byte columns for highlights.
local Builder = {}
Builder.__index = Builder

function M.new_builder()
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

--- A section that lists `items` (a JSON array; anything else counts as empty),
--- with "(none)" under its title when there is nothing to list.
---@param title string
---@param items any
---@param width integer
---@return table[] items the list to draw under the title
function Builder:listed(title, items, width)
  self:section(title, width)
  local list = type(items) == 'table' and items or {}
  if #list == 0 then
    self:nl('  (none)', 'SessionProfMuted')
  end
  return list
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
M.wrap = wrap

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
function M.event_detail(ev, roots)
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

return M
