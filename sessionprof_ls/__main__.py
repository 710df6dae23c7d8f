from sessionprof_ls.server import main

main()
