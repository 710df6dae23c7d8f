--- Number, duration and cost formatting shared by the statusline and the report.
--- Every client agrees on the cases in sessionprof_ls/format_cases.json
--- (tests/test_format_cases.py runs them here in real Neovim).
local M = {}

M.NOT_RECORDED = 'not recorded'
M.INTERRUPTED = 'interrupted'
M.PRICE_UNKNOWN = 'price unknown'

--- 1234567 -> "1,234,567"
---@param n number|nil
---@return string
function M.int(n)
  if type(n) ~= 'number' then
    return M.NOT_RECORDED
  end
  local s = tostring(math.floor(n + 0.5))
  local sign, digits = s:match('^(-?)(%d+)$')
  if not digits then
    return s
  end
  local out = digits:reverse():gsub('(%d%d%d)', '%1,'):reverse()
  return sign .. out:gsub('^,', '')
end

--- Tokens with thousands separators and `tk`.
function M.tokens(n)
  return M.int(n) .. ' tk'
end

---@class sessionprof.Rung
---@field below? number the rung writes the values under this (the last rung: all the rest)
---@field write fun(n: number): string

--- A unit ladder: `n` written by the first rung whose bound it is under; a value that is
--- no number is "not recorded".
---@param n number|nil
---@param rungs sessionprof.Rung[]
---@return string
local function ladder(n, rungs)
  if type(n) ~= 'number' then
    return M.NOT_RECORDED
  end
  for i = 1, #rungs - 1 do
    if n < rungs[i].below then
      return rungs[i].write(n)
    end
  end
  return rungs[#rungs].write(n)
end

--- 4m 12s: minutes and seconds, rounded to the second.
---@param ms number
---@return string
local function minutes(ms)
  local s = math.floor(ms / 1000 + 0.5)
  return ('%dm %02ds'):format(math.floor(s / 60), s % 60)
end

--- 1h 02m: hours and minutes (of the duration rounded to the second).
---@param ms number
---@return string
local function hours(ms)
  local s = math.floor(ms / 1000 + 0.5)
  return ('%dh %02dm'):format(math.floor(s / 3600), math.floor(s % 3600 / 60))
end

---@type sessionprof.Rung[]
local DURATION = {
  { below = 1000, write = function(ms) return ('%dms'):format(math.floor(ms + 0.5)) end },
  { below = 60000, write = function(ms) return ('%.1fs'):format(ms / 1000) end },
  { below = 3599500, write = minutes }, -- under an hour once rounded to the second
  { write = hours },
}

--- Milliseconds as a short human duration: 850ms, 12.3s, 4m 12s, 1h 02m.
---@param ms number|nil
---@return string
function M.duration(ms)
  return ladder(ms, DURATION)
end

---@type sessionprof.Rung[]
local TOKENS_SHORT = {
  { below = 10000, write = function(n) return M.int(n) end },
  { below = 1000000, write = function(n) return ('%.1fk'):format(n / 1000) end },
  { write = function(n) return ('%.2fM'):format(n / 1000000) end },
}

--- Token counts in short: 548, 1,234, 24.3k, 1.04M.
---@param n number|nil
---@return string
function M.tokens_short(n)
  return ladder(n, TOKENS_SHORT)
end

--- US dollars: $0.014, $1,234, <$0.001; nil/vim.NIL (no price known) -> "price unknown".
---@param usd number|nil
---@return string
function M.cost(usd)
  if type(usd) ~= 'number' then
    return M.PRICE_UNKNOWN
  end
  if usd > 0 and usd < 0.0005 then
    return '<$0.001'
  end
  if usd < 100 then
    return ('$%.3f'):format(usd)
  end
  return '$' .. M.int(usd)
end

--- Percent with no decimals: 61.6 -> "62%".
function M.percent(p)
  if type(p) ~= 'number' then
    return M.NOT_RECORDED
  end
  return ('%.0f%%'):format(p)
end

--- Pad (or cut, with an ellipsis) to a display width.
---@param s string
---@param width integer
---@param right boolean|nil right-align
---@return string
function M.pad(s, width, right)
  s = tostring(s or '')
  local w = vim.fn.strdisplaywidth(s)
  if w > width then
    s = M.truncate(s, width)
    w = vim.fn.strdisplaywidth(s)
  end
  local fill = string.rep(' ', width - w)
  return right and (fill .. s) or (s .. fill)
end

--- Cut to a display width, ending with "…" when cut.
function M.truncate(s, width)
  s = tostring(s or ''):gsub('[\r\n\t]', ' ')
  if width <= 0 then
    return ''
  end
  if vim.fn.strdisplaywidth(s) <= width then
    return s
  end
  s = vim.fn.strcharpart(s, 0, width + 1) -- every char is at least one cell wide
  local chars = vim.fn.strchars(s)
  local out = ''
  for i = 0, chars - 1 do
    local c = vim.fn.strcharpart(s, i, 1)
    if vim.fn.strdisplaywidth(out .. c) > width - 1 then
      break
    end
    out = out .. c
  end
  return out .. '…'
end

--- Cut the middle of a path to a display width: `lib/…/deep/file.ex`.
---@param s string
---@param width integer
---@return string
function M.middle(s, width)
  s = tostring(s or '')
  if vim.fn.strdisplaywidth(s) <= width then
    return s
  end
  if width < 5 then
    return M.truncate(s, width)
  end
  local chars = vim.fn.strchars(s)
  local tail_n = math.ceil((width - 1) * 0.6)
  local head_n = width - 1 - tail_n
  return vim.fn.strcharpart(s, 0, head_n) .. '…' .. vim.fn.strcharpart(s, chars - tail_n, tail_n)
end

--- A session's file path as the reader wants it: relative to the agent's
--- workspace or the editor's root when under one of them.
---@param path string
---@param roots string[]
---@return string
function M.relative(path, roots)
  for _, root in ipairs(roots) do
    if type(root) == 'string' and root ~= '' then
      local r = root:gsub('/+$', '')
      if path == r then
        return '.'
      end
      if path:sub(1, #r + 1) == r .. '/' then
        return path:sub(#r + 2)
      end
    end
  end
  return path
end

--- A session's cost (Python: analysis/formatting.py summary_cost): "not recorded" when its
--- responses carry no usage; the agent's own cost beside ours when they differ (issue 18).
---@param s table summary
---@return string
function M.summary_cost(s)
  if type(s.notRecorded) == 'table' and s.notRecorded.totalCost then
    return M.NOT_RECORDED
  end
  local text = M.cost(s.totalCost)
  if s.costDiffers == true and type(s.agentCost) == 'number' then
    text = text .. (' (agent %s · priced %s)'):format(M.cost(s.agentCost), M.cost(s.pricedCost))
  end
  return text
end

return M
