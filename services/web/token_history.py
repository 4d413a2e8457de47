"""Token attempts as token_entry records them (its ``token_attempts`` table), read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ..domain.tokens import masked

COLUMNS = (
    "request_id, source, token, requested_at, state, detail, balance_before_kwh, "
    "balance_after_kwh, updated_at"
)


class TokenHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def recent(self, device: str, limit: int) -> list[dict[str, Any]]:
        """Newest first; tokens masked but for their last four digits (a token is money)."""
        if self._db is None:
            if not self.path.exists():
                return []
            self._db = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
        try:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM token_attempts WHERE device = ? ORDER BY id DESC LIMIT ?",
                (device, limit),
            ).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # token_entry has not started yet
                return []
            raise
        return [{**dict(row), "token": masked(row["token"])} for row in rows]
