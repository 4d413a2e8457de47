"""The one way to open the hub's SQLite file: a writer for a table's owner, or a reader.

The pragmas live here and nowhere else:

- ``journal_mode=WAL`` (kept in the file): readers never block the writers, and several
  services write their own tables of the one file.
- ``busy_timeout=5000``: a writer waits for another's commit instead of failing (and the
  switch to WAL, which SQLite does not wait for, is retried as long).
- ``synchronous`` per owner (``SYNCHRONOUS``): FULL where a commit must survive a power
  cut, NORMAL where losing the last seconds costs nothing (WAL is never corrupted by it).
- Foreign keys are not used: each table has one owner and no table refers to another's.

A writer's file is made owner-only first (``make_private``), the pending migrations are
applied, and SQLite's authorizer then refuses writes to any table the owner does not
own (``owners.OWNERS``) and any CREATE/DROP/ALTER TABLE outside a migration. A reader
opens the file read-only (``mode=ro``) and refuses a file newer than this code knows.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from . import migrations
from .owners import OWNERS, Owner

PRIVATE_MODE = 0o600
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 5000

# How hard each owner's commits are pushed to disk, and why.
SYNCHRONOUS: dict[Owner, str] = {
    # A batch is acknowledged to the broker only after its commit: it must be on disk.
    "storage": "FULL",
    # An attempt's state decides after a restart whether a token is typed: never retype.
    "token_entry": "FULL",
    # A chat's language and check times change rarely; a user's setting is kept.
    "notifier": "FULL",
    # A running quarter is saved every telegram (1-10 s); a power cut losing the last
    # ones costs seconds of samples the next telegram writes again.
    "capture_gateway": "NORMAL",
}
_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_LAYOUT = {sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_ALTER_TABLE}


def make_private(path: Path) -> None:
    """Create ``path`` (and its folder) owner-only if missing; chmod it and its side files.

    The file holds full tokens and refused payloads; SQLite gives the side files it makes
    the database's mode, and a file left by an older version is tightened here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))
    for name in (path, *(path.with_name(path.name + s) for s in SIDE_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(name, PRIVATE_MODE)


def _owner_only(owner: Owner) -> Callable[..., int]:
    def authorize(
        action: int, arg1: str | None, arg2: str | None, db: str | None, _: object
    ) -> int:
        # ALTER TABLE names (database, table); the others (table, ..., database).
        table, db = (arg2, arg1) if action == sqlite3.SQLITE_ALTER_TABLE else (arg1, db)
        if db != "main" or table not in OWNERS:  # VACUUM copies through a scratch database
            return sqlite3.SQLITE_OK
        if action in _WRITES and OWNERS[table] != owner:
            return sqlite3.SQLITE_DENY
        if action in _LAYOUT:
            return sqlite3.SQLITE_DENY  # the layout changes in migrations only
        return sqlite3.SQLITE_OK

    return authorize


def _enter_wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting out other services doing the same.

    SQLite answers "database is locked" at once, without its busy handler, when two
    connections switch a new file's journal mode together (services starting at once):
    this retries for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def connect(path: Path, owner: Owner, *, autocommit: bool = False) -> sqlite3.Connection:
    """A writer for ``owner``'s tables, the file migrated to this code's layout.

    ``autocommit``: the caller runs its own ``BEGIN``/``COMMIT`` (storage's batches);
    otherwise Python's implicit transactions (``with db:``) apply."""
    make_private(path)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _enter_wal(db)
        db.execute(f"PRAGMA synchronous={SYNCHRONOUS[owner]}")
        migrations.migrate(db, path)
    except BaseException:
        db.close()
        raise
    db.set_authorizer(_owner_only(owner))
    if not autocommit:
        db.isolation_level = ""
    db.row_factory = sqlite3.Row
    return db


def connect_read(path: Path) -> sqlite3.Connection:
    """A read-only connection (any service, any table); refuses a file newer than known."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        migrations.check(db, path)
    except BaseException:
        db.close()
        raise
    db.row_factory = sqlite3.Row
    return db
