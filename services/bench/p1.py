"""`meterhub bench p1`: telegrams per second through Meterhub's P1 path next to dsmr-parser alone.

Meterhub's path is what the gateway does per telegram short of the broker: frame and
CRC check, parse, map to quantities, capacity tracking (with its SQLite writes), the
Reading and capacity JSON. The baseline is dsmr-parser's ``TelegramParser.parse`` (CRC
checked) on the same telegrams, in the same process, in alternating rounds.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dsmr_parser import telegram_specifications
from dsmr_parser.parsers import TelegramParser

from ..capture_gateway.p1_path import Capacity, reading_of
from ..core.config import MeterhubConfig
from ..protocols.dsmr import parse_telegram
from ..simulator.p1 import P1MeterModel

TARGET_RATIO = 0.8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--telegrams", type=int, default=1500, help="telegrams per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each")
    parser.add_argument("--seed", type=int, default=1)


def make_telegrams(count: int, seed: int) -> list[str]:
    model = P1MeterModel(load_w=1200, solar_w=3000, rng=random.Random(seed))
    start = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    return [model.telegram(start + timedelta(seconds=i)) for i in range(count)]


def _baseline(telegrams: list[str]) -> float:
    parser = TelegramParser(telegram_specifications.BELGIUM_FLUVIUS)
    began = time.perf_counter()
    for text in telegrams:
        parser.parse(text, throw_ex=True)
    return time.perf_counter() - began


def _meterhub(telegrams: list[str], data_dir: Path, round_no: int) -> float:
    config = MeterhubConfig.model_validate(
        {"storage": {"data_dir": str(data_dir)}, "capacity": {"price_eur_per_kw_year": 45}}
    )
    capacity, device = Capacity(config), f"bench{round_no}"
    began = time.perf_counter()
    for text in telegrams:
        telegram = parse_telegram(text)
        state = capacity.update(device, telegram)
        reading_of(device, telegram, state).to_payload()
        if state is not None:
            state.to_payload()
    elapsed = time.perf_counter() - began
    capacity.store.db.close()
    return elapsed


def run(args: argparse.Namespace) -> int:
    logging.getLogger("dsmr_parser").setLevel(logging.CRITICAL)
    telegrams = make_telegrams(args.telegrams, args.seed)
    size = sum(len(t) for t in telegrams) / len(telegrams)
    print(f"p1: {len(telegrams)} simulated Fluvius telegrams of {size:.0f} bytes, "
          f"{args.rounds} alternating rounds")  # fmt: skip
    base_times, ours_times = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for round_no in range(args.rounds):
            base_times.append(_baseline(telegrams))
            ours_times.append(_meterhub(telegrams, Path(scratch), round_no))
    base_rate = len(telegrams) / min(base_times)
    ours_rate = len(telegrams) / min(ours_times)
    ratio = ours_rate / base_rate
    print(f"  dsmr-parser alone (parse, CRC)        {base_rate:10.0f} telegrams/s")
    print(f"  Meterhub P1 path (+capacity, JSON)    {ours_rate:10.0f} telegrams/s")
    verdict = "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"  ratio {ratio:.2f} (target ≥ {TARGET_RATIO}) {verdict}")
    print(json.dumps({
        "bench": "p1", "telegrams": len(telegrams), "rounds": args.rounds,
        "dsmr_parser_per_s": round(base_rate), "meterhub_per_s": round(ours_rate),
        "ratio": round(ratio, 3), "target": TARGET_RATIO,
    }))  # fmt: skip
    return 0 if ratio >= TARGET_RATIO else 1
