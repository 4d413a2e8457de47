"""Numbered migrations, the pragmas and the ownership rule, on real SQLite files."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from services.database import migrations
from services.database.connection import SYNCHRONOUS, connect, connect_read
from services.database.migrations import LATEST, MIGRATIONS, Migration, SchemaTooNew
from services.database.owners import OWNERS

# The file as the code before numbered migrations made it when every service had run:
# storage's schema "2" (with meta), corrections, the gateway's, token_entry's and the
# bot's tables, comments left out. Frozen here: the code's own layout may move on.
OLD_LAYOUT = """
CREATE TABLE readings (device TEXT NOT NULL, quantity TEXT NOT NULL, ts TEXT NOT NULL,
    source TEXT NOT NULL, value REAL NOT NULL, confidence REAL, frame_id TEXT,
    PRIMARY KEY (device, quantity, ts, source)) WITHOUT ROWID;
CREATE TABLE latest (device TEXT NOT NULL, quantity TEXT NOT NULL, ts TEXT NOT NULL,
    source TEXT NOT NULL, value REAL NOT NULL, frame_id TEXT,
    PRIMARY KEY (device, quantity)) WITHOUT ROWID;
CREATE TABLE rejected (id INTEGER PRIMARY KEY, device TEXT NOT NULL, ts TEXT NOT NULL,
    source TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT);
CREATE INDEX rejected_by_device ON rejected (device, ts);
CREATE TABLE rollups (device TEXT NOT NULL, quantity TEXT NOT NULL, period TEXT NOT NULL,
    bucket TEXT NOT NULL, n INTEGER NOT NULL, total REAL NOT NULL, min REAL NOT NULL,
    max REAL NOT NULL, first_ts TEXT NOT NULL, first REAL NOT NULL, last_ts TEXT NOT NULL,
    last REAL NOT NULL, rise REAL NOT NULL, fall REAL NOT NULL,
    PRIMARY KEY (device, quantity, period, bucket)) WITHOUT ROWID;
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, device TEXT NOT NULL, ts TEXT NOT NULL,
    source TEXT NOT NULL, vals TEXT NOT NULL, size INTEGER NOT NULL,
    measurement TEXT NOT NULL DEFAULT 'meter_reading');
