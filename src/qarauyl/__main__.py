from qarauyl.cli import main

main()
