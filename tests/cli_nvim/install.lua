-- Issue 15: a machine without the server: one notification naming :SessionProf install,
-- :checkhealth says it, restart says it; then :SessionProf install from a clean data
-- dir, and a hint appears on the open file.
local H = require('sessionprof_test')
local sp = require('sessionprof')
local decorations = require('sessionprof.decorations')
local install = require('sessionprof.install')


local bufnr
H.step('missing', function()
  vim.cmd.edit(vim.fn.fnameescape(vim.env.SESSIONPROF_TEST_FILE))
  bufnr = vim.api.nvim_get_current_buf()
  vim.wait(1500, function() return false end, 50)
  -- the notification came at start-up, before this script replaced vim.notify: :messages has it
  local history = vim.split(vim.api.nvim_exec2('messages', { output = true }).output, '\n', { trimempty = true })
  return { messages = vim.list_extend(history, H.messages_since(0)), client = sp.get_client(bufnr) ~= nil,
           venv_exists = vim.fn.isdirectory(install.venv()) == 1 }
end)

H.step('restart', function()
  local n = #H.messages
  vim.cmd('SessionProf restart')
  return H.messages_since(n)
end)

H.step('health', function()
  vim.cmd('checkhealth sessionprof')
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end)

H.step('install', function()
  vim.cmd('bwipeout')
  vim.cmd.buffer(bufnr)
  local n = #H.messages
  vim.cmd('SessionProf install')
  return { messages = H.messages_since(n), server = install.venv_server(),
           executable = vim.fn.executable(install.venv_server()) }
end)

H.step('hint', function()
  H.wait(90000, function() return sp.get_client(bufnr) ~= nil end, 'the client to attach')
  H.wait(90000, function() return #(decorations.hints[bufnr] or {}) > 0 end, 'inlay hints')
  local client = sp.get_client(bufnr)
  local out = {}
  for _, hint in ipairs(decorations.hints[bufnr]) do
    out[#out + 1] = hint.label
  end
  return { hints = out, cmd = client.config.cmd }
end)

H.finish()
