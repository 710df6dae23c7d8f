--- sessionprof: profile AI coding-agent sessions inside Neovim.
---
--- A thin client for the `sessionprof-ls` language server: it starts the server,
--- turns on inlay hints and code lenses, keeps the last summary for the
--- statusline and draws the report in a floating window. `setup()` is optional.
local config = require('sessionprof.config')
local protocol = require('sessionprof.protocol')

local M = {}

M.NAME = 'sessionprof'

--- Shared client state, filled by the handlers.
M.state = {
  ---@type table|nil `sessionprof/ready` params: {version, endpoint = {url, token}}
  ready = nil,
  ---@type table|nil last `sessionprof/summary`
  summary = nil,
  ---@type string[] URIs changed by the last `workspace/applyEdit`
  applied_uris = {},
}

local has_011 = vim.fn.has('nvim-0.11') == 1

--- Workspace root of a buffer, or nil when the buffer is not a file.
---@param bufnr integer
---@return string|nil
--- Only files of a workspace: under a root marker, or under the current
--- directory; never a file elsewhere (`/etc/hostname`).
function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= '' or name == '' then
    return nil
  end
  local root = vim.fs.root(bufnr, config.get().root_markers)
  if root and root ~= '/' and root ~= vim.env.HOME then
    return root
  end
  local cwd = vim.fs.normalize(vim.fn.getcwd())
  local path = vim.fs.normalize(vim.fn.fnamemodify(name, ':p'))
  if cwd ~= '/' and cwd ~= vim.fs.normalize(vim.env.HOME or '') and path:sub(1, #cwd + 1) == cwd .. '/' then
    return cwd
  end
  return nil
end

--- The client configuration, usable by `vim.lsp.config`, `vim.lsp.start` and `lsp/sessionprof.lua`.
---@return table
function M.client_config()
  local opts = config.get()
  local handlers = require('sessionprof.handlers')
  local settings = config.server_settings()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- Neovim refreshes code lenses itself only on request; we answer the
  -- server's `workspace/codeLens/refresh` (handlers.lua), so say so.
  capabilities.workspace = capabilities.workspace or {}
  capabilities.workspace.codeLens = { refreshSupport = true }
  capabilities.workspace.inlayHint = { refreshSupport = true }
  return {
    name = M.NAME,
    cmd = require('sessionprof.install').resolve_cmd(vim.deepcopy(opts.cmd)), -- issue 15: the venv of :SessionProf install
    root_markers = opts.root_markers,
    root_dir = function(bufnr, on_dir)
      local root = M.root_dir(bufnr)
      if root then
        on_dir(root)
      end
    end,
    init_options = { [protocol.CONFIG_SECTION] = settings },
    settings = { [protocol.CONFIG_SECTION] = settings },
    capabilities = capabilities,
    handlers = handlers.handlers(),
    commands = handlers.commands(),
    on_attach = handlers.on_attach,
    on_exit = handlers.on_exit,
  }
end

--- Start (or reuse) the client for `bufnr`. Works on Neovim 0.10 and later.
---@param bufnr integer|nil
---@return integer|nil client_id
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local root = M.root_dir(bufnr)
  if not root then
    return nil
  end
  local cfg = M.client_config()
  if not require('sessionprof.install').check(cfg.cmd) then -- one notification: run :SessionProf install
    return nil
  end
  cfg.root_dir = root
  cfg.root_markers = nil
  cfg.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

local augroup = vim.api.nvim_create_augroup('sessionprof.autostart', { clear = true })

--- Start the server automatically for file buffers.
function M.enable()
  if has_011 then
    local cfg = M.client_config()
    vim.lsp.config(M.NAME, cfg)
    if require('sessionprof.install').check(cfg.cmd) then -- issue 15: no raw spawn error without a server
      vim.lsp.enable(M.NAME)
    end
  end
  vim.api.nvim_clear_autocmds({ group = augroup })
  -- 0.10 has no vim.lsp.enable; on 0.11 it only reacts to FileType, so
  -- buffers without a filetype are started here.
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = augroup,
    callback = function(args)
      vim.schedule(function()
        if vim.api.nvim_buf_is_valid(args.buf) and (not has_011 or vim.bo[args.buf].filetype == '') then
          M.start(args.buf)
        end
      end)
    end,
  })
  -- Buffers already open when the plugin is enabled.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and M.root_dir(buf) and not M.get_client(buf) then
      M.start(buf)
    end
  end
end

--- Configure the plugin (optional; `vim.g.sessionprof` works too).
---@param opts sessionprof.Opts|nil
function M.setup(opts)
  local cfg = config.set(opts)
  if cfg.auto_start then
    M.enable()
  else
    vim.api.nvim_clear_autocmds({ group = augroup })
    if has_011 then
      vim.lsp.config(M.NAME, M.client_config())
      if vim.lsp.is_enabled(M.NAME) then
        vim.lsp.enable(M.NAME, false)
      end
    end
  end
end

--- The running client (attached to `bufnr` when given, else any).
---@param bufnr integer|nil
---@return vim.lsp.Client|nil
function M.get_client(bufnr)
  local clients = vim.lsp.get_clients({ name = M.NAME, bufnr = bufnr })
  return clients[1]
end

---@param client vim.lsp.Client
local function client_request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Send a request to the server; `callback(err, result)` runs on the main loop.
--- Reports a clear error when no server is running.
---@param method string
---@param params table|nil
---@param callback fun(err: table|nil, result: any)
function M.request(method, params, callback)
  local client = M.get_client()
  if not client then
    callback({ message = 'sessionprof: the language server is not running (open a file in the workspace, or :SessionProf restart)' })
    return
  end
  client_request(client, method, params or vim.empty_dict(), function(err, result)
    vim.schedule(function()
      callback(err, result)
    end)
  end)
end

--- `workspace/executeCommand` on the server.
---@param command string
---@param arguments table
---@param callback fun(err: table|nil, result: any)
function M.execute(command, arguments, callback)
  M.request('workspace/executeCommand', { command = command, arguments = arguments }, callback)
end

--- Report an LSP error (or message) to the user.
---@param err table|string
function M.notify_error(err)
  local msg = type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
  if not msg:match('^sessionprof') then
    msg = 'sessionprof: ' .. msg
  end
  vim.notify(msg, vim.log.levels.ERROR)
end

--- The current session id, as the last summary named it.
---@return string|nil
function M.current_session_id()
  return M.state.summary and M.state.summary.sessionId or nil
end

return M
