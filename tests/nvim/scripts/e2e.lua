-- End to end: the plugin drives the real sessionprof-ls in a real Neovim.
-- Env: SESSIONPROF_TEST_FILE (file of the fixture session to open),
-- SESSIONPROF_TEST_SUGGESTION (suggestion id to apply), SESSIONPROF_TEST_EXPORT (export path).
local H = require('sessionprof_test')
local sp = require('sessionprof')
local report = require('sessionprof.report')
local handlers = require('sessionprof.handlers')
local decorations = require('sessionprof.decorations')

local T = tonumber(vim.env.SESSIONPROF_TEST_WAIT_MS) or 45000 -- waits end as soon as the condition holds

-- Count the server's code lens refresh requests.
local refreshes = 0
local orig_refresh = handlers.on_codelens_refresh
handlers.on_codelens_refresh = function(...)
  refreshes = refreshes + 1
  return orig_refresh(...)
end

-- vim.ui.select / vim.ui.open answered by the test.
local select_choice = function(items)
  return items[1]
end
local selected_items = {}
vim.ui.select = function(items, opts, on_choice)
  local labels = {}
  for i, item in ipairs(items) do
    labels[i] = opts.format_item and opts.format_item(item) or tostring(item)
  end
  selected_items[opts.prompt or '?'] = labels
  on_choice(select_choice(items))
end
local opened = {}
vim.ui.open = function(url)
  opened[#opened + 1] = url
  return nil, nil
end

local messages_since = H.messages_since

local bufnr
H.step('attach', function()
  vim.cmd.edit(vim.fn.fnameescape(vim.env.SESSIONPROF_TEST_FILE))
  bufnr = vim.api.nvim_get_current_buf()
  H.wait(T, function()
    return sp.get_client(bufnr) ~= nil
  end, 'the client to attach')
  H.wait(T, function()
    return sp.state.ready ~= nil
  end, 'sessionprof/ready')
  local client = sp.get_client(bufnr)
  return { name = client.name, root_dir = client.root_dir, ready = sp.state.ready }
end)

H.step('inlay_hints', function()
  -- drawn by the plugin (decorations.lua) as inline virtual text in its level's group
  H.wait(T, function()
    return #(decorations.hints[bufnr] or {}) > 0
  end, 'inlay hints')
  local out = {}
  for _, hint in ipairs(decorations.hints[bufnr]) do
    out[#out + 1] = { label = hint.label, line = hint.line, character = hint.col, level = hint.level }
  end
  local marks = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, decorations.hint_ns, 0, -1, { details = true })) do
    marks[#marks + 1] = { line = m[2], col = m[3], pos = m[4].virt_text_pos, chunks = m[4].virt_text }
  end
  return {
    hints = out, marks = marks, enabled = vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }),
    core = #vim.lsp.inlay_hint.get({ bufnr = bufnr }),
    links = {
      low = vim.api.nvim_get_hl(0, { name = 'SessionProfHintLow' }).link,
      mid = vim.api.nvim_get_hl(0, { name = 'SessionProfHintMid' }).link,
      high = vim.api.nvim_get_hl(0, { name = 'SessionProfHintHigh' }).link,
    },
  }
end)

local lenses
H.step('code_lens', function()
  H.wait(T, function()
    lenses = vim.tbl_filter(function(l)
      return l.command ~= nil
    end, vim.lsp.codelens.get(bufnr))
    return #lenses > 0
  end, 'code lenses')
  local out = {}
  for _, l in ipairs(lenses) do
    out[#out + 1] = { title = l.command.title, line = l.range.start.line, command = l.command.command, arguments = l.command.arguments }
  end
  -- The lens is drawn as virtual text in the buffer.
  local virt, groups = {}, {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, decorations.lens_ns, 0, -1, { details = true })) do
    for _, chunk in ipairs(m[4].virt_text or {}) do
      virt[#virt + 1] = chunk[1]
      groups[chunk[2]] = true
    end
  end

  return { lenses = out, virtual_text = virt, groups = vim.tbl_keys(groups), refreshes = refreshes }
end)

-- Hover: the breakdown on the hinted line (1) and on a lensed line, in Neovim's hover float.
local function hover_lines(line)
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  local before = vim.api.nvim_list_wins()
  vim.lsp.buf.hover()
  local float
  H.wait(T, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if not vim.tbl_contains(before, w) and vim.api.nvim_win_get_config(w).relative ~= '' then
        float = w
        return true
      end
    end
    return false
  end, 'the hover float on line ' .. line)
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false)
  vim.api.nvim_win_close(float, true)
  return lines
