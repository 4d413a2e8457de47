import sys

from services.cli import main

sys.exit(main(["run", "capture_gateway", *sys.argv[1:]]))
