"""SQLite schema; one place, applied idempotently at start.

Times are stored as fixed-width UTC text, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (see
``timekeys``), so that text order is time order: pydantic's shorter form for whole
seconds (``...:00Z``) would sort after ``...:00.5Z`` of the same second.

Tokens: the token-entry service keeps its own tables in this same file; storage does
not create any token table, so the two never conflict.
"""

import sqlite3
from pathlib import Path

from ..core.measurements import READING
from ..core.sqlite_files import connect_private

SCHEMA_VERSION = "2"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS readings (
    device     TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    ts         TEXT NOT NULL,
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

-- One row per device, quantity, period (minute, quarter, hour, day, month) and bucket
-- start. rise/fall sum the increases/decreases between consecutive readings (in time
-- order), credited to the bucket of the later one: rise of a counter is its
-- consumption, fall of a prepaid balance its use (top-ups are rise).
CREATE TABLE IF NOT EXISTS rollups (
    device   TEXT NOT NULL,
    quantity TEXT NOT NULL,
    period   TEXT NOT NULL,
    bucket   TEXT NOT NULL,
    n        INTEGER NOT NULL,
    total    REAL NOT NULL,
    min      REAL NOT NULL,
    max      REAL NOT NULL,
    first_ts TEXT NOT NULL,
    first    REAL NOT NULL,
    last_ts  TEXT NOT NULL,
    last     REAL NOT NULL,
    rise     REAL NOT NULL,
    fall     REAL NOT NULL,
    PRIMARY KEY (device, quantity, period, bucket)
) WITHOUT ROWID;

-- The sinks' queue: accepted readings in commit order. Each sink has its own position
-- in it (sink_state.position); a row goes once every configured sink is past it.
CREATE TABLE IF NOT EXISTS outbox (
    seq    INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    ts     TEXT NOT NULL,
    source TEXT NOT NULL,     -- the measurement's second tag: a reading's source, a cost's currency
    vals   TEXT NOT NULL,     -- JSON object field -> value
    size   INTEGER NOT NULL,  -- bytes this row takes, for the per-sink disk cap
    measurement TEXT NOT NULL DEFAULT '{READING}'  -- which one: core/measurements.py
);

CREATE TABLE IF NOT EXISTS sink_state (
    sink          TEXT PRIMARY KEY,
    position      INTEGER NOT NULL,            -- last outbox seq the sink has (or skipped)
    pending_bytes INTEGER NOT NULL DEFAULT 0,
    sent          INTEGER NOT NULL DEFAULT 0,
    dropped       INTEGER NOT NULL DEFAULT 0,  -- over the disk cap, never sent
    refused       INTEGER NOT NULL DEFAULT 0,  -- the sink answered that it never will take them
    last_ok       TEXT,
    last_error    TEXT,
    last_error_at TEXT
);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


# Columns added after a table was first shipped: table -> (column, its definition).
ADDED_COLUMNS = {
    "outbox": [("measurement", f"TEXT NOT NULL DEFAULT '{READING}'")],
}


def _add_columns(connection: sqlite3.Connection) -> None:
    """Bring a file made by an older version up to the schema (CREATE IF NOT EXISTS does not)."""
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns:
            if name not in present:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with explicit transactions (``BEGIN``/``COMMIT`` by the caller)."""
    if readonly:
        connection = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        connection = connect_private(path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the broker gets its ack, so even a power cut
        # loses nothing; batching keeps the fsyncs few (slower disks make batches bigger).
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(SCHEMA)
        _add_columns(connection)
        connection.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA busy_timeout=5000")
    return connection
