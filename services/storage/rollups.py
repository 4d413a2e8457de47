"""Per-minute/quarter/hour/day/month roll-ups, folded from each committed batch.

A batch is aggregated in memory per device, quantity and minute, the minutes are folded
into the coarser periods, and each bucket is then one upsert, so the cost per reading
stays small however many periods there are.

rise/fall need the previous value in time order: it is the device's latest stored value
(kept in memory by the store). A reading older than that latest one (arriving late) is
counted in n/min/max/avg but adds no rise/fall, since its neighbours are unknown here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from ..domain.timekeys import PERIOD_NAMES, BucketClock


@dataclass
class Agg:
    n: int
    total: float
    min: float
    max: float
    first_ts: str
    first: float
    last_ts: str
    last: float
    rise: float = 0.0
    fall: float = 0.0

    def merge(self, other: Agg) -> None:
        self.n += other.n
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if other.first_ts < self.first_ts:
            self.first_ts, self.first = other.first_ts, other.first
        if other.last_ts >= self.last_ts:
            self.last_ts, self.last = other.last_ts, other.last
        self.rise += other.rise
        self.fall += other.fall


# A row of the batch: device, quantity, ts key, epoch minute, value, tag (see aggregate).
Row = tuple[str, str, str, int, float, object]
Key = tuple[str, str, str, str]  # device, quantity, period, bucket

UPSERT = """
INSERT INTO rollups (device, quantity, period, bucket, n, total, min, max,
                     first_ts, first, last_ts, last, rise, fall)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (device, quantity, period, bucket) DO UPDATE SET
    n = n + excluded.n,
    total = total + excluded.total,
    min = min(min, excluded.min),
    max = max(max, excluded.max),
    first_ts = CASE WHEN excluded.first_ts < first_ts THEN excluded.first_ts ELSE first_ts END,
    first = CASE WHEN excluded.first_ts < first_ts THEN excluded.first ELSE first END,
    last_ts = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last_ts ELSE last_ts END,
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    rise = rise + excluded.rise,
    fall = fall + excluded.fall
"""


def aggregate(
    rows: Iterable[Row],
    previous: dict[tuple[str, str], tuple[str, float]],
    clock: BucketClock,
    newest: dict[tuple[str, str], object] | None = None,
) -> dict[Key, Agg]:
    """Buckets of every period touched by ``rows``; advances ``previous`` (newest per series).

    ``newest`` (when given) receives, per series whose newest value is among ``rows``,
    the tag (last element) of that row.
    """
    series: dict[tuple[str, str], list[tuple[str, int, float, object]]] = {}
    for device, quantity, ts, minute, value, tag in rows:
        series.setdefault((device, quantity), []).append((ts, minute, value, tag))
    buckets: dict[Key, Agg] = {}
    by_ts, by_minute = itemgetter(0), itemgetter(1)
    for (device, quantity), points in series.items():
        points.sort(key=by_ts)
        last = previous.get((device, quantity))
        for minute, group in groupby(points, key=by_minute):
            members = list(group)
            values = [point[2] for point in members]
            rise = fall = 0.0
            for ts, _, value, tag in members:
                if last is None or ts >= last[0]:
                    if last is not None and ts > last[0]:
                        delta = value - last[1]
                        if delta > 0:
                            rise += delta
                        else:
                            fall -= delta
                    last = (ts, value)
                    if newest is not None:
                        newest[(device, quantity)] = tag
            agg = Agg(
                len(values), sum(values), min(values), max(values),
                members[0][0], values[0], members[-1][0], values[-1], rise, fall,
            )  # fmt: skip
            for period, bucket in zip(PERIOD_NAMES, clock.buckets(minute), strict=True):
                key = (device, quantity, period, bucket)
                into = buckets.get(key)
                if into is None:
                    buckets[key] = Agg(**vars(agg))
                else:
                    into.merge(agg)
        if last is not None:
            previous[(device, quantity)] = last
    return buckets


def write(db: sqlite3.Connection, buckets: dict[Key, Agg]) -> None:
    db.executemany(
        UPSERT,
        [
            (
                *key,
                a.n,
                a.total,
                a.min,
                a.max,
                a.first_ts,
                a.first,
                a.last_ts,
                a.last,
                a.rise,
                a.fall,
            )
            for key, a in buckets.items()
        ],
    )