CREATE TABLE sink_state (sink TEXT PRIMARY KEY, position INTEGER NOT NULL,
    pending_bytes INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0, refused INTEGER NOT NULL DEFAULT 0, last_ok TEXT,
    last_error TEXT, last_error_at TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE corrections (id INTEGER PRIMARY KEY, device TEXT NOT NULL,
    quantity TEXT NOT NULL, ts TEXT NOT NULL, frame_id TEXT, old_value REAL, old_source TEXT,
    new_value REAL NOT NULL, who TEXT NOT NULL, via TEXT NOT NULL, at TEXT NOT NULL,
    example TEXT);
CREATE INDEX corrections_by_device ON corrections (device, at);
CREATE TABLE capacity_quarters (device TEXT NOT NULL, start TEXT NOT NULL,
    local_day TEXT NOT NULL, hhmm TEXT NOT NULL, dst TEXT NOT NULL,
    quarter_id INTEGER NOT NULL, average_w REAL NOT NULL, energy_wh REAL NOT NULL,
    complete INTEGER NOT NULL, running INTEGER NOT NULL, source TEXT NOT NULL,
    consumed TEXT NOT NULL, produced TEXT NOT NULL, begin_consumed_wh REAL,
    begin_produced_wh REAL, PRIMARY KEY (device, start)) WITHOUT ROWID;
CREATE INDEX capacity_quarters_by_day ON capacity_quarters (device, local_day);
CREATE TABLE capacity_months (device TEXT NOT NULL, month TEXT NOT NULL,
    source TEXT NOT NULL, peak_w REAL NOT NULL, occurred TEXT,
    PRIMARY KEY (device, month, source)) WITHOUT ROWID;
CREATE TABLE token_attempts (id INTEGER PRIMARY KEY, device TEXT NOT NULL,
    request_id TEXT NOT NULL, source TEXT NOT NULL, token TEXT NOT NULL,
    requested_at TEXT NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',
    balance_before_kwh REAL, balance_after_kwh REAL, updated_at TEXT NOT NULL,
    UNIQUE (device, request_id));
CREATE INDEX token_attempts_by_token ON token_attempts (device, token);
CREATE TABLE notifier_chats (chat_id INTEGER PRIMARY KEY, language TEXT NOT NULL);
CREATE TABLE notifier_schedules (chat_id INTEGER NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (chat_id, at)) WITHOUT ROWID;
"""
# New files opened by every service at once: the WAL switch collides in a few of them.
RACE_ROUNDS = 40

T = "2026-01-05T10:00:00.000000Z"
OLD_ROWS = {
    "readings": [("m1", "energy_import_kwh", T, "p1", 1234.5, None, None)],
    "latest": [("m1", "energy_import_kwh", T, "p1", 1234.5, None)],
    "rejected": [(1, "m1", T, "ocr", "too fast", "{}")],
    "rollups": [("m1", "energy_import_kwh", "day", T, 1, 1234.5, 1234.5, 1234.5, T,
                 1234.5, T, 1234.5, 0.0, 0.0)],
    "outbox": [(1, "m1", T, "p1", '{"energy_import_kwh": 1234.5}', 40, "meter_reading")],
    "sink_state": [("influxdb", 0, 40, 0, 0, 0, None, None, None)],
    "corrections": [(1, "m1", "energy_import_kwh", T, "f1", 1234.0, "ocr", 1234.5, "ana",
                     "web", T, None)],
    "capacity_quarters": [("p1", T, "2026-01-05", "1100", "W", 44, 2000.0, 500.0, 1, 0,
                           "meter", "[]", "[]", 100.0, None)],
    "capacity_months": [("p1", "2026-01", "meter", 2000.0, T)],
    "token_attempts": [(1, "pln", "r1", "web", "1" * 20, T, "verified", "", 5.0, 25.0, T)],
    "notifier_chats": [(42, "id")],
    "notifier_schedules": [(42, "12:00")],
}  # fmt: skip


def _old_file(path: Path) -> None:
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA journal_mode=WAL")
        old.executescript(OLD_LAYOUT)
        old.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '2')")
        old.execute("INSERT INTO meta (key, value) VALUES ('timezone', 'Asia/Jakarta')")
        for table, rows in OLD_ROWS.items():
            marks = ", ".join("?" * len(rows[0]))
            old.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    old.close()


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def _dump(db: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in db.execute(f"SELECT * FROM {table}"))


def test_the_steps_are_numbered_one_by_one() -> None:
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len(MIGRATIONS) == LATEST


def test_a_new_file_gets_every_owned_table_and_the_latest_version(tmp_path) -> None:
    db = connect(tmp_path / "new.sqlite3", "notifier")
    assert _tables(db) == set(OWNERS)
    assert migrations.version(db) == LATEST
    db.close()


def test_a_file_from_before_numbered_migrations_keeps_its_data(tmp_path) -> None:
    path = tmp_path / "meterhub.sqlite3"
    _old_file(path)
    reader = connect_read(path)  # a reader may come first: version 0 is known
    assert migrations.version(reader) == 0
    assert _dump(reader, "readings") == OLD_ROWS["readings"]
    reader.close()
    db = connect(path, "storage", autocommit=True)
    assert migrations.version(db) == LATEST
    assert _tables(db) == set(OWNERS)
    for table, rows in OLD_ROWS.items():
        assert _dump(db, table) == sorted(rows), table
    # user_version counts now; the zone the roll-ups were made in stays
    assert _dump(db, "meta") == [("timezone", "Asia/Jakarta")]
    db.close()
    for owner in SYNCHRONOUS:  # every owner opens it again without a step to run
        other = connect(path, owner)
        assert migrations.version(other) == LATEST
        other.close()


def test_older_files_missing_later_columns_get_them(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, device TEXT NOT NULL, "
            "ts TEXT NOT NULL, source TEXT NOT NULL, vals TEXT NOT NULL, size INTEGER NOT NULL)"
        )
        old.execute("INSERT INTO outbox VALUES (1, 'm1', 'x', 'p1', '{}', 10)")
    old.close()
    db = connect(path, "token_entry")
    assert db.execute("SELECT measurement FROM outbox").fetchone()[0] == "meter_reading"
    db.close()


def test_a_file_newer_than_the_code_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "newer.sqlite3"
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {LATEST + 1}")
    newer.close()
    with pytest.raises(SchemaTooNew, match=rf"version {LATEST + 1}, this Meterhub knows up to"):
        connect(path, "storage")
    with pytest.raises(SchemaTooNew, match="written by a newer Meterhub"):
        connect_read(path)
    check = sqlite3.connect(path)
    assert _tables(check) == set()
    check.close()


def test_a_failing_step_leaves_the_file_at_its_version(tmp_path, monkeypatch) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("step failed")

    path = tmp_path / "m.sqlite3"
    connect(path, "storage").close()
    steps = (*MIGRATIONS, Migration(LATEST + 1, "test", broken))
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    with pytest.raises(RuntimeError, match="step failed"):
        connect(path, "storage")
    db = sqlite3.connect(path)
    assert migrations.version(db) == LATEST
    assert "half_done" not in _tables(db)
    db.close()


def test_services_starting_together_apply_each_step_once(tmp_path, monkeypatch) -> None:
    """Every service opening a new file at the same moment: none fails, each step runs once.

    The collision (two switches to WAL at once) is rare per start, so several new files."""
    applied: list[str] = []
    counted = Migration(
        LATEST + 1, "test", lambda db: applied.append(threading.current_thread().name)
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, counted))
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    errors: list[BaseException] = []

    def open_as(owner: str, path: Path, start: threading.Barrier) -> None:
        start.wait(timeout=10)
        try:
            connect(path, owner).close()  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    for attempt in range(RACE_ROUNDS):
        applied.clear()
        path = tmp_path / f"race-{attempt}.sqlite3"
        start = threading.Barrier(len(SYNCHRONOUS))
        threads = [
            threading.Thread(target=open_as, args=(o, path, start), name=o) for o in SYNCHRONOUS
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        assert len(applied) == 1, applied


def test_a_writer_writes_only_its_owners_tables(tmp_path) -> None:
    path = tmp_path / "own.sqlite3"
    db = connect(path, "token_entry", autocommit=True)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        db.execute("INSERT INTO notifier_chats (chat_id, language) VALUES (1, 'en')")
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        db.execute("DELETE FROM readings")
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        db.execute("ALTER TABLE token_attempts ADD COLUMN extra TEXT")  # migrations only
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        db.execute("DROP TABLE token_attempts")
    db.execute(
        "INSERT INTO token_attempts (device, request_id, source, token, requested_at, state, "
        "updated_at) VALUES ('pln', 'r1', 'web', '1', 'now', 'queued', 'now')"
    )
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 0  # reads: any table
    db.close()


def test_a_reader_cannot_write(tmp_path) -> None:
    path = tmp_path / "ro.sqlite3"
    connect(path, "storage").close()
    reader = connect_read(path)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("DELETE FROM readings")
    reader.close()


@pytest.mark.parametrize("owner", sorted(SYNCHRONOUS))
def test_a_writer_gets_the_pragmas_of_its_purpose(tmp_path, owner) -> None:
    path = tmp_path / "p.sqlite3"
    db = connect(path, owner)
    levels = {"NORMAL": 1, "FULL": 2}
    assert db.execute("PRAGMA synchronous").fetchone()[0] == levels[SYNCHRONOUS[owner]]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    db.close()


def test_every_owner_has_a_durability() -> None:
    assert set(SYNCHRONOUS) == set(OWNERS.values())
