"""``meterhub bench storage-size``: how big SQLite grows for a year of one P1 meter.

Storing a real year would take hours, so the bench stores ``--days`` of a DSMR meter's
telegram values (the simulated Fluvius meter's 21 quantities, one reading a minute)
through storage's own write path, measures the bytes per row of each table with SQLite's
``dbstat``, and projects the year from the row counts the retention settings give: raw
readings for ``raw_retention_days`` at the meter's telegram interval, per-minute roll-ups
for ``minute_retention_days`` (capped at the year), quarter/hour/day/month roll-ups for
the whole year. The check on the projection: bytes per row measured after the first half
of the days predict the file after all of them (``model_ratio``: predicted / measured).
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.config.storage import StorageConfig
from ..core.messages import Reading
from ..database.connection import connect
from ..protocols.dsmr import parse_telegram
from ..simulator.p1 import P1MeterModel
from ..storage.store import ReadingStore

DEVICE = "p1"
START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 1000
YEAR_DAYS = 365
MB = 1e6
# Buckets a year holds per period (month: 12); minutes follow minute_retention_days.
PER_DAY = {"quarter": 96, "hour": 24, "day": 1}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = StorageConfig.model_fields
    parser.add_argument("--days", type=int, default=7, help="days of minute readings stored")
    parser.add_argument(
        "--interval-s", type=float, default=1.0, help="the meter's telegram interval (DSMR 5: 1)"
    )
    parser.add_argument(
        "--raw-days", type=float, default=defaults["raw_retention_days"].default,
        help="raw_retention_days projected",
    )  # fmt: skip
    parser.add_argument(
        "--minute-days", type=float, default=defaults["minute_retention_days"].default,
        help="minute_retention_days projected",
    )  # fmt: skip


def telegram_values() -> dict[str, float]:
    """What one telegram of the simulated Fluvius meter carries."""
    model = P1MeterModel(load_w=1500, rng=random.Random(1))
    return dict(parse_telegram(model.telegram(START)).values)


def build(path: Path, days: range, values: dict[str, float]) -> float:
    """Store the minute readings of ``days`` (day numbers from START); seconds it took."""
    store = ReadingStore(path)
    began = time.perf_counter()
    minutes = days.stop * 1440
    try:
        for first in range(days.start * 1440, minutes, BATCH):
            store.ingest(
                [
                    Reading(device=DEVICE, ts=START + timedelta(minutes=i), source="p1",
                            values={k: v + 0.001 * i for k, v in values.items()})
                    for i in range(first, min(first + BATCH, minutes))
                ]
            )  # fmt: skip
    finally:
        store.close()
    return time.perf_counter() - began


def measure(path: Path) -> dict[str, Any]:
    """Bytes per row of ``readings`` and ``rollups`` (pages of the table and its indexes)."""
    db = connect(path, "storage", autocommit=True)
    try:
        db.execute("VACUUM")
        pages = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        rows = {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("readings", "rollups")
        }
        indexes = dict(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    finally:
        db.close()
    size = {t: sum(b for n, b in pages.items() if n == t or indexes.get(n) == t) for t in rows}
    return {
        "file_bytes": path.stat().st_size,
        "rows": rows,
        "bytes_per_row": {t: size[t] / rows[t] for t in rows},
        "other_bytes": sum(pages.values()) - sum(size.values()),
    }


def project(
    measured: dict[str, Any], quantities: int, days: float, interval_s: float,
    raw_days: float | None, minute_days: float | None,
) -> dict[str, float]:  # fmt: skip
    """Bytes of each table after ``days`` of the meter under these retention settings."""
    per_row = measured["bytes_per_row"]
    raw_kept = min(days, raw_days if raw_days is not None else days)
    minute_kept = min(days, minute_days if minute_days is not None else days)
    raw_rows = quantities * raw_kept * 86400 / interval_s
    rollup_rows = quantities * (
        minute_kept * 1440 + days * sum(PER_DAY.values()) + max(1.0, days / 30.4)
    )
    return {
        "raw": raw_rows * per_row["readings"],
        "minute_and_coarser_rollups": rollup_rows * per_row["rollups"],
        "other": float(measured["other_bytes"]),
    }


def run(args: argparse.Namespace) -> int:
    values = telegram_values()
    half = max(1, args.days // 2)
    with tempfile.TemporaryDirectory(prefix="meterhub-size-") as folder:
        path = Path(folder) / "meterhub.sqlite3"
        seconds = build(path, range(half), values)
        first = measure(path)
        seconds += build(path, range(half, args.days), values)
        measured = measure(path)
    q = len(values)
    check = sum(project(first, q, args.days, 60.0, None, None).values())
    year = project(measured, q, YEAR_DAYS, args.interval_s, args.raw_days, args.minute_days)
    minute_only = project(measured, q, YEAR_DAYS, 60.0, 0.0, args.minute_days)
    per_row = measured["bytes_per_row"]
    print(f"stored {args.days} days of minute readings x {q} quantities in {seconds:.1f} s: "
          f"{measured['file_bytes'] / MB:.1f} MB (predicted from the first {half} days: "
          f"{check / MB:.1f} MB)")  # fmt: skip
    print(f"bytes per row: readings {per_row['readings']:.1f}, rollups {per_row['rollups']:.1f}")
    print(f"a year, one telegram every {args.interval_s:g} s, raw kept {args.raw_days} days, "
          f"minutes kept {args.minute_days} days:")  # fmt: skip
    for name, size in year.items():
        print(f"  {name:28s} {size / MB:10.1f} MB")
    print(f"  {'total':28s} {sum(year.values()) / MB:10.1f} MB")
    print(
        f"  roll-ups only (raw_retention_days close to 0): {sum(minute_only.values()) / MB:.1f} MB"
    )
    summary = {
        "year_mb": round(sum(year.values()) / MB, 1),
        "year_rollups_mb": round(year["minute_and_coarser_rollups"] / MB, 1),
        "year_raw_mb": round(year["raw"] / MB, 1),
        "bytes_per_reading_row": round(per_row["readings"], 1),
        "bytes_per_rollup_row": round(per_row["rollups"], 1),
        "measured_days": args.days,
        "measured_mb": round(measured["file_bytes"] / MB, 1),
        "model_ratio": round(check / measured["file_bytes"], 3),
    }
    print(json.dumps(summary))
    return 0
