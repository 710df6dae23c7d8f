-- sessionprof: one `:SessionProf` command; the server starts for file buffers
-- unless `vim.g.sessionprof = { auto_start = false }`. setup() is optional.
if vim.g.loaded_sessionprof then
  return
end
vim.g.loaded_sessionprof = true

if vim.fn.has('nvim-0.10') ~= 1 then
  vim.notify_once('sessionprof needs Neovim 0.10 or later', vim.log.levels.ERROR)
  return
end

vim.api.nvim_create_user_command('SessionProf', function(opts)
  require('sessionprof.commands').run(opts)
end, {
  nargs = '*',
  desc = 'sessionprof: report | show | hints | lenses | flame | apply | sessions | export | refresh | restart | info',
  complete = function(arg_lead, cmdline)
    return require('sessionprof.commands').complete(arg_lead, cmdline)
  end,
})

-- Apply vim.g.sessionprof now; a later setup() call re-applies its options.
local sessionprof = require('sessionprof')
local cfg = require('sessionprof.config').set(nil)
if cfg.auto_start then
  sessionprof.enable()
elseif vim.fn.has('nvim-0.11') == 1 then
  vim.lsp.config(sessionprof.NAME, sessionprof.client_config())
end