end

H.step('hover', function()
  local lens_line = lenses[1].range.start.line
  return { hint = hover_lines(0), lens = hover_lines(lens_line), lens_line = lens_line }
end)

H.step('toggle', function()
  vim.cmd('SessionProf hints off')
  vim.cmd('SessionProf lenses off')
  local off = {
    hints = #vim.api.nvim_buf_get_extmarks(bufnr, decorations.hint_ns, 0, -1, {}),
    lenses = #vim.api.nvim_buf_get_extmarks(bufnr, decorations.lens_ns, 0, -1, {}),
  }
  vim.cmd('SessionProf hints on')
  vim.cmd('SessionProf lenses')
  H.wait(T, function()
    return #vim.api.nvim_buf_get_extmarks(bufnr, decorations.hint_ns, 0, -1, {}) > 0
      and #vim.api.nvim_buf_get_extmarks(bufnr, decorations.lens_ns, 0, -1, {}) > 0
  end, 'hints and lenses back on')
  return {
    off = off,
    on = {
      hints = #vim.api.nvim_buf_get_extmarks(bufnr, decorations.hint_ns, 0, -1, {}),
      lenses = #vim.api.nvim_buf_get_extmarks(bufnr, decorations.lens_ns, 0, -1, {}),
    },
  }
end)

H.step('show', function()
  -- :SessionProf show on the lens's line opens the report at its event
  vim.api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
  report.last = nil
  vim.cmd('SessionProf show')
  H.wait(T, function()
    return report.last ~= nil
  end, 'the report from :SessionProf show')
  local got = { event_id = report.last.event_id }
  report.close()
  return got
end)

H.step('outside', function()
  -- a file outside the workspace gets no client
  local other = vim.env.SESSIONPROF_TEST_OUTSIDE
  vim.cmd('split ' .. vim.fn.fnameescape(other))
  local b = vim.api.nvim_get_current_buf()
  vim.wait(1500, function() return false end)
  local attached = sp.get_client(b) ~= nil
  vim.cmd('close')
  vim.api.nvim_set_current_buf(bufnr)
  return { attached = attached, root = sp.root_dir(b) or vim.NIL, name = vim.api.nvim_buf_get_name(b) }
end)

H.step('complete_report', function()
  return vim.fn.getcompletion('SessionProf report ', 'cmdline')
end)

H.step('statusline', function()
  H.wait(T, function()
    return sp.state.summary ~= nil
  end, 'sessionprof/summary')
  vim.o.statusline = "%f %{v:lua.require'sessionprof.statusline'.component()}"
  return {
    component = require('sessionprof.statusline').component(),
    plain = vim.api.nvim_eval_statusline(vim.o.statusline, {}).str,
    summary = sp.state.summary,
  }
end)

H.step('lens_run', function()
  local lens = lenses[1]
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
  report.last = nil
  vim.lsp.codelens.run()
  H.wait(T, function()
    return report.last ~= nil
  end, 'the report at the event')
  local last = report.last
  return {
    event_id = last.event_id,
    session_id = last.session_id,
    selected_line = last.selected_line,
    cursor = vim.api.nvim_win_get_cursor(last.win)[1] - 1,
    lines = last.lines,
    floating = vim.api.nvim_win_get_config(last.win).relative ~= '',
  }
end)

H.step('report', function()
  report.close()
  report.last = nil
  vim.cmd('SessionProf report')
  H.wait(T, function()
    return report.last ~= nil
  end, ':SessionProf report')
  local last = report.last
  local lines = vim.api.nvim_buf_get_lines(last.buf, 0, -1, false)
  report.close()
  return { lines = lines, session_id = last.session_id, perf = last.perf }
end)

H.step('flame', function()
  vim.cmd('SessionProf flame')
  return opened
end)

H.step('flame_http', function()
  -- The URL handed to the browser serves the web UI; without the token it is refused.
  local health = require('sessionprof.health')
  local url = opened[1]
  local base, query = url:match('^(https?://[^/]+)(/.*)$')
  -- a browser sends no fragment (the token is there) and the page shell is public;
  -- the data is not: an RPC without the token is refused
  local with_token = health.http_status(base, 'GET', (query:gsub('#.*$', '')), {})
  local without = health.http_status(base, 'POST', '/v1/rpc', { ['Content-Type'] = 'application/json' }, '{}')
  return { with_token = with_token, without = without }
end)

