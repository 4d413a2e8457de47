import sys

from services.cli import main

sys.exit(main(["run", "token_entry", *sys.argv[1:]]))
