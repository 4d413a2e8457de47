"""The P1 path: telegrams (from the bus or a serial port) → CRC check → reading and capacity.

A reading carries what the meter said; where a meter lacks the Belgian registers
(1-0:1.4.0, 1-0:1.6.0) the computed quarter average and month peak are added, so every
P1 meter's reading has them. The capacity state goes out retained on ``<dev>/capacity``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..core.config import MeterhubConfig
from ..core.contract import Channel
from ..core.messages import CapacityState, Reading, Rejected
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from ..database.capacity_store import CapacityStore
from ..database.connection import connect
from ..domain.capacity import (
    EPSILON,
    BilledAverage,
    CapacityTracker,
    CapacityUpdate,
    MonthPeak,
    billed_average,
    month_of,
)
from ..protocols.dsmr import InvalidTelegram, ParsedTelegram, parse_telegram
from .p1_serial import P1SerialReader

log = logging.getLogger("meterhub.gateway.p1")


@dataclass
class _Meter:
    tracker: CapacityTracker
    history: tuple[Any, ...] = ()
    meter_peak: tuple[datetime | None, float] | None = None
    billed: BilledAverage | None = None
    billed_month: str | None = None
    stale: bool = True  # the billed average needs computing again


class Capacity:
    """Per-device trackers, their SQLite history, and the state message."""

    def __init__(self, config: MeterhubConfig, store: CapacityStore | None = None) -> None:
        self.settings = config.capacity
        self.tz = ZoneInfo(self.settings.timezone)
        self._store, self._path = store, config.storage.sqlite_path
        self.meters: dict[str, _Meter] = {}

    @property
    def store(self) -> CapacityStore:
        if self._store is None:
            self._store = CapacityStore(connect(self._path, "capture_gateway"), self.tz)
        return self._store

    def _meter(self, device: str, ts: datetime) -> _Meter:
        meter = self.meters.get(device)
        if meter is None:
            tracker = CapacityTracker(self.tz)
            tracker.month = month_of(ts, self.tz)
            tracker.computed_peak = self.store.computed_peak(device, tracker.month)
            meter = self.meters[device] = _Meter(tracker)
        return meter

    def update(self, device: str, telegram: ParsedTelegram) -> CapacityState | None:
        meter = self._meter(device, telegram.ts)
        peak = telegram.values.get("month_peak_power_w")
        stamped = (telegram.month_peak_at, peak) if telegram.month_peak_at and peak else None
        update = meter.tracker.update(telegram.ts, telegram.values, stamped)
        if update is None:
            return None
        self._remember(device, meter, telegram, update)
        return self._state(device, meter, update)

    def _remember(
        self, device: str, meter: _Meter, telegram: ParsedTelegram, update: CapacityUpdate
    ) -> None:
        store = self.store
        if update.closed is not None:
            store.save_closed(device, update.closed)
            meter.stale = True
        if update.sample_done:
            store.save_running(device, update.quarter, update.quarter_avg_w)
        peak = update.month_peak
        if (
            peak is not None
            and peak.source == "meter"
            and meter.meter_peak != (peak.occurred, peak.peak_w)
        ):
            store.offer_peak(device, peak, replace=True)
            meter.meter_peak, meter.stale = (peak.occurred, peak.peak_w), True
        if telegram.peak_history != meter.history:
            for record in telegram.peak_history:
                month = month_of(record.month_end - EPSILON, self.tz)
                store.offer_peak(
                    device, MonthPeak(month, record.watts, record.occurred, "meter"), replace=True
                )
            meter.history, meter.stale = telegram.peak_history, True

    def _state(self, device: str, meter: _Meter, update: CapacityUpdate) -> CapacityState:
        settings, peak = self.settings, update.month_peak
        if meter.stale or meter.billed_month != update.month:
            peaks = self.store.month_peaks(device)
            if peak is not None:
                peaks.append(peak)
            meter.billed = billed_average(
                peaks,
                update.month,
                floor_w=settings.floor_w,
                months=settings.months_averaged,
                price_eur_per_kw_year=settings.price_eur_per_kw_year,
            )
            meter.billed_month, meter.stale = update.month, False
        threshold = max(peak.peak_w if peak else 0.0, settings.floor_w)
        billed = meter.billed
        return CapacityState(
            device=device,
            ts=update.ts,
            quarter_start=update.quarter.start,
            quarter_avg_power_w=round(update.quarter_avg_w, 1),
            predicted_quarter_power_w=round(update.predicted_w, 1),
            new_peak_predicted=update.predicted_w > threshold,
            month=update.month,
            month_peak_power_w=peak.peak_w if peak else None,
            month_peak_at=peak.occurred if peak else None,
            month_peak_source="meter"
            if peak and peak.source == "meter"
            else "computed"
            if peak
            else None,
            billed_average_w=round(billed.average_w, 1) if billed else None,
            months_averaged=len(billed.months) if billed else 0,
            floor_w=settings.floor_w,
            estimated_cost_eur_year=round(billed.cost_eur_year, 2)
            if billed and billed.cost_eur_year is not None
            else None,
        )


class P1Path:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx, self.bus, self.config = ctx, ctx.bus, ctx.config
        self.capacity = Capacity(ctx.config)

    async def on_telegram(self, device: str, message: IncomingMessage) -> None:
        await handle_telegram(self.bus, self.config, self.capacity, device, message)

    def tasks(self) -> list[Coroutine[Any, Any, None]]:
        """A serial reader per P1 device that has a port in the config."""
        return [
            P1SerialReader(self.bus, device, settings).run()
            for device, settings in self.config.devices.items()
            if settings.kind == "p1" and settings.serial is not None
        ]


def reading_of(device: str, telegram: ParsedTelegram, state: CapacityState | None) -> Reading:
    values = dict(telegram.values)
    if state is not None:  # computed where the meter has no register of its own
        values.setdefault("quarter_avg_power_w", state.quarter_avg_power_w)
        if state.month_peak_power_w is not None:
            values.setdefault("month_peak_power_w", state.month_peak_power_w)
    return Reading(
        device=device, ts=telegram.ts, source="p1", values=values, meter_id=telegram.meter_id
    )


async def handle_telegram(
    bus: Bus, config: MeterhubConfig, capacity: Capacity, device: str, message: IncomingMessage
) -> None:
    topics = bus.topics
    text = message.payload.decode("latin-1")
    try:
        if device not in config.devices:
            raise InvalidTelegram("unknown device (not in config)")
        telegram = parse_telegram(text, received=datetime.now(UTC))
    except InvalidTelegram as error:
        log.warning("telegram rejected", extra=kv(device=device, reason=error))
        await bus.publish(
            topics.rejected(device),
            Rejected(
                device=device, source="p1", reason=str(error), reading=text[:2000]
            ).to_payload(),
        )
        return
    try:
        state = capacity.update(device, telegram)
    except sqlite3.Error as error:  # the reading matters more than its capacity figures
        log.error("capacity not updated", extra=kv(device=device, error=error))
        state = None
    await bus.publish(topics.reading(device), reading_of(device, telegram, state).to_payload())
    if state is not None:
        await bus.send(Channel.CAPACITY, device, state)
