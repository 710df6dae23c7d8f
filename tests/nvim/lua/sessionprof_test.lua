--- Helpers for the Lua test scripts: steps that record results or errors, and
--- one JSON result file that pytest reads (SESSIONPROF_TEST_OUT).
local H = { results = {}, errors = vim.empty_dict(), messages = {} }

-- Keep what the plugin tells the user, for assertions.
vim.notify = function(msg, level)
  table.insert(H.messages, { msg = tostring(msg), level = level or vim.log.levels.INFO })
end

local function save()
  H.results.messages = H.messages
  local data = vim.json.encode({ results = H.results, errors = H.errors })
  local f = assert(io.open(vim.env.SESSIONPROF_TEST_OUT, 'w'))
  f:write(data)
  f:close()
end

--- Run `fn`; store its return value under `name`, or the error text. The
--- results so far are saved after each step, so a hang still leaves them.
function H.step(name, fn)
  local ok, res = xpcall(fn, debug.traceback)
  if ok then
    H.results[name] = res == nil and vim.NIL or res
  else
    H.errors[name] = tostring(res)
  end
  save()
  return ok and res or nil
end

--- The texts of the messages after the first `n` (0: all of them).
function H.messages_since(n)
  local out = {}
  for i = n + 1, #H.messages do
    out[#out + 1] = H.messages[i].msg
  end
  return out
end

--- Wait until `cond()` is truthy; error naming `what` on timeout.
function H.wait(ms, cond, what)
  local ok = vim.wait(ms, cond, 50)
  if not ok then
    error('timed out after ' .. ms .. ' ms waiting for ' .. what, 2)
  end
end

--- Write the results and quit.
function H.finish()
  H.results.finished = true
  save()
  vim.cmd('qall!')
end

return H
