-- The plugin's highlight groups before and after `:colorscheme` (which starts with `:hi clear`).
local H = require('sessionprof_test')

--- Every SessionProf* group Neovim knows, with what it links to and whether it has colours.
local function groups()
  local out = {}
  for _, name in ipairs(vim.fn.getcompletion('SessionProf', 'highlight')) do
    local hl = vim.api.nvim_get_hl(0, { name = name })
    out[name] = { link = hl.link or vim.NIL, fg = hl.fg or vim.NIL, plugin = require('sessionprof.highlights').link(name) or vim.NIL }
  end
  return out
end

H.step('loaded', function()
  require('sessionprof.report')
  require('sessionprof.decorations')
  return groups()
end)

H.step('after_builtin_scheme', function()
  vim.cmd.colorscheme('blue')
  return groups()
end)

-- A scheme that styles one of the groups itself: its colour stays, the rest get their links back.
H.step('after_scheme_that_styles_one', function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. '/colors', 'p')
  vim.fn.writefile({
    'hi clear',
    "let g:colors_name = 'sessionprof_test'",
    'hi SessionProfHeader guifg=#ff0000',
  }, dir .. '/colors/sessionprof_test.vim')
  vim.opt.runtimepath:prepend(dir)
  vim.cmd.colorscheme('sessionprof_test')
  return groups()
end)

H.finish()
