--- Inlay hints and code lenses drawn by the plugin, in its own highlight groups.
---
--- Neovim draws every client's inlay hints in `LspInlayHint` and lenses in
--- `LspCodeLens`; the server's hints carry an emphasis level (`data.level`:
--- low, mid, high, by the file's share of the session's input) that a colour
--- scheme should be able to style. So this client's `textDocument/inlayHint`
--- answers are drawn here (Neovim's own handler gets none of them) and its lenses
--- are saved with `vim.lsp.codelens.save()` (so `vim.lsp.codelens.run()` works)
--- and drawn here. Toggles: `:SessionProf hints` / `:SessionProf lenses`.
local M = {}

M.hint_ns = vim.api.nvim_create_namespace('sessionprof.hints')
M.lens_ns = vim.api.nvim_create_namespace('sessionprof.lenses')

require('sessionprof.highlights') -- the hint and lens groups, linked by default

local LEVEL_GROUP = { low = 'SessionProfHintLow', mid = 'SessionProfHintMid', high = 'SessionProfHintHigh' }

--- Hints last drawn per buffer: list of {line, col, label, level, data}.
---@type table<integer, table[]>
M.hints = {}
---@type table<integer, table[]>
M.lenses = {}

local function cfg()
  return require('sessionprof.config').get()
end

local function label_of(hint)
  if type(hint.label) == 'string' then
    return hint.label
  end
  local parts = {}
  for _, p in ipairs(hint.label or {}) do
    parts[#parts + 1] = p.value
  end
  return table.concat(parts)
end

--- Draw the hints of `bufnr` (an LSP InlayHint[] with UTF-16 positions).
function M.draw_hints(bufnr, result, client)
  vim.api.nvim_buf_clear_namespace(bufnr, M.hint_ns, 0, -1)
  M.hints[bufnr] = {}
  if not cfg().inlay_hints then
    return
  end
  for _, hint in ipairs(result or {}) do
    local line = hint.position.line
    local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
    if text then
      local col = vim.str_byteindex(text, client and client.offset_encoding or 'utf-16', hint.position.character, false)
      local level = type(hint.data) == 'table' and LEVEL_GROUP[hint.data.level] and hint.data.level or 'low'
      local label = label_of(hint)
      vim.api.nvim_buf_set_extmark(bufnr, M.hint_ns, line, math.min(col, #text), {
        virt_text = { { hint.paddingLeft and ' ' or '' }, { label, LEVEL_GROUP[level] } },
        virt_text_pos = 'inline',
        hl_mode = 'combine',
      })
      local first = type(hint.label) == 'table' and hint.label[1] or nil
      table.insert(M.hints[bufnr], {
        line = line, col = col, label = label, level = level, data = hint.data,
        command = first and first.command or nil,
      })
    end
  end
end

--- `textDocument/inlayHint` for this client: drawn here, Neovim's handler told "none".
function M.on_inlayhint(err, result, ctx)
  local bufnr = ctx.bufnr
  if not err and bufnr and vim.api.nvim_buf_is_loaded(bufnr) then
    M.draw_hints(bufnr, result, vim.lsp.get_client_by_id(ctx.client_id))
  end
  return vim.lsp.inlay_hint.on_inlayhint(err, {}, ctx)
end

--- Draw lenses above their lines (like Neovim's, in SessionProf groups).
function M.draw_lenses(bufnr, lenses)
  vim.api.nvim_buf_clear_namespace(bufnr, M.lens_ns, 0, -1)
  M.lenses[bufnr] = {}
  if not cfg().code_lens then
    return
  end
  local by_line = {}
  for _, lens in ipairs(lenses or {}) do
    if lens.command and lens.command.title then
      local l = lens.range.start.line
      by_line[l] = by_line[l] or {}
      table.insert(by_line[l], lens)
      table.insert(M.lenses[bufnr], { line = l, title = lens.command.title, command = lens.command })
    end
  end
  local count = vim.api.nvim_buf_line_count(bufnr)
  for line, list in pairs(by_line) do
    if line < count then
      local chunks = {}
      for i, lens in ipairs(list) do
        if i > 1 then
          chunks[#chunks + 1] = { ' | ', 'SessionProfLensSeparator' }
        end
        chunks[#chunks + 1] = { lens.command.title, 'SessionProfLens' }
      end
      vim.api.nvim_buf_set_extmark(bufnr, M.lens_ns, line, 0, { virt_text = chunks, hl_mode = 'combine' })
    end
  end
end

--- `textDocument/codeLens` answer: saved for vim.lsp.codelens.run(), drawn here.
function M.on_codelens(err, result, ctx)
  local bufnr = ctx.bufnr
  if err or not bufnr or not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  vim.lsp.codelens.save(result or {}, bufnr, ctx.client_id)
  M.draw_lenses(bufnr, result)
end

local function client_buffers()
  local out = {}
  for _, client in ipairs(vim.lsp.get_clients({ name = require('sessionprof').NAME })) do
    for bufnr in pairs(client.attached_buffers) do
      out[#out + 1] = { client = client, bufnr = bufnr }
    end
  end
  return out
end

--- Set config `key` on or off (nil: toggle), then `on_fn` or `off_fn` for each of the
--- client's buffers; returns the new state.
local function set_everywhere(key, on, on_fn, off_fn)
  local c = cfg()
  if on == nil then
    on = not c[key]
  end
  c[key] = on
  for _, cb in ipairs(client_buffers()) do
    if on then
      on_fn(cb)
    else
      off_fn(cb)
    end
  end
  return on
end

--- Turn the hints on or off everywhere (nil: toggle); returns the new state.
---@param on boolean|nil
---@return boolean
function M.set_hints(on)
  return set_everywhere('inlay_hints', on, function(cb)
    vim.lsp.inlay_hint.enable(true, { bufnr = cb.bufnr })
    cb.client:request('textDocument/inlayHint', {
      textDocument = vim.lsp.util.make_text_document_params(cb.bufnr),
      range = { start = { line = 0, character = 0 }, ['end'] = { line = vim.api.nvim_buf_line_count(cb.bufnr), character = 0 } },
    }, M.on_inlayhint, cb.bufnr)
  end, function(cb)
    vim.api.nvim_buf_clear_namespace(cb.bufnr, M.hint_ns, 0, -1)
    M.hints[cb.bufnr] = {}
  end)
end

--- Turn the code lenses on or off everywhere (nil: toggle); returns the new state.
---@param on boolean|nil
---@return boolean
function M.set_lenses(on)
  return set_everywhere('code_lens', on, function(cb)
    require('sessionprof.handlers').refresh_codelens(cb.client.id, cb.bufnr)
  end, function(cb)
    vim.api.nvim_buf_clear_namespace(cb.bufnr, M.lens_ns, 0, -1)
    M.lenses[cb.bufnr] = {}
    vim.lsp.codelens.save({}, cb.bufnr, cb.client.id)
  end)
end

--- Forget a buffer's decorations (client detached or stopped).
function M.clear(bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.hint_ns, 0, -1)
    vim.api.nvim_buf_clear_namespace(bufnr, M.lens_ns, 0, -1)
  end
  M.hints[bufnr], M.lenses[bufnr] = nil, nil
end

--- The event under the cursor: a lens on this line, else the hint's file (line 1).
---@return string|nil session_id, string|nil event_id
function M.event_at_cursor(bufnr, line)
  for _, lens in ipairs(M.lenses[bufnr] or {}) do
    if lens.line == line and lens.command.arguments then
      return lens.command.arguments[1], lens.command.arguments[2]
    end
  end
  for _, hint in ipairs(M.hints[bufnr] or {}) do
    if hint.line == line and hint.command and hint.command.arguments then
      return hint.command.arguments[1], hint.command.arguments[2]
    end
  end
  return nil, nil
end

return M
