-- Plugin pieces without a server: options, completion, formatting, protocol names.
local H = require('sessionprof_test')

H.step('command_exists', function()
  return vim.fn.exists(':SessionProf') == 2
end)

H.step('complete_top', function()
  return vim.fn.getcompletion('SessionProf ', 'cmdline')
end)

H.step('complete_export', function()
  return vim.fn.getcompletion('SessionProf export ', 'cmdline')
end)

H.step('complete_prefix', function()
  return vim.fn.getcompletion('SessionProf re', 'cmdline')
end)

H.step('bad_options', function()
  local config = require('sessionprof.config')
  H.messages = {}
  local bad = { cmd = 'not-a-list', inlay_hints = false, bogus = 1, settings = { slowThresholdMs = 'fast', slowestCount = 3 } }
  local cfg = config.set(bad)
  -- reported after start-up (this script runs before VimEnter), in one line, once
  vim.wait(200, function() return false end)
  local before_enter = #H.messages
  vim.api.nvim_exec_autocmds('VimEnter', {})
  vim.wait(1000, function() return #H.messages > 0 end)
  config.set(bad)
  vim.wait(300, function() return false end)
  local msgs = vim.tbl_map(function(m) return m.msg end, H.messages)
  return { messages = msgs, before_enter = before_enter, errors = config.errors, cmd = cfg.cmd, inlay_hints = cfg.inlay_hints, settings = cfg.settings }
end)

H.step('unknown_subcommand', function()
  H.messages = {}
  vim.cmd('SessionProf nope')
  return vim.tbl_map(function(m) return m.msg end, H.messages)
end)

H.step('no_server', function()
  H.messages = {}
  vim.cmd('SessionProf report')
  vim.wait(500, function() return #H.messages > 0 end)
  return vim.tbl_map(function(m) return m.msg end, H.messages)
end)

H.step('statusline_empty', function()
  return require('sessionprof.statusline').component()
end)

H.step('statusline', function()
  local sp = require('sessionprof')
  sp.state.summary = vim.json.decode(vim.env.SESSIONPROF_TEST_SUMMARY)
  return {
    component = require('sessionprof.statusline').component(),
    plain = vim.api.nvim_eval_statusline("%{v:lua.require'sessionprof.statusline'.component()}", {}).str,
  }
end)

H.step('format', function()
  local f = require('sessionprof.format')
  return {
    int = { f.int(0), f.int(999), f.int(1234), f.int(1234567) },
    duration = { f.duration(850), f.duration(12300), f.duration(252000), f.duration(3 * 3600000 + 120000) },
    cost = { f.cost(nil), f.cost(vim.NIL), f.cost(0.0143), f.cost(12.5) },
  }
end)

H.step('protocol', function()
  local p = require('sessionprof.protocol')
  local out = {}
  for k, v in pairs(p) do
    out[k] = v
  end
  return out
end)

H.finish()
