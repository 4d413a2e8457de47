"""Meterhub's SQLite file, readable by its owner only.

It holds full tokens (token attempts) and refused payloads (the rejected table), so it
is created 0600 before SQLite opens it; SQLite gives the ``-wal``, ``-shm`` and
``-journal`` files it makes the database's mode. A file left by an older version is
tightened on the next start.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

PRIVATE_MODE = 0o600
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def make_private(path: Path) -> None:
    """Create ``path`` (and its folder) owner-only if missing; chmod it and its side files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))
    for name in (path, *(path.with_name(path.name + s) for s in SIDE_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(name, PRIVATE_MODE)


def connect_private(path: Path, **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect`` for writing, the files made private first."""
    make_private(path)
    return sqlite3.connect(path, **kwargs)
