-- Minimal init for the headless Neovim tests: only the plugin under test.
-- SESSIONPROF_PLUGIN: editor-clients/nvim; SESSIONPROF_TEST_OPTS: JSON for vim.g.sessionprof.
vim.opt.runtimepath = { vim.env.VIMRUNTIME, vim.env.SESSIONPROF_PLUGIN, vim.env.SESSIONPROF_TEST_DIR }
vim.opt.packpath = { vim.env.VIMRUNTIME }
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.columns = 120
vim.opt.lines = 50
if vim.env.SESSIONPROF_TEST_OPTS and vim.env.SESSIONPROF_TEST_OPTS ~= '' then
  vim.g.sessionprof = vim.json.decode(vim.env.SESSIONPROF_TEST_OPTS)
end
