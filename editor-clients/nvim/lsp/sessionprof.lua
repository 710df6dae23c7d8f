-- Neovim 0.11+ LSP config for `vim.lsp.config('sessionprof', {...})` and
-- `vim.lsp.enable('sessionprof')`. The plugin enables it by itself unless
-- `auto_start = false`; the options of setup() / vim.g.sessionprof apply.
return require('sessionprof').client_config()
