"""Read side for the web page and the bot; opens the database read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ..core.quantities import QUANTITIES
from .schema import connect


class ReadingQueries:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and self.path.exists():
            self._db = connect(self.path, readonly=True)
        return self._db

    def latest(self, device: str) -> dict[str, Any] | None:
        """Newest value of every quantity of ``device`` with its unit and time."""
        db = self._connection()
        if db is None:
            return None
        rows = db.execute(
            "SELECT quantity, ts, source, value, frame_id FROM latest WHERE device = ? "
            "ORDER BY quantity",
            (device,),
        ).fetchall()
        if not rows:
            return None
        return {
            "device": device,
            "ts": max(row["ts"] for row in rows),
            "values": {
                row["quantity"]: {
                    "value": row["value"],
                    "unit": QUANTITIES[row["quantity"]].unit
                    if row["quantity"] in QUANTITIES
                    else None,
                    "ts": row["ts"],
                    "source": row["source"],
                    "frame_id": row["frame_id"],
                }
                for row in rows
            },
        }

    def last_seen(self) -> dict[str, str]:
        db = self._connection()
        if db is None:
            return {}
        rows = db.execute("SELECT device, max(ts) AS ts FROM latest GROUP BY device").fetchall()
        return {row["device"]: row["ts"] for row in rows}

    def rejected(self, device: str, limit: int = 20) -> list[dict[str, Any]]:
        db = self._connection()
        if db is None:
            return []
        rows = db.execute(
            "SELECT ts, source, reason FROM rejected WHERE device = ? ORDER BY id DESC LIMIT ?",
            (device, limit),
        ).fetchall()
        return [dict(row) for row in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
