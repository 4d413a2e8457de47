"""Readings from the bus into the store, state back onto the bus, sinks fed from the queue.

One batch of received readings is validated, committed in one transaction (on the
database thread), and only then handed back to the bus, which acknowledges it to the
broker: a reading is never acknowledged before it is on disk.

The retained state topic carries each device's newest values after a commit. States
wait in a dict until the previous ones reached the broker, so a device's state is
published at once when readings are few, and intermediate states are skipped (only the
newest goes out) when thousands arrive per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ..core.config import MeterhubConfig
from ..core.contract import Channel
from ..core.messages import Correction, Reading, Rejected
from ..core.quantities import QUANTITIES, QuantityKind
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.backoff import Backoff
from ..core.runtime.logs import kv
from ..core.topics import is_device_id
from ..core.trust import reading_problem
from .dbthread import DbThread
from .pump import SinkPump
from .sinks import SINK_TYPES
from .store import IngestResult, ReadingStore

log = logging.getLogger("meterhub.storage")
GROUP = "storage"
RETENTION_EVERY_S = 3600.0
# A commit SQLite refused (disk full, I/O error) is tried again, the batch held meanwhile.
# Before EARLIEST a clock was never set (an ESP32 without NTP counts from 1970).
EARLIEST = datetime(2001, 1, 1, tzinfo=UTC)
COMMIT_RETRY_INITIAL_S = 0.5
COMMIT_RETRY_MAX_S = 30.0
LOGGED_PAYLOAD_CHARS = 2000
BYTES_PER_MB = 1024 * 1024

# Called after each commit with the accepted readings, the result and time.monotonic().
CommitObserver = Callable[[list[Reading], IngestResult, float], None]


class StoragePipeline:
    def __init__(
        self, config: MeterhubConfig, bus: Bus, *, on_commit: CommitObserver | None = None
    ) -> None:
        self.config = config
        self.bus = bus
        self.topics = bus.topics
        self.on_commit = on_commit
        self.db = DbThread()
        storage = config.storage
        sinks = storage.sinks()
        self.store = ReadingStore(
            storage.sqlite_path,
            zone=storage.zone,
            sinks={name: int(s.max_queue_mb * BYTES_PER_MB) for name, s in sinks.items()},  # type: ignore[attr-defined]
            prices={d: s.prices for d, s in config.devices.items() if s.prices is not None},
        )
        self._states: dict[str, dict[str, object]] = {}  # device -> newest, not yet published
        self._states_ready = asyncio.Event()
        self.pumps = [
            SinkPump(SINK_TYPES[name](name, section, self._state), section, self.store.outbox,
                     self.db)  # type: ignore[arg-type]
            for name, section in sinks.items()
        ]  # fmt: skip

    def subscribe(self) -> None:
        """Register the handlers (before the first await of the service). Storage judges
        readings and corrections: one it cannot parse is refused on ``rejected`` (or kept
        here when its topic names no device, having no rejected topic)."""
        group = GROUP if self.config.storage.shared_subscription else None
        self.bus.on_batch(
            Channel.READING,
            self.on_readings,
            max_batch=self.config.storage.batch_size,
            shared_group=group,
            on_invalid=self.on_invalid,
        )
        self.bus.on(
            Channel.REJECTED,
            self.on_rejected,
            shared_group=group,
            on_invalid=self.on_unreadable_rejection,
        )
        self.bus.on(
            Channel.CORRECTION, self.on_correction, shared_group=group, on_invalid=self.on_invalid
        )

    async def run(self) -> None:
        """Feed the sinks and apply retention until cancelled; then close everything."""
        try:
            async with asyncio.TaskGroup() as group:
                for pump in self.pumps:
                    group.create_task(pump.run(), name=f"sink:{pump.sink.name}")
                group.create_task(self._retention(), name="storage:retention")
                group.create_task(self._publish_states(), name="storage:state")
                firebase = self.config.storage.firebase
                if firebase is not None and firebase.legacy is not None:
                    from .sinks.firebase_legacy import LegacyBridge  # firebase-admin: heavy

                    bridge = LegacyBridge(firebase, self.bus, self.config.storage.sqlite_path)
                    group.create_task(bridge.run(), name="storage:firebase-legacy")
        finally:
            await self._queue_states()  # the bus sends them before it disconnects
            with contextlib.suppress(Exception):
                await self.db(self.store.close)
            self.db.close()

    # --- handlers -------------------------------------------------------------------
    async def on_readings(self, readings: list[tuple[str, Reading]]) -> None:
        accepted: list[Reading] = []
        now = datetime.now(UTC)
        for device, reading in readings:
            problem = self._problem(device, reading, now)
            if problem is None:
                accepted.append(reading)
            else:
                await self._reject(device, problem, reading.model_dump(mode="json"))
        if not accepted:
            return
        result = await self._commit(accepted)
        if self.on_commit is not None:
            self.on_commit(accepted, result, time.monotonic())
        if result.states:
            self._states.update(result.states)
            self._states_ready.set()
        if result.stored:
            for pump in self.pumps:
                pump.wake.set()

    async def _commit(self, accepted: list[Reading]) -> IngestResult:
        """Store the batch, waiting out a disk that is full or failing: the bus would
        acknowledge a batch whose handler raised, and the readings would be lost."""
        backoff = Backoff(COMMIT_RETRY_INITIAL_S, COMMIT_RETRY_MAX_S)
        failures = 0
        while True:
            try:
                result = await self.db(self.store.ingest, accepted)
            except sqlite3.OperationalError as error:
                failures += 1
                delay = backoff.next_delay()
                if failures == 1 or failures % 20 == 0:
                    log.error(
                        "readings not stored, holding them unacknowledged and retrying",
                        extra=kv(error=error, count=len(accepted), failures=failures,
                                 retry_in_s=round(delay, 2)),
                    )  # fmt: skip
                await asyncio.sleep(delay)  # retry delay, not synchronisation
                continue
            if failures:
                log.warning("readings stored again", extra=kv(failures=failures))
            return result

    def _problem(self, device: str, reading: Reading, now: datetime) -> str | None:
        """Why a reading that parsed is refused; None to store it."""
        problem = reading_problem(reading, device, now)
        if problem is not None:
            return problem
        if device not in self.config.devices:
            return "unknown device (not in config)"
        if reading.ts < EARLIEST:
            return "timestamp before 2001: the device clock is not set"
        return None

    async def on_invalid(self, device: str, message: IncomingMessage, reason: str) -> None:
        """A reading or correction its model refuses (or on a topic naming no device)."""
        await self._reject(device, reason, _loggable(message.payload))

    async def _reject(self, device: str, reason: str, payload: object) -> None:
        rejected = Rejected(device=device, source="storage", reason=reason, reading=payload)
        log.warning("reading rejected", extra=kv(device=device, reason=reason))
        if is_device_id(device):  # stored when it comes back on the rejected topic
            await self.bus.publish(self.topics.rejected(device), rejected.to_payload())
        else:
            await self.db(self.store.add_rejected, [rejected])

    async def on_rejected(self, device: str, rejected: Rejected) -> None:
        await self.db(self.store.add_rejected, [rejected.model_copy(update={"device": device})])

    async def on_unreadable_rejection(
        self, device: str, message: IncomingMessage, reason: str
    ) -> None:
        """Kept as it came: a rejection is never answered with another one."""
        rejected = Rejected(
            device=device,
            source="unknown",
            reason=reason,
            reading=_loggable(message.payload),
        )
        await self.db(self.store.add_rejected, [rejected])

    async def on_correction(self, device: str, correction: Correction) -> None:
        """A person's value for a frame: stored as ``manual``, replacing what it corrects
        (refused on ``rejected`` with the reason when it cannot be)."""
        problem = self._correction_problem(device, correction)
        if problem is not None:
            await self._reject(device, problem, correction.model_dump(mode="json"))
            return
        applied = await self.db(self.store.correct, correction)
        if applied.duplicate:
            return
        log.info(
            "reading corrected",
            extra=kv(device=device, quantity=correction.quantity, ts=applied.ts,
                     old=applied.replaced, new=correction.value, who=correction.who,
                     via=correction.via),
        )  # fmt: skip
        self._states[device] = await self._state(device)
        self._states_ready.set()
        for pump in self.pumps:
            pump.wake.set()

    def _correction_problem(self, device: str, correction: Correction) -> str | None:
        as_reading = Reading(
            device=correction.device,
            ts=correction.ts,
            source="manual",
            values={correction.quantity: correction.value},
        )
        problem = reading_problem(as_reading, device, datetime.now(UTC))
        if problem is not None:
            return f"correction refused: {problem}"
        if device not in self.config.devices:
            return "correction refused: unknown device (not in config)"
        if correction.ts < EARLIEST:
            return "correction refused: timestamp before 2001"
        kind = QUANTITIES[correction.quantity].kind
        if correction.value < 0 and kind in (QuantityKind.COUNTER, QuantityKind.BALANCE):
            return f"correction refused: a {kind.value} is never negative"
        return None

    # --- background -------------------------------------------------------------------
    async def _publish_states(self) -> None:
        while True:
            await self._states_ready.wait()
            self._states_ready.clear()
            await self._queue_states()
            await self.bus.flush()  # meanwhile newer states replace waiting ones

    async def _queue_states(self) -> None:
        states, self._states = self._states, {}
        for device, state in states.items():
            await self.bus.publish(self.topics.state(device), json.dumps(state), retain=True)

    async def _state(self, device: str) -> dict[str, object]:
        return await self.db(self.store.state, device)

    async def _retention(self) -> None:
        storage = self.config.storage
        while True:
            deleted = await self.db(
                self.store.prune, storage.raw_retention_days, storage.minute_retention_days
            )
            if deleted:
                log.info("retention applied", extra=kv(deleted_rows=deleted))
            await asyncio.sleep(RETENTION_EVERY_S)  # a schedule, not synchronisation


def _loggable(payload: bytes) -> str:
    return payload[:LOGGED_PAYLOAD_CHARS].decode("utf-8", errors="replace")