H.step('live_refresh', function()
  -- The agent keeps working: a new Read of the file is appended to the transcript.
  -- The server follows it and asks for a code lens refresh; the new lens appears.
  local before = refreshes
  local f = assert(io.open(vim.env.SESSIONPROF_TEST_TRANSCRIPT, 'a'))
  f:write(table.concat(vim.fn.readfile(vim.env.SESSIONPROF_TEST_APPEND), '\n') .. '\n')
  f:close()
  local want = vim.env.SESSIONPROF_TEST_NEW_TOOL
  local found
  H.wait(T, function()
    for _, l in ipairs(vim.lsp.codelens.get(bufnr)) do
      if l.command and l.command.arguments and tostring(l.command.arguments[2]):find(want, 1, true) then
        found = l
        return true
      end
    end
    return false
  end, 'the code lens of the appended tool call')
  return {
    refreshes_before = before,
    refreshes_after = refreshes,
    title = found.command.title,
    arguments = found.command.arguments,
    statusline = require('sessionprof.statusline').component(),
  }
end)

H.step('sessions', function()
  local n = #H.messages
  vim.cmd('SessionProf sessions')
  H.wait(T, function()
    return #messages_since(n) > 0
  end, 'the session to be selected')
  return { items = selected_items['Select session'], messages = messages_since(n) }
end)

H.step('export', function()
  local n = #H.messages
  vim.cmd('SessionProf export speedscope ' .. vim.fn.fnameescape(vim.env.SESSIONPROF_TEST_EXPORT))
  H.wait(T, function()
    return #messages_since(n) > 0
  end, 'the export')
  return messages_since(n)
end)

H.step('export_outside', function()
  local n = #H.messages
  vim.cmd('SessionProf export json /tmp/sessionprof-outside.json')
  vim.wait(1000, function() return #messages_since(n) > 0 end)
  return messages_since(n)
end)

H.step('health', function()
  vim.cmd('checkhealth sessionprof')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.cmd('tabclose')
  return lines
end)

H.step('apply', function()
  local want = vim.env.SESSIONPROF_TEST_SUGGESTION
  select_choice = function(items)
    for _, item in ipairs(items) do
      if item.id == want then
        return item
      end
    end
    error('suggestion ' .. tostring(want) .. ' was not offered')
  end
  local n = #H.messages
  vim.cmd('SessionProf apply')
  -- issue 14: a preview first (tests/nvim/test_nvim_apply.py covers it); confirm writes the files
  local apply = require('sessionprof.apply')
  H.wait(T, function()
    return apply.pending ~= nil
  end, 'the preview')
  apply.confirm()
  H.wait(T, function()
    return #messages_since(n) > 0
  end, 'the suggestion to be applied')
  local written = {}
  for _, f in ipairs(apply.last and apply.last.files or {}) do
    written[#written + 1] = { uri = vim.uri_from_fname(f.path), lines = vim.fn.readfile(f.path) }
  end
  return {
    items = selected_items['Apply suggestion'],
    messages = messages_since(n),
    written = written,
    shown = vim.api.nvim_buf_get_name(0),
  }
end)

H.step('info_restart', function()
  local n = #H.messages
  vim.cmd('SessionProf info')
  local info = messages_since(n)
  local status_running = require('sessionprof.statusline').component()
  local old_id = sp.get_client().id
  vim.cmd('SessionProf restart')
  H.wait(T, function()
    local c = sp.get_client(bufnr)
    return c ~= nil and c.id ~= old_id and c.initialized
  end, 'the restarted server')
  local new_id = sp.get_client(bufnr).id
  -- stopping the client clears the statusline and the drawn hints
  -- (this fixture's session was recorded in another folder, so the restarted server only
  -- knows it again when it changes: the statusline may be empty already)
  sp.get_client(bufnr):stop()
  H.wait(T, function() return #vim.lsp.get_clients({ name = sp.NAME }) == 0 end, 'the client to stop')
  H.wait(3000, function() return require('sessionprof.statusline').component() == '' end, 'the statusline to clear')
  return {
    info = info, old_id = old_id, new_id = new_id, status_running = status_running,
    status_stopped = require('sessionprof.statusline').component(),
    hints_stopped = #vim.api.nvim_buf_get_extmarks(bufnr, decorations.hint_ns, 0, -1, {}),
  }
end)

H.finish()
