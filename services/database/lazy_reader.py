"""A read connection opened on first use, for readers that may start before the writers.

The web page and the bot start beside the services that own the tables they read: until
the file exists, or while a file from before numbered migrations still lacks a table its
owner has not made yet, a query answers "nothing yet" rather than failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .connection import connect_read

T = TypeVar("T")


class LazyReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def run(self, query: Callable[[sqlite3.Connection], T], empty: T) -> T:
        if self._db is None:
            if not self.path.exists():
                return empty
            self._db = connect_read(self.path)
        try:
            return query(self._db)
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return empty
            raise

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
