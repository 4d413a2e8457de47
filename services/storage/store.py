"""Writes readings and rejections; idempotent so at-least-once delivery stores once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..core.messages import Reading, Rejected
from .schema import connect


def iso(reading_ts: object) -> str:
    return reading_ts.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


class ReadingStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection = connect(path)

    def add_reading(self, reading: Reading) -> bool:
        """Store ``reading``; False when it was already stored (a redelivery)."""
        ts = iso(reading.ts)
        rows = [
            (
                reading.device,
                quantity,
                ts,
                reading.source,
                value,
                reading.confidence,
                reading.frame_id,
            )
            for quantity, value in reading.values.items()
        ]
        with self._db:
            cursor = self._db.executemany(
                "INSERT OR IGNORE INTO readings (device, quantity, ts, source, value, confidence, "
                "frame_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if cursor.rowcount == 0:
                return False
            self._db.executemany(
                "INSERT INTO latest (device, quantity, ts, source, value, frame_id) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device, quantity) DO UPDATE SET "
                "ts = excluded.ts, source = excluded.source, value = excluded.value, "
                "frame_id = excluded.frame_id WHERE excluded.ts >= latest.ts",
                [(d, q, t, s, v, f) for d, q, t, s, v, _, f in rows],
            )
        return True

    def add_rejected(self, rejected: Rejected) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO rejected (device, ts, source, reason, payload) VALUES (?, ?, ?, ?, ?)",
                (
                    rejected.device,
                    iso(rejected.ts),
                    rejected.source,
                    rejected.reason,
                    json.dumps(rejected.reading, default=str),
                ),
            )

    def state(self, device: str) -> dict[str, object]:
        """Flat latest values of ``device``: ``{"ts": newest, "<quantity>": value, ...}``."""
        rows = self._db.execute(
            "SELECT quantity, ts, value FROM latest WHERE device = ? ORDER BY quantity", (device,)
        ).fetchall()
        if not rows:
            return {}
        state: dict[str, object] = {"ts": max(row["ts"] for row in rows)}
        state.update({row["quantity"]: row["value"] for row in rows})
        return state

    def close(self) -> None:
        self._db.close()
