from wissenswerk.cli.main import main

main()
