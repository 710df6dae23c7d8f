--- LSP handlers, client-side commands and on_attach for the sessionprof client.
---
--- Passed in the client config (`handlers = {...}`, `commands = {...}`), the way
--- rustaceanvim does, so they apply to this server only.
local protocol = require('sessionprof.protocol')

local M = {}

local function sp()
  return require('sessionprof')
end

--- `sessionprof/ready`: remember the version and the HTTP endpoint (url, token).
function M.on_ready(_, result, ctx)
  if type(result) ~= 'table' then
    return
  end
  sp().state.ready = result
  sp().state.ready_client_id = ctx and ctx.client_id
  vim.api.nvim_exec_autocmds('User', { pattern = 'SessionProfReady', modeline = false, data = result })
end

--- `sessionprof/summary`: keep it for the statusline and redraw.
function M.on_summary(_, result)
  if type(result) ~= 'table' then
    return
  end
  sp().state.summary = result
  vim.schedule(function()
    vim.cmd('redrawstatus!')
    vim.api.nvim_exec_autocmds('User', { pattern = 'SessionProfSummary', modeline = false, data = result })
  end)
end

--- Buffers of a client that still exist.
local function attached_buffers(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  local out = {}
  if client then
    for bufnr in pairs(client.attached_buffers) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        out[#out + 1] = bufnr
      end
    end
  end
  return out
end

--- Ask the server for the buffer's code lenses and show them.
--- Not vim.lsp.codelens.refresh(): it skips a buffer while a request is in
--- flight, so a refresh the server asks for meanwhile (new data) would be lost.
---@param client_id integer
---@param bufnr integer
function M.refresh_codelens(client_id, bufnr)
  local client = vim.lsp.get_client_by_id(client_id)
  if not client or not vim.api.nvim_buf_is_loaded(bufnr) or not client.attached_buffers[bufnr] then
    return
  end
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  local handler = function(err, result, ctx)
    require('sessionprof.decorations').on_codelens(err, result, ctx)
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('textDocument/codeLens', params, handler, bufnr)
  else
    client.request('textDocument/codeLens', params, handler, bufnr)
  end
end

--- `workspace/codeLens/refresh` (Neovim 0.10/0.11 have no handler of their own).
function M.on_codelens_refresh(_, _, ctx)
  local opts = require('sessionprof.config').get()
  if opts.code_lens then
    vim.schedule(function()
      for _, bufnr in ipairs(attached_buffers(ctx.client_id)) do
        M.refresh_codelens(ctx.client_id, bufnr)
      end
    end)
  end
  return vim.NIL
end

--- `workspace/applyEdit`: Neovim's own handler applies the edit to the
--- buffers (so the user can undo); we remember which files it touched.
function M.on_apply_edit(err, params, ctx)
  local uris = {}
  local edit = params and params.edit or {}
  for uri in pairs(edit.changes or {}) do
    uris[#uris + 1] = uri
  end
  for _, change in ipairs(edit.documentChanges or {}) do
    local uri = change.textDocument and change.textDocument.uri or change.uri
    if uri then
      uris[#uris + 1] = uri
    end
  end
  sp().state.applied_uris = uris
  return vim.lsp.handlers['workspace/applyEdit'](err, params, ctx)
end

---@return table<string, function>
function M.handlers()
  -- Looked up at call time, so they can be wrapped (tests, other plugins).
  return {
    [protocol.READY] = function(...)
      return M.on_ready(...)
    end,
    [protocol.SUMMARY] = function(...)
      return M.on_summary(...)
    end,
    ['workspace/codeLens/refresh'] = function(...)
      return M.on_codelens_refresh(...)
    end,
    ['workspace/applyEdit'] = function(...)
      return M.on_apply_edit(...)
    end,
    -- drawn by the plugin in SessionProfHint{Low,Mid,High} (decorations.lua)
    ['textDocument/inlayHint'] = function(...)
      return require('sessionprof.decorations').on_inlayhint(...)
    end,
  }
end

--- Client-side commands: the code lens action opens the report at its event.
---@return table<string, function>
function M.commands()
  return {
    [protocol.CMD_SHOW_EVENT] = function(command)
      local args = command.arguments or {}
      require('sessionprof.report').open({ session_id = args[1], event_id = args[2] })
    end,
    [protocol.CMD_OPEN_FLAME_GRAPH] = function()
      require('sessionprof.commands').flame()
    end,
  }
end

local augroup = vim.api.nvim_create_augroup('sessionprof.attach', { clear = true })

--- The client stopped: the statusline and the buffers forget its numbers.
function M.on_exit(_, _, client_id)
  vim.schedule(function()
    local state = sp().state
    if state.ready_client_id == nil or state.ready_client_id == client_id then
      state.summary, state.ready = nil, nil
    end
    local decorations = require('sessionprof.decorations')
    for bufnr in pairs(decorations.hints) do
      decorations.clear(bufnr)
    end
    for bufnr in pairs(decorations.lenses) do
      decorations.clear(bufnr)
    end
    vim.cmd('redrawstatus!')
  end)
end

--- Turn on inlay hints and code lenses for the buffer, and keep lenses fresh.
---@param client vim.lsp.Client
---@param bufnr integer
function M.on_attach(client, bufnr)
  local opts = require('sessionprof.config').get()
  -- Neovim's inlay hint machinery requests and refreshes; decorations.lua draws ours.
  if vim.lsp.inlay_hint then
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  end
  if opts.code_lens then
    M.refresh_codelens(client.id, bufnr)
    vim.api.nvim_clear_autocmds({ group = augroup, buffer = bufnr })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = augroup,
      buffer = bufnr,
      callback = function(args)
        local c = sp().get_client(args.buf)
        if c then
          M.refresh_codelens(c.id, args.buf)
        end
      end,
    })
  end
  if opts.on_attach then
    opts.on_attach(client, bufnr)
  end
end

return M
