"""Every table's layout as numbered migration 1 found it: one place for each CREATE TABLE.

These scripts are migration 1's (see ``migrations.py``) and are never edited once
shipped: a change to a table is a new migration. Which service writes each table is
``owners.OWNERS``.

Times are stored as fixed-width UTC text, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (see
``timekeys``), so that text order is time order: pydantic's shorter form for whole
seconds (``...:00Z``) would sort after ``...:00.5Z`` of the same second.
"""

from ..core.measurements import READING

# --- storage ----------------------------------------------------------------------------
STORAGE = f"""
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

-- Storage's settings that outlive a restart: the time zone the roll-ups were made in.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

CORRECTIONS = """
CREATE TABLE IF NOT EXISTS corrections (
    id         INTEGER PRIMARY KEY,
    device     TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    ts         TEXT NOT NULL,   -- the reading corrected
    frame_id   TEXT,
    old_value  REAL,            -- NULL: nothing had been stored (a refused frame)
    old_source TEXT,
    new_value  REAL NOT NULL,
    who        TEXT NOT NULL,
    via        TEXT NOT NULL,
    at         TEXT NOT NULL,   -- when it was typed
    example    TEXT             -- the training example kept from the frame
);
CREATE INDEX IF NOT EXISTS corrections_by_device ON corrections (device, at);
"""

# --- capture_gateway: quarter history and month peaks of P1 meters --------------------
CAPACITY = """
CREATE TABLE IF NOT EXISTS capacity_quarters (
    device    TEXT NOT NULL,
    start     TEXT NOT NULL,      -- quarter start, ISO 8601 UTC
    local_day TEXT NOT NULL,      -- YYYY-MM-DD in the capacity time zone
    hhmm      TEXT NOT NULL,      -- local start, HHMM
    dst       TEXT NOT NULL,      -- S (summer time) or W (winter time)
    quarter_id INTEGER NOT NULL,  -- the web page's id (see capacity.quarter_id)
    average_w REAL NOT NULL,
    energy_wh REAL NOT NULL,
    complete  INTEGER NOT NULL,   -- seen from start to end
    running   INTEGER NOT NULL,   -- 1 while the quarter is still going
    source    TEXT NOT NULL,      -- meter (1-0:1.4.0) or counter
    consumed  TEXT NOT NULL,      -- JSON: 5-second import averages (W, null where none)
    produced  TEXT NOT NULL,      -- JSON: 5-second export averages (W, ≤ 0)
    begin_consumed_wh REAL,       -- import counter at the start (Wh); null: not known
    begin_produced_wh REAL,       -- export counter at the start (Wh); null: not known
    PRIMARY KEY (device, start)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS capacity_quarters_by_day ON capacity_quarters (device, local_day);

CREATE TABLE IF NOT EXISTS capacity_months (
    device   TEXT NOT NULL,
    month    TEXT NOT NULL,       -- YYYY-MM, local
    source   TEXT NOT NULL,       -- meter or computed
    peak_w   REAL NOT NULL,
    occurred TEXT,                -- end of the peak quarter, ISO 8601 UTC
    PRIMARY KEY (device, month, source)
) WITHOUT ROWID;
"""

# --- token_entry: every attempt, which is also its queue ------------------------------
TOKEN_ENTRY = """
CREATE TABLE IF NOT EXISTS token_attempts (
    id                 INTEGER PRIMARY KEY,
    device             TEXT NOT NULL,
    request_id         TEXT NOT NULL,
    source             TEXT NOT NULL,          -- who asked: telegram, web, homeassistant, ...
    token              TEXT NOT NULL,          -- the 20 digits; as sent when refused
    requested_at       TEXT NOT NULL,          -- ISO 8601 UTC
    state              TEXT NOT NULL,          -- queued, typing, typed, verified, failed
    detail             TEXT NOT NULL DEFAULT '',
    balance_before_kwh REAL,
    balance_after_kwh  REAL,
    updated_at         TEXT NOT NULL,
    UNIQUE (device, request_id)                -- a redelivered request is one attempt
);
CREATE INDEX IF NOT EXISTS token_attempts_by_token ON token_attempts (device, token);
"""

# --- notifier: each chat's language and check times ----------------------------------
NOTIFIER = """
CREATE TABLE IF NOT EXISTS notifier_chats (
    chat_id  INTEGER PRIMARY KEY,
    language TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifier_schedules (
    chat_id INTEGER NOT NULL,
    at      TEXT NOT NULL,            -- HH:MM in the configured time zone
    PRIMARY KEY (chat_id, at)
) WITHOUT ROWID;
"""

# Every script of migration 1, in order.
LAYOUT = (STORAGE, CORRECTIONS, CAPACITY, TOKEN_ENTRY, NOTIFIER)

# Columns files from before numbered migrations may lack (CREATE IF NOT EXISTS does not
# add them): table -> (column, its definition). Migration 1 adds the missing ones.
ADDED_COLUMNS = {
    "outbox": [("measurement", f"TEXT NOT NULL DEFAULT '{READING}'")],
    "capacity_quarters": [("begin_consumed_wh", "REAL"), ("begin_produced_wh", "REAL")],
}
