import sys

from services.cli import main

sys.exit(main(["run", "simulator", *sys.argv[1:]]))
