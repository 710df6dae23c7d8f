--- Applying a suggestion in Neovim: preview first, write only on confirm (issue 14).
---
--- `preview` asks the server for the plan (`sessionprof/previewSuggestion`: every file's
--- old and new text and a unified diff) and shows all diffs in one scratch buffer in a
--- tab of its own; `y` writes, `n`/`q` cancels and leaves the disk untouched. After
--- writing, the tab shows every changed file in one split each (the tab is reused, so
--- applying again never piles up splits); nothing is left in a hidden or modified
--- buffer, so `:qa` works. `:SessionProf apply-undo` restores the old texts, deletes
--- created files and the folders created for them, and tells the server.
--- `:SessionProf effects` shows what applied suggestions measurably did since.
local protocol = require('sessionprof.protocol')

local M = {}

---@type {id: integer|nil, files: table[], dirs: string[]}|nil the last applied plan
M.last = nil

local TAB_VAR = 'sessionprof_apply'

local function sp()
  return require('sessionprof')
end

local function read_file(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local text = f:read('*a')
  f:close()
  return text
end

local function write_file(path, text)
  local f, err = io.open(path, 'wb')
  if not f then
    return nil, err
  end
  f:write(text)
  f:close()
  return true
end

--- The tab page this module uses, or a new one (never more than one).
local function our_tab()
  for _, tab in ipairs(vim.api.nvim_list_tabpages()) do
    local ok, v = pcall(vim.api.nvim_tabpage_get_var, tab, TAB_VAR)
    if ok and v then
      vim.api.nvim_set_current_tabpage(tab)
      vim.cmd('silent! only')
      return tab
    end
  end
  vim.cmd('tabnew')
  local tab = vim.api.nvim_get_current_tabpage()
  vim.api.nvim_tabpage_set_var(tab, TAB_VAR, true)
  return tab
end

local function close_tab()
  for _, tab in ipairs(vim.api.nvim_list_tabpages()) do
    local ok, v = pcall(vim.api.nvim_tabpage_get_var, tab, TAB_VAR)
    if ok and v and #vim.api.nvim_list_tabpages() > 1 then
      vim.api.nvim_set_current_tabpage(tab)
      vim.cmd('tabclose')
      return
    end
  end
end

--- The buffer holding `path`, if any (compared by full name: bufnr() would match a pattern).
local function buf_of(path)
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(b) == path then
      return b
    end
  end
  return nil
end

--- A loaded buffer of `path` with unsaved changes: its text on disk is not what the user sees.
local function modified_buffer(path)
  local b = buf_of(path)
  return b ~= nil and vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified
end

--- Show the plan's diffs; `y` applies, `n`/`q` cancels.
---@param plan table the answer of sessionprof/previewSuggestion
---@param on_done fun(result: table)|nil
function M.show(plan, on_done)
  on_done = on_done or function() end
  if type(plan.files) ~= 'table' or #plan.files == 0 then
    vim.notify('sessionprof: ' .. tostring(plan.message or 'nothing to change'), vim.log.levels.WARN)
    on_done({ applied = false, message = plan.message })
    return
  end
  for _, f in ipairs(plan.files) do
    if modified_buffer(f.path) then
      local msg = ('%s has unsaved changes: save or discard them first'):format(f.relPath)
      sp().notify_error(msg)
      on_done({ applied = false, message = msg })
      return
    end
  end
  our_tab()
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  local lines = {
    ('sessionprof: %s'):format(plan.title or plan.suggestionId),
    ('%s. Nothing is written yet.'):format(plan.message or ''),
    'y: apply (write these files)   n / q: cancel',
    '',
  }
  for _, f in ipairs(plan.files) do
    for _, l in ipairs(vim.split(f.diff, '\n', { plain = true, trimempty = true })) do
      lines[#lines + 1] = l
    end
    lines[#lines + 1] = ''
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'diff'
  pcall(vim.api.nvim_buf_set_name, buf, 'sessionprof-preview-' .. tostring(plan.suggestionId))
  vim.api.nvim_win_set_buf(0, buf)
  M.pending = { plan = plan, buf = buf, on_done = on_done }
  local function map(key, fn)
    vim.keymap.set('n', key, fn, { buffer = buf, nowait = true, desc = 'sessionprof apply' })
  end
  map('y', M.confirm)
  map('n', M.cancel)
  map('q', M.cancel)
end

--- Cancel the shown preview: nothing is written.
function M.cancel()
  local p = M.pending
  M.pending = nil
  close_tab()
  vim.notify('sessionprof: cancelled, nothing was written', vim.log.levels.INFO)
  if p then
    p.on_done({ applied = false, message = 'cancelled' })
  end
end

--- Write the previewed files, show them in the tab, record the apply on the server.
function M.confirm()
  local p = M.pending
  if not p then
    return
  end
  M.pending = nil
  local plan = p.plan
  local done = { files = {}, dirs = {} }
  for _, f in ipairs(plan.files) do
    local current = read_file(f.path)
    if (f.create and current ~= nil) or (not f.create and current ~= f.oldText) then
      sp().notify_error(('%s changed since the preview: nothing more was written'):format(f.relPath))
      p.on_done({ applied = false, message = 'changed since the preview' })
      return
    end
  end
  for _, f in ipairs(plan.files) do
    -- folders a create needs, deepest last in the plan: made here, removed again by undo
    local dirs = f.createdDirs or {}
    for i = #dirs, 1, -1 do
      local d = plan.root .. '/' .. dirs[i]
      if vim.fn.isdirectory(d) == 0 then
        vim.fn.mkdir(d, 'p')
        done.dirs[#done.dirs + 1] = d
      end
    end
    local ok, err = write_file(f.path, f.newText)
    if not ok then
      sp().notify_error(('could not write %s: %s'):format(f.relPath, tostring(err)))
      p.on_done({ applied = false, message = tostring(err) })
      return
    end
    done.files[#done.files + 1] = { path = f.path, rel = f.relPath, create = f.create, old = f.oldText }
  end
  vim.cmd('silent! checktime')
  -- every changed file visible in the one tab: the instruction file first
  our_tab()
  table.sort(done.files, function(a, b)
    local ia = a.rel:match('^[A-Z]+%.md$') and 0 or 1
    local ib = b.rel:match('^[A-Z]+%.md$') and 0 or 1
    return ia < ib or (ia == ib and a.rel < b.rel)
  end)
  for i, f in ipairs(done.files) do
    vim.cmd((i == 1 and 'edit ' or 'belowright split ') .. vim.fn.fnameescape(f.path))
  end
  vim.cmd('1wincmd w')
  M.last = done
  local rel = vim.tbl_map(function(f)
    return f.rel
  end, done.files)
  sp().request(protocol.SUGGESTION_APPLIED, {
    sessionId = plan.sessionId,
    suggestionId = plan.suggestionId,
    files = rel,
    client = 'neovim',
  }, function(err, result)
    if not err and type(result) == 'table' then
      done.id = result.id
    end
    vim.notify(('sessionprof: %s (undo: :SessionProf apply-undo)'):format(plan.message), vim.log.levels.INFO)
    p.on_done({ applied = true, message = plan.message, files = rel })
  end)
end

--- Undo the last apply: old texts back, created files and their new folders removed.
function M.undo()
  local last = M.last
  if not last then
    vim.notify('sessionprof: nothing to undo', vim.log.levels.WARN)
    return
  end
  M.last = nil
  for _, f in ipairs(last.files) do
    local b = buf_of(f.path)
    if b then
      vim.api.nvim_buf_delete(b, { force = true })
    end
    if f.create then
      os.remove(f.path)
    else
      write_file(f.path, f.old)
    end
  end
  for i = #last.dirs, 1, -1 do
    vim.fn.delete(last.dirs[i], 'd') -- only removes an empty folder
  end
  close_tab()
  if last.id then
    sp().request(protocol.SUGGESTION_UNDONE, { id = last.id }, function() end)
  end
  vim.notify('sessionprof: undone', vim.log.levels.INFO)
end

--- The suggestions applied in this session's workspace, with their metric before vs after.
---@param session_id string|nil default: the server's current session
---@param on_done fun(lines: string[])|nil
function M.effects(session_id, on_done)
  local params = session_id and { sessionId = session_id } or vim.empty_dict()
  sp().request(protocol.SUGGESTION_EFFECTS, params, function(err, data)
    if err or type(data) ~= 'table' then
      sp().notify_error(err or 'no effects')
      return
    end
    local function n(k)
      return ('%d session%s'):format(k, k == 1 and '' or 's')
    end
    local lines = {}
    for _, e in ipairs(data.effects or {}) do
      lines[#lines + 1] = ('%s (applied %s): %s: before %s (%s), after %s (%s). %s'):format(
        e.title, os.date('%Y-%m-%d %H:%M', math.floor(e.appliedAt / 1000)), e.metric,
        e.before.text, n(e.before.sessions), e.after.text, n(e.after.sessions), e.message)
    end
    if #lines == 0 then
      lines = { 'no suggestion applied in this workspace yet' }
    end
    vim.notify('sessionprof: measured effects\n' .. table.concat(lines, '\n'), vim.log.levels.INFO)
    if on_done then
      on_done(lines)
    end
  end)
end

--- Ask the server for the plan of one suggestion and show it.
---@param session_id string
---@param suggestion_id string
---@param on_done fun(result: table)|nil
function M.preview(session_id, suggestion_id, on_done)
  sp().request(protocol.PREVIEW_SUGGESTION, { sessionId = session_id, suggestionId = suggestion_id }, function(err, plan)
    if err or type(plan) ~= 'table' then
      sp().notify_error(err or 'no preview')
      if on_done then
        on_done({ applied = false, message = tostring(err) })
      end
      return
    end
    M.show(plan, on_done)
  end)
end

return M
