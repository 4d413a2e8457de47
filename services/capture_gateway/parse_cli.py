"""`meterhub parse p1 FILE`: one Reading JSON line per telegram in a file (a capture, a log).

Telegrams are cut from the bytes as the serial reader cuts them; a bad one is reported on
stderr with its reason and the rest still parse. Exit status 1 if any was rejected.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..protocols.dsmr import InvalidTelegram, parse_telegram
from .p1_path import reading_of
from .p1_serial import TelegramFramer


def register(group: argparse.ArgumentParser) -> None:
    kinds = group.add_subparsers(dest="kind", required=True)
    p1 = kinds.add_parser("p1", help="DSMR P1 telegrams → Reading JSON lines")
    p1.add_argument("file", type=Path, help="file with one or more telegrams ('-': stdin)")
    p1.add_argument("--device", default="p1", help="device id put in the readings")
    p1.set_defaults(handler=cmd_parse_p1)


def cmd_parse_p1(args: argparse.Namespace) -> int:
    try:
        data = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    framer = TelegramFramer()
    pieces = [*framer.feed(data), *framer.flush()]
    rejected = 0
    for number, text in enumerate(pieces, 1):
        try:
            telegram = parse_telegram(text, received=datetime.now(UTC))
        except InvalidTelegram as error:
            rejected += 1
            print(f"telegram {number}: rejected: {error}", file=sys.stderr)
            continue
        print(reading_of(args.device, telegram, None).to_payload().decode())
    if not pieces:
        print(f"error: no telegram in {args.file}", file=sys.stderr)
        return 1
    return 1 if rejected else 0
