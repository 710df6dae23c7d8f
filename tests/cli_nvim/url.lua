-- Issue 15: :SessionProf flame when the opener fails (xdg-open exits 3 over SSH) shows the
-- URL and puts it in the + register; :SessionProf url always does.
local H = require('sessionprof_test')
local sp = require('sessionprof')

local clip = {}
vim.g.clipboard = {
  name = 'test',
  copy = { ['+'] = function(lines) clip['+'] = lines end, ['*'] = function(lines) clip['*'] = lines end },
  paste = { ['+'] = function() return clip['+'] or {} end, ['*'] = function() return clip['*'] or {} end },
}

local bufnr
H.step('attach', function()
  vim.cmd.edit(vim.fn.fnameescape(vim.env.SESSIONPROF_TEST_FILE))
  bufnr = vim.api.nvim_get_current_buf()
  H.wait(60000, function() return sp.state.ready ~= nil end, 'sessionprof/ready')
  return sp.state.ready.endpoint
end)

local function last_message_after(n, pattern)
  H.wait(10000, function()
    for i = n + 1, #H.messages do
      if H.messages[i].msg:find(pattern, 1, true) then return true end
    end
    return false
  end, pattern)
  for i = n + 1, #H.messages do
    if H.messages[i].msg:find(pattern, 1, true) then return H.messages[i].msg end
  end
end

H.step('flame', function()
  clip['+'] = nil
  local n = #H.messages
  vim.cmd('SessionProf flame')
  local msg = last_message_after(n, 'web UI: ')
  return { msg = msg, register = vim.fn.getreg('+'), url = require('sessionprof.commands').flame_url() }
end)

H.step('url', function()
  clip['+'] = nil
  local n = #H.messages
  vim.cmd('SessionProf url')
  return { msg = last_message_after(n, 'web UI: '), register = vim.fn.getreg('+') }
end)

H.finish()
