"""Token attempts as token_entry records them (its ``token_attempts`` table), read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ..domain.tokens import masked
from .lazy_reader import LazyReader

COLUMNS = (
    "request_id, source, token, requested_at, state, detail, balance_before_kwh, "
    "balance_after_kwh, updated_at"
)


class TokenHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader = LazyReader(path)

    def recent(self, device: str, limit: int) -> list[dict[str, Any]]:
        """Newest first; tokens masked but for their last four digits (a token is money)."""

        def query(db: sqlite3.Connection) -> list[sqlite3.Row]:
            return db.execute(
                f"SELECT {COLUMNS} FROM token_attempts WHERE device = ? ORDER BY id DESC LIMIT ?",
                (device, limit),
            ).fetchall()

        rows = self._reader.run(query, [])  # none before token_entry's first start
        return [{**dict(row), "token": masked(row["token"])} for row in rows]
