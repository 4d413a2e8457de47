import sys

from services.cli import main

sys.exit(main(["run", "ocr_worker", *sys.argv[1:]]))
