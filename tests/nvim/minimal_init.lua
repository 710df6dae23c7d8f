-- Minimal init for the headless Neovim tests: only the plugin under test.
-- SESSIONPROF_PLUGIN: editor-clients/nvim; SESSIONPROF_TEST_OPTS: JSON for vim.g.sessionprof.
vim.opt.runtimepath = { vim.env.VIMRUNTIME, vim.env.SESSIONPROF_PLUGIN, vim.env.SESSIONPROF_TEST_DIR }
-- the bundled tree-sitter parsers (lib/nvim/parser), as in a default runtimepath: hover floats are markdown
local lib = vim.fs.joinpath(vim.fn.fnamemodify(vim.env.VIMRUNTIME, ':h:h:h'), 'lib', 'nvim')
if vim.uv.fs_stat(vim.fs.joinpath(lib, 'parser')) then
  vim.opt.runtimepath:append(lib)
end
vim.opt.packpath = { vim.env.VIMRUNTIME }
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.columns = 120
vim.opt.lines = 50
if vim.env.SESSIONPROF_TEST_OPTS and vim.env.SESSIONPROF_TEST_OPTS ~= '' then
  vim.g.sessionprof = vim.json.decode(vim.env.SESSIONPROF_TEST_OPTS)
end
