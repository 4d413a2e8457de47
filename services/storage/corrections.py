"""Corrections: a value a person typed replaces what a frame was read as, in the open.

A correction becomes a reading with ``source: "manual"`` at the corrected frame's time.
Any other reading of that quantity at that time (or of that frame) is taken out of the
history, and one row of ``corrections`` keeps who changed what, when, from which value
to which, so nothing is rewritten unseen. The sinks are told to take the replaced
point out too (a ``RETRACTION`` row in their queue, see ``core.measurements``).
The roll-ups touched are folded again: the minute buckets from the raw readings
kept, every coarser bucket from the finer buckets it is made of (finer roll-ups outlive
the raw readings), so a month whose early days are past raw retention still comes out
right. The manual reading goes to the sinks' queue
like any other, so InfluxDB and Firebase get the corrected value.

Everything here runs on the store's database thread, inside its transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from ..core.messages import Correction
from ..domain.timekeys import PERIOD_NAMES, BucketClock, from_key, ts_key
from . import rollups

MANUAL = "manual"
MINUTE = timedelta(minutes=1)
MAX_FINER = 64  # finer buckets in one coarser one: at most 31 days in a month


@dataclass(frozen=True)
class Applied:
    ts: str  # key of the corrected reading
    replaced: list[tuple[str, float]]  # (source, value) of the readings taken out
    duplicate: bool  # this correction had been applied before


def apply(db: sqlite3.Connection, clock: BucketClock, correction: Correction) -> Applied:
    """Store the manual reading, take out what it replaces, log it, fold the roll-ups."""
    device, quantity, at = correction.device, correction.quantity, ts_key(correction.at)
    ts = _target(db, correction)
    if db.execute(
        "SELECT 1 FROM corrections WHERE device = ? AND quantity = ? AND at = ? AND who = ?",
        (device, quantity, at, correction.who),
    ).fetchone():
        return Applied(ts, [], duplicate=True)
    replaced = [
        (row[0], row[1])
        for row in db.execute(
            "SELECT source, value FROM readings WHERE device = ? AND quantity = ? AND ts = ?",
            (device, quantity, ts),
        )
    ]
    following = db.execute(
        "SELECT min(ts) FROM readings WHERE device = ? AND quantity = ? AND ts > ?",
        (device, quantity, ts),
    ).fetchone()[0]
    db.execute(
        "DELETE FROM readings WHERE device = ? AND quantity = ? AND ts = ?", (device, quantity, ts)
    )
    db.execute(
        "INSERT INTO readings (device, quantity, ts, source, value, confidence, frame_id) "
        "VALUES (?, ?, ?, ?, ?, NULL, ?)",
        (device, quantity, ts, MANUAL, correction.value, correction.frame_id),
    )
    db.executemany(
        "INSERT INTO corrections (device, quantity, ts, frame_id, old_value, old_source, "
        "new_value, who, via, at, example) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (device, quantity, ts, correction.frame_id, old_value, old_source,
             correction.value, correction.who, correction.via, at, correction.example)
            for old_source, old_value in (replaced or [(None, None)])
        ],
    )  # fmt: skip
    refold(db, clock, device, quantity, [ts, *([following] if following else [])])
    return Applied(ts, replaced, duplicate=False)


def _target(db: sqlite3.Connection, correction: Correction) -> str:
    """The time of the reading corrected: the one of its frame if one was stored."""
    if correction.frame_id:
        row = db.execute(
            "SELECT ts FROM readings WHERE device = ? AND quantity = ? AND frame_id = ? "
            "ORDER BY ts DESC LIMIT 1",
            (correction.device, correction.quantity, correction.frame_id),
        ).fetchone()
        if row is not None:
            return str(row[0])
    return ts_key(correction.ts)


def newest(
    db: sqlite3.Connection, device: str, quantity: str
) -> tuple[str, str, float, str | None]:
    """The series' newest stored reading: ts key, source, value, frame id."""
    row = db.execute(
        "SELECT ts, source, value, frame_id FROM readings WHERE device = ? AND quantity = ? "
        "ORDER BY ts DESC LIMIT 1",
        (device, quantity),
    ).fetchone()
    return str(row[0]), str(row[1]), float(row[2]), row[3]


def point_fields(db: sqlite3.Connection, device: str, ts: str, source: str) -> dict[str, float]:
    """What is still stored of one sink point (device, time, source): the quantities a
    correction did not touch, written again after the point is taken out."""
    return dict(
        db.execute(
            "SELECT quantity, value FROM readings WHERE device = ? AND ts = ? AND source = ?",
            (device, ts, source),
        ).fetchall()
    )


def refold(
    db: sqlite3.Connection, clock: BucketClock, device: str, quantity: str, moments: list[str]
) -> None:
    """Rebuild every roll-up bucket holding one of ``moments`` (ts keys)."""
    minutes = sorted({clock.bucket(PERIOD_NAMES[0], from_key(m)) for m in moments})
    for start in minutes:
        _minute_from_raw(db, clock, device, quantity, start)
    for finer, period in pairwise(PERIOD_NAMES):
        for bucket in sorted({clock.bucket(period, from_key(m)) for m in moments}):
            _from_finer(db, clock, device, quantity, finer, period, bucket)


def _minute_from_raw(
    db: sqlite3.Connection, clock: BucketClock, device: str, quantity: str, start: str
) -> None:
    end = ts_key(from_key(start) + MINUTE)
    before = db.execute(
        "SELECT ts, value FROM readings WHERE device = ? AND quantity = ? AND ts < ? "
        "ORDER BY ts DESC LIMIT 1",
        (device, quantity, start),
    ).fetchone()
    previous = {(device, quantity): (before[0], before[1])} if before else {}
    rows = [
        (device, quantity, t, int(from_key(t).timestamp()) // 60, v, None)
        for t, v in db.execute(
            "SELECT ts, value FROM readings WHERE device = ? AND quantity = ? AND ts >= ? "
            "AND ts < ? ORDER BY ts",
            (device, quantity, start, end),
        )
    ]
    db.execute(
        "DELETE FROM rollups WHERE device = ? AND quantity = ? AND period = ? AND bucket = ?",
        (device, quantity, PERIOD_NAMES[0], start),
    )
    buckets = rollups.aggregate(rows, previous, clock)
    rollups.write(db, {k: a for k, a in buckets.items() if k[2] == PERIOD_NAMES[0]})


def _from_finer(
    db: sqlite3.Connection,
    clock: BucketClock,
    device: str,
    quantity: str,
    finer: str,
    period: str,
    bucket: str,
) -> None:
    """One bucket as the merge of the finer buckets inside it, in time order."""
    merged: rollups.Agg | None = None
    for row in db.execute(
        "SELECT bucket, n, total, min, max, first_ts, first, last_ts, last, rise, fall "
        "FROM rollups WHERE device = ? AND quantity = ? AND period = ? AND bucket >= ? "
        "ORDER BY bucket LIMIT ?",
        (device, quantity, finer, bucket, MAX_FINER),
    ).fetchall():
        if clock.bucket(period, from_key(row[0])) != bucket:
            break
        part = rollups.Agg(*row[1:])
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    db.execute(
        "DELETE FROM rollups WHERE device = ? AND quantity = ? AND period = ? AND bucket = ?",
        (device, quantity, period, bucket),
    )
    if merged is not None:
        rollups.write(db, {(device, quantity, period, bucket): merged})
