"""Every token attempt in SQLite: who asked, when, each step's outcome.

It lives in storage's SQLite file (WAL, so both services write) in a table of its own,
``token_attempts`` (layout in ``database/schema.py``).
The table is also the queue: an attempt still ``queued`` when the service stops is
typed after the restart, since not one of its keys was pressed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..core.messages import TokenState, TokenStep, utc_now
from ..database.connection import connect

# A token in these states is on its way into the meter, or in it: sending it again is
# refused. After ``failed`` the user decides, so it may be sent again.
TAKEN_STATES: tuple[TokenStep, ...] = ("queued", "typing", "typed", "verified")


def _iso_now() -> str:
    return utc_now().isoformat().replace("+00:00", "Z")


@dataclass
class Attempt:
    id: int
    device: str
    request_id: str
    source: str
    token: str
    requested_at: str
    state: TokenStep
    detail: str = ""
    balance_before_kwh: float | None = None
    balance_after_kwh: float | None = None

    def message(self) -> TokenState:
        return TokenState(
            request_id=self.request_id,
            state=self.state,
            detail=self.detail,
            balance_before_kwh=self.balance_before_kwh,
            balance_after_kwh=self.balance_after_kwh,
        )


class AttemptStore:
    def __init__(self, path: Path) -> None:
        self._db = connect(path, "token_entry")

    def add(
        self, device: str, request_id: str, source: str, token: str, state: TokenStep, detail: str
    ) -> Attempt | None:
        """A new attempt; None when this device already has one with ``request_id``."""
        now = _iso_now()
        try:
            with self._db:
                cursor = self._db.execute(
                    "INSERT INTO token_attempts (device, request_id, source, token, requested_at,"
                    " state, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (device, request_id, source, token, now, state, detail, now),
                )
        except sqlite3.IntegrityError:
            return None
        assert cursor.lastrowid is not None
        return Attempt(cursor.lastrowid, device, request_id, source, token, now, state, detail)

    def update(self, attempt: Attempt) -> None:
        with self._db:
            self._db.execute(
                "UPDATE token_attempts SET state = ?, detail = ?, balance_before_kwh = ?, "
                "balance_after_kwh = ?, updated_at = ? WHERE id = ?",
                (
                    attempt.state,
                    attempt.detail,
                    attempt.balance_before_kwh,
                    attempt.balance_after_kwh,
                    _iso_now(),
                    attempt.id,
                ),
            )

    def get(self, device: str, request_id: str) -> Attempt | None:
        row = self._db.execute(
            "SELECT * FROM token_attempts WHERE device = ? AND request_id = ?",
            (device, request_id),
        ).fetchone()
        return _attempt(row) if row else None

    def taken(self, device: str, token: str) -> Attempt | None:
        """The latest attempt that put (or is putting) ``token`` into this meter."""
        marks = ", ".join("?" * len(TAKEN_STATES))
        row = self._db.execute(
            f"SELECT * FROM token_attempts WHERE device = ? AND token = ? AND state IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            (device, token, *TAKEN_STATES),
        ).fetchone()
        return _attempt(row) if row else None

    def unfinished(self) -> list[Attempt]:
        """Attempts a previous run left queued, typing or typed, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM token_attempts WHERE state IN ('queued', 'typing', 'typed') ORDER BY id"
        ).fetchall()
        return [_attempt(row) for row in rows]

    def history(self, device: str, limit: int = 50) -> list[Attempt]:
        rows = self._db.execute(
            "SELECT * FROM token_attempts WHERE device = ? ORDER BY id DESC LIMIT ?",
            (device, limit),
        ).fetchall()
        return [_attempt(row) for row in rows]

    def close(self) -> None:
        self._db.close()


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        row["id"],
        row["device"],
        row["request_id"],
        row["source"],
        row["token"],
        row["requested_at"],
        row["state"],
        row["detail"],
        row["balance_before_kwh"],
        row["balance_after_kwh"],
    )
