--- Statusline component: the current session's tokens and cost.
---
--- A plain function, so both lualine (`sections = { lualine_x = { require('sessionprof.statusline').component } }`)
--- and a plain 'statusline' (`%{v:lua.require'sessionprof.statusline'.component()}`) can call it.
local fmt = require('sessionprof.format')

local M = {}

--- Text for the current summary, e.g. `⏱ 12,345 tk · $0.114`; empty before the first summary.
---@return string
function M.component()
  local summary = require('sessionprof').state.summary
  if type(summary) ~= 'table' or summary.totalTokens == nil then
    return ''
  end
  local icon = require('sessionprof.config').get().statusline_icon
  local parts = { fmt.tokens(summary.totalTokens) }
  if summary.totalCost ~= nil and summary.totalCost ~= vim.NIL then
    parts[#parts + 1] = fmt.cost(summary.totalCost)
  end
  local text = table.concat(parts, ' · ')
  if icon and icon ~= '' then
    text = icon .. ' ' .. text
  end
  return text
end

--- lualine: only show the component once a summary arrived.
---@return boolean
function M.condition()
  return M.component() ~= ''
end

return M
