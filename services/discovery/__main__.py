import sys

from services.cli import main

sys.exit(main(["run", "discovery", *sys.argv[1:]]))
