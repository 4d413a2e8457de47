"""Durable per-sink queues in SQLite: one journal of accepted readings, one position per sink.

Each accepted reading is written to the ``outbox`` journal once, in the same transaction
as the reading itself (and each cost figure storage recomputes, right after that
commit, as a ``meter_cost`` point); every sink reads the journal from its own position onwards, in
order, and moves its position only after the sink confirmed the write. A sink that is
down therefore holds readings back without slowing the others, and a reading leaves
the journal once every configured sink has it.

The disk cap is per sink: when a sink's waiting readings exceed ``max_queue_mb``, its
oldest waiting readings are skipped (down to 90 % of the cap, so this does not happen
on every batch) and counted in ``dropped``; a warning is logged.

All functions run on the store's database thread, inside or outside its transaction
as noted.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from ..core.measurements import READING
from ..core.runtime.logs import kv
from ..database.sink_status import sink_status
from ..domain.timekeys import iso, ts_key

log = logging.getLogger("meterhub.storage.outbox")
ROW_OVERHEAD_BYTES = 64  # key, index and page overhead per journal row, roughly
CAP_HYSTERESIS = 0.9


@dataclass(frozen=True)
class QueuedReading:
    seq: int
    device: str
    ts: str  # storage key
    source: str  # the second tag: a reading's source, a cost's currency
    values: dict[str, float]
    measurement: str = READING

    @property
    def ts_iso(self) -> str:
        return iso(self.ts)


def _now_key() -> str:
    return ts_key(datetime.now(UTC))


class Outbox:
    def __init__(self, db: sqlite3.Connection, sinks: dict[str, int]) -> None:
        """``sinks``: configured sink name -> its cap in bytes."""
        self.db = db
        self.caps = sinks
        end = db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
        # A newly configured sink starts at the end: it gets readings from now on.
        db.executemany(
            "INSERT OR IGNORE INTO sink_state (sink, position) VALUES (?, ?)",
            [(name, end) for name in sinks],
        )
        self.prune()

    @property
    def enabled(self) -> bool:
        return bool(self.caps)

    # --- inside the ingest transaction ----------------------------------------------
    def enqueue(
        self, rows: list[tuple[str, str, str, dict[str, float]]], measurement: str = READING
    ) -> None:
        """Queue points ``(device, ts key, second tag, fields)`` for every sink."""
        if not self.caps or not rows:
            return
        records = []
        total = 0
        # seq is a plain rowid: an emptied journal would number from 1 again, below the
        # sinks' positions, and those readings would be skipped. Number past both.
        seq = self.db.execute(
            "SELECT max(coalesce((SELECT max(seq) FROM outbox), 0), "
            "coalesce((SELECT max(position) FROM sink_state), 0))"
        ).fetchone()[0]
        for device, ts, source, values in rows:
            body = json.dumps(values, separators=(",", ":"))
            size = len(body) + len(device) + len(source) + len(ts) + ROW_OVERHEAD_BYTES
            total += size
            seq += 1
            records.append((seq, device, ts, source, body, size, measurement))
        self.db.executemany(
            "INSERT INTO outbox (seq, device, ts, source, vals, size, measurement) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        for sink, cap in self.caps.items():
            pending = self.db.execute(
                "UPDATE sink_state SET pending_bytes = pending_bytes + ? WHERE sink = ? "
                "RETURNING pending_bytes",
                (total, sink),
            ).fetchone()[0]
            if pending > cap:
                self._drop_oldest(sink, pending, cap)

    def _drop_oldest(self, sink: str, pending: int, cap: int) -> None:
        position = self.db.execute(
            "SELECT position FROM sink_state WHERE sink = ?", (sink,)
        ).fetchone()[0]
        target = pending - int(cap * CAP_HYSTERESIS)
        freed = skipped = 0
        for seq, size in self.db.execute(
            "SELECT seq, size FROM outbox WHERE seq > ? ORDER BY seq", (position,)
        ):
            freed += size
            skipped += 1
            position = seq
            if freed >= target:
                break
        self.db.execute(
            "UPDATE sink_state SET position = ?, pending_bytes = pending_bytes - ?, "
            "dropped = dropped + ? WHERE sink = ?",
            (position, freed, skipped, sink),
        )
        log.warning(
            "sink queue over its disk cap: oldest readings dropped",
            extra=kv(sink=sink, dropped=skipped, cap_bytes=cap),
        )

    # --- the sink pumps, each in its own short transaction -----------------------------
    def peek(self, sink: str, limit: int) -> list[QueuedReading]:
        """The next ``limit`` readings ``sink`` has not confirmed, oldest first."""
        rows = self.db.execute(
            "SELECT seq, device, ts, source, vals, measurement FROM outbox "
            "WHERE seq > (SELECT position FROM sink_state WHERE sink = ?) ORDER BY seq LIMIT ?",
            (sink, limit),
        ).fetchall()
        return [QueuedReading(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def confirm(self, sink: str, last_seq: int, *, sent: int, refused: int = 0) -> None:
        """``sink`` has everything up to ``last_seq`` (``refused`` of them it turned down)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            position = self.db.execute(
                "SELECT position FROM sink_state WHERE sink = ?", (sink,)
            ).fetchone()[0]
            if last_seq > position:  # the cap may have skipped past this batch meanwhile
                freed = self.db.execute(
                    "SELECT coalesce(sum(size), 0) FROM outbox WHERE seq > ? AND seq <= ?",
                    (position, last_seq),
                ).fetchone()[0]
                self.db.execute(
                    "UPDATE sink_state SET position = ?, pending_bytes = max(0, pending_bytes - ?) "
                    "WHERE sink = ?",
                    (last_seq, freed, sink),
                )
            self.db.execute(
                "UPDATE sink_state SET sent = sent + ?, refused = refused + ?, last_ok = ? "
                "WHERE sink = ?",
                (sent, refused, _now_key(), sink),
            )
            self.prune()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def failed(self, sink: str, error: str) -> None:
        self.db.execute(
            "UPDATE sink_state SET last_error = ?, last_error_at = ? WHERE sink = ?",
            (error[:500], _now_key(), sink),
        )

    def prune(self) -> None:
        """Forget journal rows every configured sink is past (all of them with no sink)."""
        if not self.caps:
            self.db.execute("DELETE FROM outbox")
            return
        marks = ",".join("?" * len(self.caps))
        self.db.execute(
            f"DELETE FROM outbox WHERE seq <= "
            f"(SELECT min(position) FROM sink_state WHERE sink IN ({marks}))",
            tuple(self.caps),
        )

    def status(self) -> list[dict[str, object]]:
        return sink_status(self.db, list(self.caps))
