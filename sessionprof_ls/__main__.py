from sessionprof_ls.lsp import main

main()
