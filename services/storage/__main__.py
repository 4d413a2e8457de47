import sys

from services.cli import main

sys.exit(main(["run", "storage", *sys.argv[1:]]))
