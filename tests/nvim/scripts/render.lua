-- Render a real PerformanceData (from the engine, in SESSIONPROF_TEST_PERF) as
-- the text report, in the floating window, without a server.
local H = require('sessionprof_test')
local report = require('sessionprof.report')

local perf = vim.json.decode(table.concat(vim.fn.readfile(vim.env.SESSIONPROF_TEST_PERF), '\n'))
local event_id = vim.env.SESSIONPROF_TEST_EVENT

H.step('render', function()
  local r = report.render(perf, { width = 100, event_id = event_id })
  return { lines = r.lines, selected_line = r.selected_line }
end)

H.step('show', function()
  local last = report.show(perf, { event_id = event_id })
  local cfg = vim.api.nvim_win_get_config(last.win)
  local marks = vim.api.nvim_buf_get_extmarks(last.buf, report.ns, 0, -1, { details = true })
  local selected_marks = {}
  for _, m in ipairs(marks) do
    if m[4].line_hl_group == 'SessionProfSelected' or m[4].hl_group == 'SessionProfSelected' then
      selected_marks[#selected_marks + 1] = m[2]
    end
  end
  return {
    lines = vim.api.nvim_buf_get_lines(last.buf, 0, -1, false),
    relative = cfg.relative,
    cursor = vim.api.nvim_win_get_cursor(last.win)[1] - 1,
    selected_line = last.selected_line,
    selected_marks = selected_marks,
    modifiable = vim.bo[last.buf].modifiable,
    width = cfg.width,
  }
end)

H.finish()
