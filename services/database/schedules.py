"""The bot's own memory in the hub's SQLite file: each chat's language and check times.

Its tables live beside storage's (same file, own names, layout in ``schema.NOTIFIER``), so a
restart or a second container keeps the schedules a user set. Calls run in a thread:
the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .connection import connect, connect_read

T = TypeVar("T")


def scheduled_times(path: Path) -> list[str]:
    """Every chat's check times (HH:MM in the bot's zone), distinct and in order; read-only,
    for other services (the Firebase legacy layout's ``/jadwal``). None yet: empty."""
    if not path.exists():
        return []
    db = connect_read(path)
    try:
        rows = db.execute("SELECT DISTINCT at FROM notifier_schedules ORDER BY at").fetchall()
    except sqlite3.OperationalError:  # the bot has not made its tables yet
        return []
    finally:
        db.close()
    return [at for (at,) in rows]


class ChatStore:
    def __init__(self, path: Path) -> None:
        self._db = connect(path, "notifier")
        self._lock = threading.Lock()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock, self._db:
                return work(self._db)

        return await asyncio.to_thread(locked)

    async def ensure_chat(self, chat_id: int, language: str, times: list[str]) -> None:
        """A chat seen for the first time starts with the default language and schedule."""

        def work(db: sqlite3.Connection) -> None:
            added = db.execute(
                "INSERT OR IGNORE INTO notifier_chats (chat_id, language) VALUES (?, ?)",
                (chat_id, language),
            ).rowcount
            if added:
                db.executemany(
                    "INSERT OR IGNORE INTO notifier_schedules (chat_id, at) VALUES (?, ?)",
                    [(chat_id, at) for at in times],
                )

        await self._run(work)

    async def language(self, chat_id: int) -> str | None:
        def work(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT language FROM notifier_chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
            return row[0] if row else None

        return await self._run(work)

    async def set_language(self, chat_id: int, language: str) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE notifier_chats SET language = ? WHERE chat_id = ?", (language, chat_id)
            )
        )

    async def times(self, chat_id: int) -> list[str]:
        def work(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT at FROM notifier_schedules WHERE chat_id = ? ORDER BY at", (chat_id,)
            )
            return [row[0] for row in rows]

        return await self._run(work)

    async def all_times(self) -> dict[int, list[str]]:
        def work(db: sqlite3.Connection) -> dict[int, list[str]]:
            result: dict[int, list[str]] = {}
            for chat_id, at in db.execute(
                "SELECT chat_id, at FROM notifier_schedules ORDER BY chat_id, at"
            ):
                result.setdefault(chat_id, []).append(at)
            return result

        return await self._run(work)

    async def set_times(self, chat_id: int, times: list[str]) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM notifier_schedules WHERE chat_id = ?", (chat_id,))
            db.executemany(
                "INSERT OR IGNORE INTO notifier_schedules (chat_id, at) VALUES (?, ?)",
                [(chat_id, at) for at in times],
            )

        await self._run(work)

    async def add_time(self, chat_id: int, at: str) -> None:
        await self._run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO notifier_schedules (chat_id, at) VALUES (?, ?)",
                (chat_id, at),
            )
        )

    async def remove_time(self, chat_id: int, at: str) -> bool:
        return await self._run(
            lambda db: (
                db.execute(
                    "DELETE FROM notifier_schedules WHERE chat_id = ? AND at = ?", (chat_id, at)
                ).rowcount
                > 0
            )
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
