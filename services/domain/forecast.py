"""Days left on a prepaid balance: the one place this forecast is made.

The rate is the balance's fall over the last ``WINDOW`` of elapsed time, divided by the
time the readings span: a partial day counts for the hours it has had, not as a whole
day (counting it whole made the first afternoon's forecast three times too long). Rises
are top-ups and add nothing. The uncertainty comes from how much the rate differs from
one day-long slice to the next (two half-span slices while there is less than two days),
so one quiet or busy day shows as a wider ``±`` rather than a confident wrong figure.

Input is the per-hour roll-ups: ``fall`` of an hour bucket already holds every decrease
from the reading before it, so consecutive buckets give exact steps whatever the
reading rate, at ~170 rows a week.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from ..core.quantities import DAYS_LEFT, DAYS_LEFT_UNCERTAINTY
from .timekeys import from_key, ts_key

WINDOW = timedelta(days=7)
# Less than this between the first and the newest reading gives no forecast.
MIN_SPAN = timedelta(hours=6)
SLICE = timedelta(days=1)
DAY_S = 86400.0
METHOD = "balance fall per elapsed time over the last 7 days, top-ups ignored"

HOURS_SQL = (
    "SELECT last_ts, fall FROM rollups WHERE device = ? AND quantity = ? AND period = 'hour' "
    "AND bucket >= ? ORDER BY bucket"
)


class DaysLeft(BaseModel):
    """A balance's forecast; the retained ``state`` carries ``days_left`` and
    ``days_left_uncertainty`` from it."""

    model_config = ConfigDict(frozen=True)

    balance: float = Field(description="Newest balance.")
    use_per_day: float = Field(description="Mean fall per day over the span.")
    days_left: float | None = Field(description="Balance / use per day; none without use.")
    uncertainty_days: float | None = Field(
        description="One standard error of days_left from the day-to-day spread of the rate."
    )
    span_days: float = Field(description="Elapsed time the readings cover, in days.")
    method: str = Field(default=METHOD, description="How it was computed, in words.")


Step = tuple[datetime, datetime, float]  # start, end, fall


def steps_from_hours(rows: Sequence[tuple[str, float]], since: datetime) -> list[Step]:
    """Consecutive hour buckets ``(last_ts key, fall)`` -> steps; the first bucket in the
    window is the anchor (its fall came from before the window)."""
    points = [(from_key(ts), fall) for ts, fall in rows if from_key(ts) >= since]
    return [(a[0], b[0], b[1]) for a, b in itertools.pairwise(points)]


def forecast(balance: float, steps: Sequence[Step]) -> DaysLeft | None:
    """Days left from the balance's falls; None with under ``MIN_SPAN`` of readings."""
    if not steps:
        return None
    start, end = steps[0][0], steps[-1][1]
    span = (end - start).total_seconds()
    if span < MIN_SPAN.total_seconds():
        return None
    fall = sum(step[2] for step in steps)
    rate = fall / span * DAY_S
    days = balance / rate if rate > 0 else None
    spread = _rate_error(steps, min(SLICE, (end - start) / 2), end)
    error = balance * spread / rate**2 if days is not None and spread is not None else None
    return DaysLeft(
        balance=balance,
        use_per_day=rate,
        days_left=days,
        uncertainty_days=error,
        span_days=span / DAY_S,
    )


def _rate_error(steps: Sequence[Step], width: timedelta, end: datetime) -> float | None:
    """Standard error of the rate (per day) from slices of ``width`` back from ``end``,
    each weighted by the time its steps cover; None when one slice holds everything."""
    slices: dict[int, list[float]] = {}  # slice index -> [seconds, fall]
    for start, stop, fall in steps:
        index = int((end - stop) / width)
        covered = slices.setdefault(index, [0.0, 0.0])
        covered[0] += (stop - start).total_seconds()
        covered[1] += fall
    weights = [(s, f / s * DAY_S) for s, f in slices.values() if s > 0]
    if len(weights) < 2:
        return None
    total = sum(s for s, _ in weights)
    mean = sum(s * r for s, r in weights) / total
    variance = sum(s * (r - mean) ** 2 for s, r in weights) / total
    effective = total**2 / sum(s * s for s, _ in weights)
    return math.sqrt(variance / max(effective - 1.0, 1.0))


def days_left(
    db: sqlite3.Connection, device: str, quantity: str, balance: float, now: datetime
) -> DaysLeft | None:
    """The forecast from ``db``'s hour roll-ups (the store's connection or a read-only one)."""
    since = now - WINDOW
    rows = db.execute(HOURS_SQL, (device, quantity, ts_key(since - timedelta(hours=1)))).fetchall()
    return forecast(balance, steps_from_hours([(r[0], r[1]) for r in rows], since))


def state_fields(result: DaysLeft | None) -> dict[str, float]:
    """What the retained ``state`` carries (rounded to the tenth of a day)."""
    if result is None or result.days_left is None:
        return {}
    fields = {DAYS_LEFT: round(result.days_left, 1)}
    if result.uncertainty_days is not None:
        fields[DAYS_LEFT_UNCERTAINTY] = round(result.uncertainty_days, 1)
    return fields
