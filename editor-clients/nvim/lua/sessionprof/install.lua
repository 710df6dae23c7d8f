--- `:SessionProf install`: the server in a private venv under stdpath('data'), built
--- from this plugin's own checkout (the repository holds both), so a plugin manager
--- install is all a user needs. Usable as lazy.nvim's `build = ':SessionProf install'`
--- (it runs synchronously). The plugin then finds the server there when the
--- configured `cmd` is the default and not on PATH.
local M = {}

local MIN_PYTHON = { 3, 11 }

--- The venv folder.
---@return string
function M.venv()
  return vim.fs.joinpath(vim.fn.stdpath('data'), 'sessionprof', 'venv')
end

--- The server inside the venv (whether it exists or not).
---@return string
function M.venv_server()
  local bin = vim.fn.has('win32') == 1 and 'Scripts' or 'bin'
  return vim.fs.joinpath(M.venv(), bin, 'sessionprof-ls')
end

--- The plugin's checkout: the repository root holding pyproject.toml, or nil.
---@return string|nil
function M.source_root()
  local here = debug.getinfo(1, 'S').source:gsub('^@', '')
  -- <root>/editor-clients/nvim/lua/sessionprof/install.lua
  local root = vim.fs.normalize(vim.fn.fnamemodify(here, ':p:h:h:h:h:h'))
  if vim.fn.filereadable(vim.fs.joinpath(root, 'pyproject.toml')) == 1 then
    return root
  end
  return nil
end

--- A Python >= 3.11 on PATH, or nil and what was found.
---@return string|nil, string
function M.find_python()
  local seen = {}
  for _, name in ipairs({ 'python3.13', 'python3.12', 'python3.11', 'python3', 'python' }) do
    local exe = vim.fn.exepath(name)
    if exe ~= '' then
      local res = vim.system({ exe, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])' }, { text = true }):wait()
      local major, minor = (res.stdout or ''):match('(%d+)%.(%d+)')
      if major then
        major, minor = tonumber(major), tonumber(minor)
        if major > MIN_PYTHON[1] or (major == MIN_PYTHON[1] and minor >= MIN_PYTHON[2]) then
          return exe, ''
        end
        seen[#seen + 1] = ('%s (%d.%d)'):format(exe, major, minor)
      end
    end
  end
  return nil, #seen > 0 and ('found only ' .. table.concat(seen, ', ')) or 'no python3 on PATH'
end

local function run(cmd)
  local res = vim.system(cmd, { text = true }):wait()
  if res.code ~= 0 then
    local out = vim.trim((res.stderr or '') .. '\n' .. (res.stdout or ''))
    local last = out:match('([^\n]+)$') or ''
    return false, ('`%s` failed (exit %d): %s'):format(table.concat(cmd, ' '), res.code, last)
  end
  return true, ''
end

--- Create the venv and install the server into it (synchronous).
---@return boolean ok, string message
function M.install()
  local root = M.source_root()
  if not root then
    return false, 'the plugin folder is not inside a sessionprof checkout (no pyproject.toml two levels up)'
  end
  local python, why = M.find_python()
  if not python then
    return false, 'needs Python 3.11 or newer (' .. why .. '): install python3 (3.11+) with its venv module'
  end
  local venv = M.venv()
  vim.fn.mkdir(vim.fn.fnamemodify(venv, ':h'), 'p')
  local vpython = vim.fs.joinpath(venv, vim.fn.has('win32') == 1 and 'Scripts' or 'bin', 'python')
  if vim.fn.executable(vpython) ~= 1 then
    local ok, err = run({ python, '-m', 'venv', venv })
    if not ok then
      return false, err .. ' (on Debian/Ubuntu: apt install python3-venv)'
    end
  end
  local ok, err = run({ vpython, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', root })
  if not ok then
    return false, err
  end
  if vim.fn.executable(M.venv_server()) ~= 1 then
    return false, 'pip finished but ' .. M.venv_server() .. ' is missing'
  end
  return true, 'server installed: ' .. M.venv_server()
end

--- `:SessionProf install`, with its outcome as one notification; restarts a running client.
function M.run()
  vim.notify('sessionprof: installing the server into ' .. M.venv() .. ' …')
  local ok, msg = M.install()
  vim.notify('sessionprof: ' .. msg, ok and vim.log.levels.INFO or vim.log.levels.ERROR)
  if ok and require('sessionprof.config').get().auto_start then
    require('sessionprof').enable() -- the open buffers get the server now
  end
  return ok
end

--- The command to start: `cmd` as configured, or the venv's server when `cmd` is the
--- default `sessionprof-ls` and that is not on PATH.
---@param cmd string[]
---@return string[]
function M.resolve_cmd(cmd)
  if cmd and cmd[1] == 'sessionprof-ls' and vim.fn.executable(cmd[1]) ~= 1
    and vim.fn.executable(M.venv_server()) == 1 then
    local out = vim.deepcopy(cmd)
    out[1] = M.venv_server()
    return out
  end
  return cmd
end

local told = false

--- Whether `cmd` can start; if not, says once how to install the server.
---@param cmd string[]
---@return boolean
function M.check(cmd)
  if cmd and cmd[1] and vim.fn.executable(cmd[1]) == 1 then
    return true
  end
  if not told then
    told = true
    vim.notify(M.missing_message(cmd), vim.log.levels.WARN)
  end
  return false
end

--- What to do when the server is missing (also shown by :checkhealth).
---@param cmd string[]|nil
---@return string
function M.missing_message(cmd)
  local name = cmd and cmd[1] or 'sessionprof-ls'
  return ('sessionprof: the server `%s` is not installed: run :SessionProf install'):format(name)
    .. ' (or set `cmd` in setup() to a sessionprof-ls you installed)'
end

return M
