"""Bucketed history for the web's hot path: storage's roll-ups read as plain tuples.

The same rows ``ReadingQueries.history`` returns (a test holds them equal), without its
per-row mappings: a year at ``every=1h`` is 8,760 rows, and the page asks for it whole.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ..domain.timekeys import iso
from .lazy_reader import LazyReader

BUCKETS_SQL = (
    "SELECT bucket, n, total, min, max, first, last, rise, fall FROM rollups "
    "WHERE device = ? AND quantity = ? AND period = ? AND bucket >= ? AND bucket < ? "
    "ORDER BY bucket LIMIT ?"
)
# Which column is a quantity's consumption, by its kind (gauges have none).
USED_COLUMN = {"counter": 7, "balance": 8}


class HistoryReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader = LazyReader(path)

    def buckets(
        self, device: str, quantity: str, period: str, low: str, high: str, limit: int, kind: str
    ) -> list[dict[str, Any]]:
        """Buckets of ``period`` with start in ``[low, high)`` (storage keys), oldest first."""

        def query(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
            cursor = db.cursor()
            cursor.row_factory = None  # plain tuples: the hot path
            return cursor.execute(
                BUCKETS_SQL, (device, quantity, period, low, high, limit)
            ).fetchall()

        rows = self._reader.run(query, [])
        used = USED_COLUMN.get(kind)
        return [
            {
                "ts": iso(r[0]), "n": r[1], "avg": r[2] / r[1], "min": r[3], "max": r[4],
                "first": r[5], "last": r[6], "rise": r[7], "fall": r[8],
                "used": r[used] if used is not None else None,
            }
            for r in rows
        ]  # fmt: skip
