--- `:checkhealth sessionprof`: Neovim version, the server and its version, the
--- HTTP endpoint, and the transcript folders the server will follow.
local protocol = require('sessionprof.protocol')

local M = {}

local health = vim.health

--- One HTTP/1.1 request over loopback with vim.uv; returns the status code or nil, err.
---@return integer|nil, string|nil
function M.http_status(url, method, path, headers, body, timeout_ms)
  local host, port = url:match('^https?://([^/:]+):(%d+)')
  if not host then
    return nil, 'endpoint URL has no host:port: ' .. url
  end
  local lines = { ('%s %s HTTP/1.1'):format(method, path), 'Host: ' .. host .. ':' .. port, 'Connection: close' }
  for k, v in pairs(headers or {}) do
    lines[#lines + 1] = k .. ': ' .. v
  end
  body = body or ''
  lines[#lines + 1] = 'Content-Length: ' .. #body
  local request = table.concat(lines, '\r\n') .. '\r\n\r\n' .. body

  local tcp = vim.uv.new_tcp()
  local response, err, done = '', nil, false
  tcp:connect(host, tonumber(port), function(cerr)
    if cerr then
      err, done = cerr, true
      return
    end
    tcp:write(request)
    tcp:read_start(function(rerr, chunk)
      if rerr then
        err = rerr
      end
      if chunk then
        response = response .. chunk
      end
      if rerr or not chunk or response:find('\r\n') then
        done = true
      end
    end)
  end)
  vim.wait(timeout_ms or 3000, function()
    return done
  end, 20)
  if not tcp:is_closing() then
    tcp:close()
  end
  if not done then
    return nil, 'no answer in ' .. (timeout_ms or 3000) .. ' ms'
  end
  local status = response:match('^HTTP/%d%.?%d? (%d%d%d)')
  if not status then
    return nil, err or 'not an HTTP answer'
  end
  return tonumber(status), nil
end

--- The server's version from `cmd --version`, or nil.
local function server_version(cmd)
  local ok, obj = pcall(function()
    return vim.system(vim.list_extend(vim.deepcopy(cmd), { '--version' }), { text = true }):wait(10000)
  end)
  if ok and obj and obj.code == 0 then
    local out = vim.trim((obj.stdout or '') .. (obj.stderr or ''))
    if out ~= '' then
      return out:match('[%w%.%-+]*%d+%.%d+[%w%.%-+]*') or out
    end
  end
end

--- Folder the server searches for this workspace's Claude Code transcripts.
function M.claude_project_dir(claude_dir, root)
  return vim.fs.joinpath(claude_dir, 'projects', (root:gsub('[^%w]', '-')))
end

function M.check()
  local sp = require('sessionprof')
  local cfg = require('sessionprof.config').get()

  health.start('sessionprof: Neovim')
  local v = vim.version()
  local vs = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. vs)
  elseif vim.fn.has('nvim-0.10') == 1 then
    health.warn('Neovim ' .. vs .. ': works; 0.11 adds `lsp/sessionprof.lua` for vim.lsp.enable')
  else
    health.error('Neovim ' .. vs .. ' is too old: sessionprof needs 0.10 or later')
  end

  health.start('sessionprof: language server')
  local cmd = require('sessionprof.install').resolve_cmd(cfg.cmd) -- issue 15: or the :SessionProf install venv
  local exe = vim.fn.exepath(cmd[1])
  local client = sp.get_client()
  if exe == '' then
    health.error(('server `%s` not found on PATH'):format(cfg.cmd[1]), {
      require('sessionprof.install').missing_message(cfg.cmd),
    })
  else
    health.ok(('server found: %s'):format(exe))
    local version = server_version(cmd)
      or (sp.state.ready and type(sp.state.ready.version) == 'string' and sp.state.ready.version)
    if version then
      health.ok('server version ' .. version)
    else
      health.warn('could not read the server version (`' .. cfg.cmd[1] .. ' --version` failed and no server is running)')
    end
  end
  if client then
    health.ok(('client running (id %d), workspace %s'):format(client.id, client.root_dir or '?'))
  else
    health.info('no client running yet: open a file of the workspace (or :SessionProf restart)')
  end

  health.start('sessionprof: HTTP endpoint')
  local ready = sp.state.ready
  local endpoint = type(ready) == 'table' and type(ready.endpoint) == 'table' and ready.endpoint or nil
  if not client then
    health.info('the endpoint starts with the server')
  elseif not endpoint or type(endpoint.url) ~= 'string' then
    health.warn('the server has not sent sessionprof/ready with an endpoint yet')
  else
    local body = vim.json.encode({ method = protocol.SESSIONS, params = vim.empty_dict() })
    local status, err = M.http_status(endpoint.url, 'POST', protocol.HTTP_RPC, {
      ['Authorization'] = 'Bearer ' .. tostring(endpoint.token),
      ['Content-Type'] = 'application/json',
    }, body)
    if status == 200 then
      health.ok(('endpoint up at %s'):format(endpoint.url))
      local denied = M.http_status(endpoint.url, 'POST', protocol.HTTP_RPC, { ['Content-Type'] = 'application/json' }, body)
      if denied == 401 then
        health.ok('endpoint refuses requests without the token')
      else
        health.error(('endpoint answered %s to a request without the token (want 401)'):format(tostring(denied)))
      end
    else
      health.error(('endpoint %s is not answering: %s'):format(endpoint.url, err or ('HTTP ' .. tostring(status))))
    end
  end

  health.start('sessionprof: transcripts')
  local settings = cfg.settings or {}
  if settings.followTranscripts == false then
    health.info('transcript following is off (settings.followTranscripts = false)')
  end
  local root = client and client.root_dir or sp.root_dir(vim.api.nvim_get_current_buf()) or vim.fn.getcwd()
  local claude_dir = settings.claudeConfigDir or vim.env.CLAUDE_CONFIG_DIR or vim.fs.joinpath(vim.env.HOME or '~', '.claude')
  local project = M.claude_project_dir(vim.fs.normalize(claude_dir), root)
  local codex = vim.fs.joinpath(vim.fs.normalize(settings.codexHome or vim.env.CODEX_HOME or vim.fs.joinpath(vim.env.HOME or '~', '.codex')), 'sessions')
  local found = 0
  if vim.fn.isdirectory(project) == 1 then
    local n = #vim.fn.glob(project .. '/*.jsonl', true, true)
    health.ok(('Claude Code transcripts: %s (%d files)'):format(project, n))
    found = found + 1
  else
    health.info('no Claude Code transcripts for this workspace at ' .. project)
  end
  if vim.fn.isdirectory(codex) == 1 then
    local n = #vim.fn.globpath(codex, '**/rollout-*.jsonl', true, true)
    health.ok(('Codex rollouts: %s (%d files; the server keeps those of this workspace)'):format(codex, n))
    found = found + 1
  else
    health.info('no Codex rollouts at ' .. codex)
  end
  if found == 0 then
    health.warn('no transcript roots found: sessions will only come over HTTP or sessionprof/ingest')
  end
  M.check_session_and_settings(sp, cfg)
end

--- The current session and the settings in effect (the plugin's and the server's).
function M.check_session_and_settings(sp, cfg)
  health.start('sessionprof: current session')
  local summary = sp.state.summary
  if type(summary) == 'table' and summary.sessionId then
    health.ok(('%s (%s): %s'):format(tostring(summary.title or summary.sessionId), summary.sessionId,
      require('sessionprof.statusline').component()))
  else
    health.info('no session for this workspace yet')
  end
  health.start('sessionprof: settings')
  for _, msg in ipairs(require('sessionprof.config').errors) do
    health.warn(msg)
  end
  local plugin = {}
  for _, key in ipairs({ 'auto_start', 'inlay_hints', 'code_lens', 'apply_open', 'statusline_icon' }) do
    plugin[#plugin + 1] = ('%s=%s'):format(key, vim.inspect(cfg[key]))
  end
  health.info('plugin: ' .. table.concat(plugin, ', '))
  health.info('cmd: ' .. table.concat(cfg.cmd, ' '))
  health.info('root_markers: ' .. table.concat(cfg.root_markers, ', '))
  local settings = vim.inspect(cfg.settings or {}, { newline = ' ', indent = '' })
  health.info('server settings sent: ' .. settings .. ' (the rest at the server defaults)')
end

return M
