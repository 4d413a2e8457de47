"""How much a meter used, from storage's ``readings`` table (read-only).

Readings are thinned to the last value of each UTC hour in SQL, so a P1 meter's
600,000 rows a week stay a few hundred. A prepaid balance falls with use and jumps up
on a top-up: only the falls count as use. Days left is storage's forecast, not made here.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from ..core.quantities import QuantityKind, quantity
from ..core.timestamps import parse_aware
from .connection import connect_read


@dataclass(frozen=True)
class Point:
    ts: datetime
    value: float


def _iso(moment: datetime) -> str:
    """Storage's fixed-width UTC text, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UsageQueries:
    def __init__(self, sqlite_path: Path) -> None:
        self.path = sqlite_path

    def _hourly(self, device: str, key: str, since: datetime) -> list[Point]:
        if not self.path.exists():
            return []
        try:
            db = connect_read(self.path)  # one per call: calls run in threads side by side
        except sqlite3.Error:
            return []
        try:
            # SQLite returns the bare column `value` from the row holding max(ts).
            rows = db.execute(
                "SELECT substr(ts, 1, 13) AS hour, max(ts), value FROM readings "
                "WHERE device = ? AND quantity = ? AND ts >= ? GROUP BY hour ORDER BY hour",
                (device, key, _iso(since)),
            ).fetchall()
        except sqlite3.OperationalError:  # storage has not created its tables yet
            return []
        finally:
            db.close()
        return [Point(parse_aware(ts), value) for _, ts, value in rows]

    async def hourly(self, device: str, key: str, since: datetime) -> list[Point]:
        return await asyncio.to_thread(self._hourly, device, key, since)

    async def per_day(
        self, device: str, key: str, now: datetime, zone: tzinfo, days: int = 7
    ) -> list[tuple[date, float]]:
        """Use per local day for the last ``days`` days, oldest first (0 for silent days)."""
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, datetime.min.time(), zone) - timedelta(hours=1)
        totals = {first + timedelta(days=i): 0.0 for i in range(days)}
        for ts, used in _uses(await self.hourly(device, key, since), key):
            day = ts.astimezone(zone).date()
            if day in totals:
                totals[day] += used
        return list(totals.items())


def _uses(points: list[Point], key: str) -> list[tuple[datetime, float]]:
    """Use between consecutive points, stamped with the later one."""
    falling = quantity(key).kind is QuantityKind.BALANCE
    result = []
    for before, after in itertools.pairwise(points):
        step = before.value - after.value if falling else after.value - before.value
        result.append((after.ts, max(step, 0.0)))
    return result
