"""SQLite schema; one place, applied idempotently at start."""

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    device     TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    ts         TEXT NOT NULL,           -- ISO 8601 UTC, sortable
    source     TEXT NOT NULL,
    value      REAL NOT NULL,
    confidence REAL,
    frame_id   TEXT,
    PRIMARY KEY (device, quantity, ts, source)   -- a replayed reading is not stored twice
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS latest (
    device   TEXT NOT NULL,
    quantity TEXT NOT NULL,
    ts       TEXT NOT NULL,
    source   TEXT NOT NULL,
    value    REAL NOT NULL,
    frame_id TEXT,
    PRIMARY KEY (device, quantity)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rejected (
    id          INTEGER PRIMARY KEY,
    device      TEXT NOT NULL,
    ts          TEXT NOT NULL,
    source      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    payload     TEXT
);
CREATE INDEX IF NOT EXISTS rejected_by_device ON rejected (device, ts);
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(SCHEMA)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA busy_timeout=5000")
    return connection
