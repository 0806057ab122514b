from medcoder.cli.main import main

main()
