import sys

from services.cli import main

sys.exit(main(["run", "web", *sys.argv[1:]]))
