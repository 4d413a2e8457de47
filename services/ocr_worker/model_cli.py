"""`meterhub ocr model list|rollback --device ID`: a meter's own digit models.

``list`` shows the models trained for the device (``ocr train --device``), which one is
active per digit kind and which one a rollback returns to; ``rollback`` makes the
previous one active again (the shipped model when there was none before). The worker
picks the change up on its next frame.
"""

from __future__ import annotations

import argparse
import sys

from ..core.config import load_config
from ..domain.device_models import MODEL_KIND, DeviceModels, NoModel
from .classifier import KINDS

SHIPPED = "(shipped)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "rollback"])
    parser.add_argument("--device", required=True, help="a configured camera device")
    parser.add_argument(
        "--kind", choices=KINDS, help="digit kind (default: the device's display's)"
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config).config
    device = config.devices.get(args.device)
    if device is None or device.ocr is None:
        print(f"error: {args.device} is not a camera device in the config", file=sys.stderr)
        return 2
    store = DeviceModels(config.storage.data_dir)
    kinds = (args.kind,) if args.kind else (MODEL_KIND[device.ocr.display],)
    if args.action == "list":
        return _list(store, args.device, kinds)
    rolled = 0
    for kind in kinds:
        try:
            entry = store.rollback(args.device, kind)
        except NoModel as error:
            print(error, file=sys.stderr if args.kind else sys.stdout)
            continue
        rolled += 1
        print(f"{args.device} {kind}: now {entry.active or SHIPPED} (was {entry.previous})")
    return 0 if rolled else 1


def _list(store: DeviceModels, device: str, kinds: tuple[str, ...]) -> int:
    models = store.read(device)
    for kind in kinds:
        entry = models.kinds.get(kind)
        active = entry.active if entry else None
        previous = entry.previous if entry else None
        print(f"{kind}: active {active or SHIPPED}, previous {previous or SHIPPED}")
        if entry and entry.why:
            print(f"  {entry.at:%Y-%m-%d %H:%M} {entry.why}")
        for name in store.files(device):
            if name.startswith(f"{kind}-"):
                print(f"  {'*' if name == active else ' '} {name}")
    return 0
