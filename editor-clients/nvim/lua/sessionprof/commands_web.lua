--- The web UI from Neovim: its URL with the token (`:SessionProf url`) and the flame
--- graph in the browser (`:SessionProf flame`), falling back to showing the URL.
local protocol = require('sessionprof.protocol')

local M = {}

local function sp()
  return require('sessionprof')
end

--- Percent-encode a query value (everything but RFC 3986 unreserved characters).
local function query_encode(s)
  return (tostring(s):gsub('[^%w%-%._~]', function(c)
    return ('%%%02X'):format(c:byte())
  end))
end

--- The web UI URL with its token, or nil before `sessionprof/ready`.
---@return string|nil
function M.flame_url()
  local ready = sp().state.ready
  local endpoint = type(ready) == 'table' and type(ready.endpoint) == 'table' and ready.endpoint or nil
  if not endpoint or type(endpoint.url) ~= 'string' then
    return nil
  end
  local base = endpoint.url:gsub('/+$', '')
  -- the token goes in the fragment: never sent to a server, removed by the page (issue 19)
  local url = base .. protocol.HTTP_UI
  local session = sp().current_session_id()
  if session then
    url = url .. '?sessionId=' .. query_encode(session)
  end
  return url .. '#token=' .. query_encode(endpoint.token or '')
end

--- Show the web UI URL and put it in the + register (issue 15: SSH boxes have no browser).
---@param url string
---@param why string|nil
local function show_url(url, why)
  local copied = pcall(vim.fn.setreg, '+', url) and vim.fn.getreg('+') == url
  vim.notify(('sessionprof: %sweb UI: %s%s'):format(why and (why .. '; ') or '', url,
    copied and ' (in the + register)' or ''), why and vim.log.levels.WARN or vim.log.levels.INFO)
end

--- `:SessionProf url`: the web UI URL with its token, shown and in the + register.
--- The URL, or nil after saying why there is none yet.
local function ready_url()
  local url = M.flame_url()
  if not url then
    sp().notify_error('the server has not announced its HTTP endpoint yet (sessionprof/ready)')
  end
  return url
end

function M.url()
  local url = ready_url()
  if url then
    show_url(url)
  end
end

--- `:SessionProf flame`: the flame graph web UI in the browser; when no opener works
--- (none installed, or it fails as xdg-open does over SSH) the URL is shown instead.
function M.flame()
  local url = ready_url()
  if not url then
    return
  end
  local ok, obj, err = pcall(vim.ui.open, url)
  if not ok or err then
    show_url(url, ('could not open a browser (%s)'):format(tostring(ok and err or obj)))
    return
  end
  -- the opener can fail after it started (xdg-open exits 3 without a browser, over SSH):
  -- watch for its exit status (a SystemObj keeps it in _state.result) for a few seconds
  local state = type(obj) == 'table' and rawget(obj, '_state')
  if type(state) ~= 'table' then
    return
  end
  local timer, waited = vim.uv.new_timer(), 0
  timer:start(100, 100, vim.schedule_wrap(function()
    waited = waited + 100
    local res = state.result
    if res or waited >= 5000 then
      timer:stop()
      timer:close()
      if res and res.code ~= 0 then
        show_url(url, ('the browser opener exited with %d'):format(res.code))
      end
    end
  end))
end

return M
