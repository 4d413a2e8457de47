"""Numbered migrations of the hub's SQLite file, counted in ``PRAGMA user_version``.

One ordered list for the whole file, whichever service owns the tables a step touches:
storage, the gateway, token_entry and the bot share the file, and a file has one
``user_version``. Every writer runs the pending steps when it opens its connection
(at its start), each step in its own ``BEGIN IMMEDIATE`` transaction with the version
bump, so two services starting at once apply each step once, and a step that fails
leaves the file as it was. A file whose version is newer than this code knows is
refused with a clear error rather than read or written by a layout it does not know.

A shipped step is never edited: a new table or column is a new step at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import schema


class SchemaTooNew(RuntimeError):
    """The file was written by a newer Meterhub; this one does not know its layout."""


@dataclass(frozen=True)
class Migration:
    number: int  # the user_version the file has once this step is applied
    why: str
    apply: Callable[[sqlite3.Connection], None]


def statements(script: str) -> list[str]:
    """A script cut into statements: ``executescript`` would commit the open transaction."""
    found, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        found.append(current.strip())
    return found


def _run(*scripts: str) -> Callable[[sqlite3.Connection], None]:
    def apply(db: sqlite3.Connection) -> None:
        for script in scripts:
            for statement in statements(script):
                db.execute(statement)

    return apply


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _layout(db: sqlite3.Connection) -> None:
    """Every table as the code had it before numbered migrations, in any older file too:
    a file from then has some of them (and ``meta.schema_version`` "2"), maybe without
    the columns added later."""
    _run(*schema.LAYOUT)(db)
    for table, columns in schema.ADDED_COLUMNS.items():
        present = _columns(db, table)
        for name, definition in columns:
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "every table of every owner, as before numbered migrations", _layout),
    Migration(
        2,
        "user_version counts migrations: meta's schema_version row, never read, goes",
        _run("DELETE FROM meta WHERE key = 'schema_version';"),
    ),
)
LATEST = MIGRATIONS[-1].number


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check(db: sqlite3.Connection, path: Path) -> int:
    """The file's version; SchemaTooNew when this code does not know it."""
    found = version(db)
    if found > LATEST:
        raise SchemaTooNew(
            f"{path} has database version {found}, this Meterhub knows up to {LATEST}: "
            "it was written by a newer Meterhub; run that version (or newer) on it"
        )
    return found


def migrate(db: sqlite3.Connection, path: Path) -> int:
    """Apply the pending steps, each in one transaction; returns the version reached.

    ``db`` must be in autocommit mode (``isolation_level=None``)."""
    current = check(db, path)
    for step in MIGRATIONS[current:]:
        db.execute("BEGIN IMMEDIATE")
        try:
            if check(db, path) >= step.number:  # done before, or by a service beside us
                db.execute("ROLLBACK")
                continue
            step.apply(db)
            db.execute(f"PRAGMA user_version = {step.number}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return LATEST
