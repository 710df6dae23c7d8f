-- The shared display-format table (sessionprof_ls/format_cases.json) through format.lua.
local H = require('sessionprof_test')

H.step('format_cases', function()
  local f = require('sessionprof.format')
  local file = assert(io.open(os.getenv('SESSIONPROF_FORMAT_CASES'), 'r'))
  local cases = vim.json.decode(file:read('*a'), { luanil = { object = true, array = false } })
  file:close()
  local fns = { duration = f.duration, cost = f.cost, int = f.int, tokens = f.tokens_short, percent = f.percent }
  local out = { words = { notRecorded = f.NOT_RECORDED, interrupted = f.INTERRUPTED, priceUnknown = f.PRICE_UNKNOWN } }
  for kind, fn in pairs(fns) do
    out[kind] = {}
    for i, case in ipairs(cases[kind]) do
      out[kind][i] = fn(case[1]) -- case[1] is vim.NIL for a number the source does not record
    end
  end
  return out
end)

H.finish()
