from listencheck.cli import main

main()
