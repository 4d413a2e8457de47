"""`meterhub ocr <command>`: the OCR worker's commands.

Each command is one row of ``COMMANDS``: a module with ``add_arguments(parser)`` and
``run(args) -> int``, imported only when the ``ocr`` group runs.
"""

from __future__ import annotations

import argparse
import importlib

# name -> (module, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "train": (
        "services.ocr_training.train_cli",
        "build the digit classifier models from synthetic digits and labelled crops",
    ),
    "train-sequence": (
        "services.ocr_training.sequence_cli",
        "build the sequence reader that reads a marked display whole (digits and point)",
    ),
    "train-locator": (
        "services.ocr_training.locator_cli",
        "build the display locator that finds the display in a frame with no ROI",
    ),
    "render-digits": (
        "services.ocr_training.render_cli",
        "write labelled digit crops from one renderer, to bench models on a look they never saw",
    ),
    "model": (
        "services.ocr_worker.model_cli",
        "a meter's own digit models: `model list --device ID`, `model rollback --device ID`",
    ),
    "read": (
        "services.ocr_worker.read_cli",
        "read one photo as a device (or a display described here) and draw what was read",
    ),
}


def register(group: argparse.ArgumentParser) -> None:
    commands = group.add_subparsers(dest="ocr_command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        parser = commands.add_parser(name, help=help_text, description=module.__doc__)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        module.add_arguments(parser)
        parser.set_defaults(handler=module.run)
