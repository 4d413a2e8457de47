import sys

from services.cli import main

sys.exit(main(["run", "notifier", *sys.argv[1:]]))
