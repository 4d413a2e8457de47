"""The write side: readings, roll-ups, the latest values and the sinks' queue, in one commit.

Idempotent so at-least-once delivery stores once: a row is identified by (device,
quantity, ts, source); a redelivered reading changes nothing and is not queued again.
The store is the only writer of its SQLite file, so it keeps the newest value of each
series in memory (for the state topic and for rise/fall) and runs on one thread.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.config.prices import PricesConfig
from ..core.measurements import COST, RETRACTION
from ..core.messages import Correction, Reading, Rejected
from ..core.quantities import COSTS, QUANTITIES, QuantityKind
from ..core.runtime.logs import kv
from ..database import costs
from ..database.connection import connect
from ..database.reading_queries import ReadingQueries
from ..domain import forecast
from ..domain.timekeys import PERIOD_NAMES, BucketClock, from_key, iso, key_of, ts_key
from . import corrections, rollups
from .outbox import Outbox

log = logging.getLogger("meterhub.storage.store")

INSERT_READING = (
    "INSERT OR IGNORE INTO readings (device, quantity, ts, source, value, confidence, frame_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_LATEST = (
    "INSERT INTO latest (device, quantity, ts, source, value, frame_id) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (device, quantity) DO UPDATE SET ts = excluded.ts, source = excluded.source, "
    "value = excluded.value, frame_id = excluded.frame_id WHERE excluded.ts >= latest.ts"
)
BALANCES = frozenset(q.key for q in QUANTITIES.values() if q.kind is QuantityKind.BALANCE)
# A row of ``readings``: device, quantity, ts key, source, value, confidence, frame_id.
RawRow = tuple[str, str, str, str, float, float | None, str | None]


@dataclass
class IngestResult:
    stored: int = 0  # readings with at least one new value
    duplicates: int = 0  # values already stored (redeliveries)
    states: dict[str, dict[str, object]] = field(default_factory=dict)  # changed devices


class ReadingStore:
    def __init__(
        self,
        path: Path,
        *,
        zone: ZoneInfo | None = None,
        sinks: dict[str, int] | None = None,
        prices: dict[str, PricesConfig] | None = None,
    ) -> None:
        """``sinks``: configured sink name -> disk cap in bytes of its queue; ``prices``:
        the priced meters, whose state carries what they cost."""
        self.path = path
        self.prices = prices or {}
        self._reader = ReadingQueries(path)  # committed day roll-ups, for the costs
        self.zone = zone or ZoneInfo("UTC")
        self._db = connect(path, "storage", autocommit=True)
        self.clock = BucketClock(self.zone)
        self.outbox = Outbox(self._db, sinks or {})
        # (device, quantity) -> (ts key, value) of the newest reading
        self._latest: dict[tuple[str, str], tuple[str, float]] = {
            (r[0], r[1]): (r[2], r[3])
            for r in self._db.execute("SELECT device, quantity, ts, value FROM latest")
        }
        self._check_zone()

    # --- readings ---------------------------------------------------------------------
    def ingest(self, readings: list[Reading]) -> IngestResult:
        """Store a batch in one transaction; returns what changed."""
        rows: list[RawRow] = []
        minutes: list[int] = []
        for reading in readings:
            ts = ts_key(reading.ts)
            minute = int(reading.ts.timestamp()) // 60
            for quantity, value in reading.values.items():
                rows.append(
                    (reading.device, quantity, ts, reading.source, value, reading.confidence,
                     reading.frame_id)
                )  # fmt: skip
                minutes.append(minute)
        offered = len(rows)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            before = db.total_changes
            db.executemany(INSERT_READING, rows)
            if db.total_changes - before != offered:
                # Some were stored before (a redelivery): find out which, row by row.
                db.execute("ROLLBACK")
                db.execute("BEGIN IMMEDIATE")
                fresh = [db.execute(INSERT_READING, row).rowcount == 1 for row in rows]
                rows = [row for row, new in zip(rows, fresh, strict=True) if new]
                minutes = [m for m, new in zip(minutes, fresh, strict=True) if new]
            result = IngestResult(duplicates=offered - len(rows))
            changed = self._derive(rows, minutes, result)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._latest.update(changed)
        result.states = {device: self.state(device) for device in {d for d, _ in changed}}
        self._queue_costs(result.states)
        return result

    def _queue_costs(self, states: dict[str, dict[str, object]]) -> None:
        """Queue the costs just recomputed for the sinks: one ``meter_cost`` point per priced
        device, at its newest reading's time (a replay overwrites it, never adds one).

        After the readings' commit, since the costs read committed roll-ups: a crash in
        between loses only this snapshot, and the next batch queues a newer one."""
        rows = [
            (device, key_of(str(state["ts"])), self.prices[device].currency,
             {period: float(state[key]) for key, period in COSTS.items()})  # type: ignore[arg-type]
            for device, state in states.items()
            if device in self.prices and COSTS.keys() <= state.keys()
        ]  # fmt: skip
        if not rows or not self.outbox.enabled:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self.outbox.enqueue(rows, COST)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _derive(
        self, rows: list[RawRow], minutes: list[int], result: IngestResult
    ) -> dict[tuple[str, str], tuple[str, float]]:
        """Latest values, roll-ups and the sinks' queue from the newly stored rows.

        Returns the series whose newest value changed, for the in-memory cache once the
        transaction committed.
        """
        previous = {
            series: self._latest[series]
            for series in {(r[0], r[1]) for r in rows}
            if series in self._latest
        }
        newest: dict[tuple[str, str], object] = {}  # series -> index of its newest row
        buckets = rollups.aggregate(
            (
                (r[0], r[1], r[2], m, r[4], i)
                for i, (r, m) in enumerate(zip(rows, minutes, strict=True))
            ),
            previous,
            self.clock,
            newest,
        )
        rollups.write(self._db, buckets)
        changed = [rows[index] for index in newest.values()]  # type: ignore[index]
        self._db.executemany(UPSERT_LATEST, [(d, q, t, s, v, f) for d, q, t, s, v, _, f in changed])
        if self.outbox.enabled:
            readings: dict[tuple[str, str, str], dict[str, float]] = {}
            for device, quantity, ts, source, value, _, _ in rows:
                readings.setdefault((device, ts, source), {})[quantity] = value
            self.outbox.enqueue([(d, t, s, values) for (d, t, s), values in readings.items()])
        result.stored = len({(r[0], r[2], r[3]) for r in rows})
        return {series: previous[series] for series in newest}

    def state(self, device: str) -> dict[str, object]:
        """Flat latest values of ``device``: ``{"ts": newest, "<quantity>": value, ...}``,
        and for a prepaid balance ``days_left`` and its uncertainty (when there is use)."""
        values = sorted(
            (quantity, latest) for (dev, quantity), latest in self._latest.items() if dev == device
        )
        if not values:
            return {}
        state: dict[str, object] = {"ts": iso(max(latest[0] for _, latest in values))}
        state.update({quantity: latest[1] for quantity, latest in values})
        balance = next((q for q, _ in values if q in BALANCES), None)
        if balance is not None:
            value = float(state[balance])  # type: ignore[arg-type]
            result = forecast.days_left(self._db, device, balance, value, datetime.now(UTC))
            state.update(forecast.state_fields(result))
        if device in self.prices:
            found = costs.costs(
                self._reader, device, self.prices[device], self.zone, datetime.now(UTC), balance
            )
            state.update(costs.state_fields(found))
        return state

    # --- corrections ------------------------------------------------------------------
    def correct(self, correction: Correction) -> corrections.Applied:
        """Apply a person's correction in one transaction (see ``corrections``)."""
        db, device, quantity = self._db, correction.device, correction.quantity
        db.execute("BEGIN IMMEDIATE")
        try:
            applied = corrections.apply(db, self.clock, correction)
            if not applied.duplicate:
                ts, source, value, frame_id = corrections.newest(db, device, quantity)
                db.execute(
                    "INSERT OR REPLACE INTO latest (device, quantity, ts, source, value, "
                    "frame_id) VALUES (?, ?, ?, ?, ?, ?)",
                    (device, quantity, ts, source, value, frame_id),
                )
                for source, old in applied.replaced:  # the sinks take the wrong point out
                    self.outbox.enqueue([(device, applied.ts, source, {quantity: old})], RETRACTION)
                    kept = corrections.point_fields(db, device, applied.ts, source)
                    self.outbox.enqueue([(device, applied.ts, source, kept)] if kept else [])
                self.outbox.enqueue(
                    [(device, applied.ts, corrections.MANUAL, {quantity: correction.value})]
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if not applied.duplicate:
            self._latest[(device, quantity)] = (ts, value)
            self._queue_costs({device: self.state(device)})  # a corrected day costs anew
        return applied

    # --- rejections -------------------------------------------------------------------
    def add_rejected(self, rejected: list[Rejected]) -> None:
        rows = [
            (r.device, ts_key(r.ts), r.source, r.reason, json.dumps(r.reading, default=str))
            for r in rejected
        ]
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany(
            "INSERT INTO rejected (device, ts, source, reason, payload) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        self._db.execute("COMMIT")

    # --- retention --------------------------------------------------------------------
    def prune(self, raw_days: float | None, minute_days: float | None) -> int:
        """Delete raw readings and per-minute roll-ups past their retention; rows deleted."""
        now = datetime.now(UTC)
        deleted = 0
        series = list(self._latest)
        for days, sql in (
            (raw_days, "DELETE FROM readings WHERE device = ? AND quantity = ? AND ts < ?"),
            (
                minute_days,
                "DELETE FROM rollups WHERE device = ? AND quantity = ? AND period = 'minute' "
                "AND bucket < ?",
            ),
        ):
            if days is None:
                continue
            cutoff = ts_key(now - timedelta(days=days))
            for device, quantity in series:  # one primary-key range per series, no scan
                self._db.execute("BEGIN IMMEDIATE")
                deleted += self._db.execute(sql, (device, quantity, cutoff)).rowcount
                self._db.execute("COMMIT")
        return deleted

    # --- time zone ----------------------------------------------------------------------
    def _check_zone(self) -> None:
        """Roll-ups follow the configured zone; when it changed, rebuild them from raw rows."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'timezone'").fetchone()
        if row is not None and row[0] != self.zone.key:
            log.warning(
                "time zone changed: rebuilding roll-ups from the raw readings kept",
                extra=kv(old=row[0], new=self.zone.key),
            )
            self.rebuild_rollups(ZoneInfo(row[0]))
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('timezone', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (self.zone.key,),
        )

    def rebuild_rollups(self, old_zone: ZoneInfo) -> None:
        """Recompute roll-ups from the raw rows kept. Buckets wholly before the oldest raw
        row stay as they were (in ``old_zone``); the one holding it is rebuilt from the raw
        rows alone."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        oldest = db.execute("SELECT min(ts) FROM readings").fetchone()[0]
        if oldest is not None:
            old_clock = BucketClock(old_zone)
            for period in PERIOD_NAMES:
                cutoff = old_clock.bucket(period, from_key(oldest))
                db.execute("DELETE FROM rollups WHERE period = ? AND bucket >= ?", (period, cutoff))
            previous: dict[tuple[str, str], tuple[str, float]] = {}
            cursor = db.execute("SELECT device, quantity, ts, value FROM readings ORDER BY ts")
            while chunk := cursor.fetchmany(50_000):
                rows = [
                    (d, q, t, int(from_key(t).timestamp()) // 60, v, None) for d, q, t, v in chunk
                ]
                rollups.write(db, rollups.aggregate(rows, previous, self.clock))
        db.execute("COMMIT")

    def close(self) -> None:
        self._reader.close()
        self._db.close()
