--- Applying suggestions in a real Neovim with the real server (issue 14): the preview of
--- every file, cancel (disk untouched), confirm (written, all files visible in one tab),
--- a second apply (same tab, no extra splits), undo (nothing left behind), then :qa.
--- Env: SESSIONPROF_TEST_FILE (a file of the workspace), SESSIONPROF_TEST_WS (its root).
local H = require('sessionprof_test')
local sp = require('sessionprof')
local apply = require('sessionprof.apply')

local T = 45000
local want
vim.ui.select = function(items, _, on_choice)
  for _, item in ipairs(items) do
    if item.id == want then
      return on_choice(item)
    end
  end
  error('suggestion ' .. tostring(want) .. ' was not offered')
end

local function ls(dir)
  local out = {}
  for name, kind in vim.fs.dir(dir, { depth = 5 }) do
    if kind == 'file' then
      local f = io.open(dir .. '/' .. name, 'rb')
      out[name] = f:read('*a')
      f:close()
    else
      out[name] = '<dir>'
    end
  end
  return out
end

local function layout()
  local wins = {}
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    wins[#wins + 1] = vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w))
  end
  local hidden, modified = {}, {}
  for _, b in ipairs(vim.fn.getbufinfo({ buflisted = 1 })) do
    if #b.windows == 0 and b.name ~= '' then
      hidden[#hidden + 1] = b.name
    end
    if b.changed == 1 then
      modified[#modified + 1] = b.name
    end
  end
  return { tabs = #vim.api.nvim_list_tabpages(), wins = wins, hidden = hidden, modified = modified }
end

local ws = vim.env.SESSIONPROF_TEST_WS

H.step('attach', function()
  vim.cmd.edit(vim.fn.fnameescape(vim.env.SESSIONPROF_TEST_FILE))
  H.wait(T, function()
    return sp.state.ready ~= nil and sp.state.summary ~= nil
  end, 'the server and the session')
  return { disk = ls(ws) }
end)

local function preview(id)
  want = id
  local result
  apply.pending = nil
  vim.cmd('SessionProf apply')
  H.wait(T, function()
    return apply.pending ~= nil
  end, 'the preview of ' .. id)
  local buf = apply.pending.buf
  local old = apply.pending.on_done
  apply.pending.on_done = function(r)
    result = r
    old(r)
  end
  return {
    lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false),
    filetype = vim.bo[buf].filetype,
    layout = layout(),
    disk = ls(ws),
    done = function()
      return result
    end,
  }
end

H.step('cancel', function()
  local p = preview('smaller_model')
  apply.cancel()
  return { lines = p.lines, filetype = p.filetype, during = p.layout, disk_during = p.disk, after = layout(),
           disk = ls(ws), result = p.done() }
end)

-- Preview a suggestion of `kind`, confirm it, wait for the edit: its result, windows and files.
local function confirmed(kind, what)
  local p = preview(kind)
  apply.confirm()
  H.wait(T, function()
    return p.done() ~= nil
  end, what)
  return { result = p.done(), layout = layout(), disk = ls(ws) }
end

H.step('confirm', function()
  local got = confirmed('smaller_model', 'the apply to finish')
  got.current = vim.api.nvim_buf_get_name(0)
  return got
end)

H.step('effects', function()
  local got
  require('sessionprof.apply').effects(nil, function(lines)
    got = lines
  end)
  H.wait(T, function()
    return got ~= nil
  end, 'the measured effects')
  return got
end)

H.step('again', function()
  return confirmed('new_session', 'the second apply to finish')
end)

H.step('undo', function()
  vim.cmd('SessionProf apply-undo')
  return { layout = layout(), disk = ls(ws) }
end)

H.step('before_qa', function()
  return layout()
end)
-- :qa (not qa!) must succeed: no modified or hidden buffers left by the apply
local ok, err = pcall(vim.cmd, 'qa')
H.step('qa_failed', function()
  error(tostring(err))
end)
H.finish()
