--- Every highlight group of the plugin (report, flame chart, inlay hints, lenses) and the
--- standard group it links to by default, in one table, so that a colour scheme can
--- override any of them. Defined on load and again after every `:colorscheme`: a scheme
--- starts with `:hi clear`, which drops default links, and the report would lose its colours.
local M = {}

---@type table<string, string> group name -> the group it links to by default
local links = {
  -- report
  SessionProfHeader = 'Title',
  SessionProfSection = 'Label',
  SessionProfMuted = 'Comment',
  SessionProfValue = 'Number',
  SessionProfBar = 'Function',
  SessionProfSelected = 'Visual',
  SessionProfSlow = 'DiagnosticWarn',
  SessionProfSuggestion = 'DiagnosticHint',
  -- flame chart cells (report_flame.lua), by event type
  SessionProfFlameSession = 'Directory',
  SessionProfFlameAi = 'Statement',
  SessionProfFlameTool = 'WarningMsg',
  SessionProfFlameRead = 'String',
  SessionProfFlameWrite = 'ErrorMsg',
  SessionProfFlameNetwork = 'Special',
  SessionProfFlameOther = 'Comment',
  -- inlay hints by emphasis level, and code lenses (decorations.lua)
  SessionProfHintLow = 'LspInlayHint',
  SessionProfHintMid = 'DiagnosticWarn',
  SessionProfHintHigh = 'DiagnosticError',
  SessionProfLens = 'LspCodeLens',
  SessionProfLensSeparator = 'LspCodeLensSeparator',
}

--- The default link of `name` (nil for a group the plugin does not define).
---@param name string
---@return string|nil
function M.link(name)
  return links[name]
end

--- Link every group to its default, leaving alone any the user or a colour scheme set.
function M.define()
  for name, link in pairs(links) do
    vim.api.nvim_set_hl(0, name, { link = link, default = true })
  end
end

M.define()
vim.api.nvim_create_autocmd('ColorScheme', {
  group = vim.api.nvim_create_augroup('sessionprof.highlights', { clear = true }),
  callback = M.define,
})

return M
