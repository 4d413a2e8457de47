"""Alerts: low balance, a silent device, unreadable pictures, a capacity-tariff peak, beeping,
a reading that jumped (a stored value replaced by frames that agree with each other).

Each fires once when its condition starts to hold and re-arms only when it clears (a
top-up, a reading that is read again); a rate limit stops a condition that flaps from
flooding the chat. Times come from the bot's clock, so tests drive them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..core.config import MeterhubConfig
from ..core.messages import Alarm, CapacityState, Reading, Rejected
from ..core.quantities import TOKEN_BALANCE
from ..core.runtime.clock import Clock, sleep_until
from ..core.runtime.logs import kv
from ..database.usage import UsageQueries
from .checks import stored_forecast
from .lang import Texts
from .meters import MeterEvents, MeterWatch

log = logging.getLogger("meterhub.notifier")

QUARTER = timedelta(minutes=15)
TICK = timedelta(seconds=30)  # how often silent devices are looked for
BALANCE = TOKEN_BALANCE  # the balance the low-balance alert watches

# Sends one alert to every allowed chat, worded per chat: (key builder per language).
Broadcast = Callable[[str, Callable[[Texts], str]], Awaitable[None]]


@dataclass
class Latch:
    """Once per episode of a condition, and not more often than ``min_interval``."""

    min_interval: timedelta
    active: set[tuple[str, str]] = field(default_factory=set)
    last_fired: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def starts(self, key: tuple[str, str], holds: bool, now: datetime) -> bool:
        """True when the alert should go out now."""
        if not holds:
            self.active.discard(key)
            return False
        if key in self.active:
            return False
        self.active.add(key)
        last = self.last_fired.get(key)
        if last is not None and now - last < self.min_interval:
            log.info("alert rate-limited", extra=kv(alert=key[0], device=key[1]))
            return False
        self.last_fired[key] = now
        return True

    def ends(self, key: tuple[str, str]) -> bool:
        """True when a condition that had fired has just cleared."""
        if key in self.active:
            self.active.discard(key)
            return True
        return False


def projected_quarter_w(avg_w: float, now_w: float | None, at: datetime) -> float:
    """Where the running quarter-hour average (the 1-0:1.4.0 register) will end.

    The register averages import since the quarter began; the rest of the quarter is
    assumed to go on at today's power.
    """
    start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
    done = min(max((at - start) / QUARTER, 0.0), 1.0)
    rest_w = avg_w if now_w is None else max(now_w, 0.0)
    return avg_w * done + rest_w * (1 - done)


class Alerts(MeterEvents):
    def __init__(
        self,
        config: MeterhubConfig,
        clock: Clock,
        watch: MeterWatch,
        usage: UsageQueries,
        broadcast: Broadcast,
    ) -> None:
        self.config, self.rules = config, config.telegram.alerts
        self.clock, self.watch, self.usage, self.broadcast = clock, watch, usage, broadcast
        self.latch = Latch(timedelta(seconds=self.rules.min_interval_s))
        self.rejected_in_a_row: dict[str, int] = {}
        self.last_beep: dict[str, datetime] = {}
        self.started = clock.now()
        self._outgoing: asyncio.Queue[tuple[str, Callable[[Texts], str]]] = asyncio.Queue()

    def _name(self, device: str) -> str:
        settings = self.config.devices.get(device)
        return (settings.name if settings else "") or device

    def _send(self, alert: str, device: str, words: Callable[[Texts], str]) -> None:
        """Queued for ``deliver``: a slow Telegram must not hold up the bus, and alerts
        reach the chat in the order they happened."""
        log.info("alert", extra=kv(alert=alert, device=device))
        self._outgoing.put_nowait((alert, words))

    async def deliver(self) -> None:
        while True:
            alert, words = await self._outgoing.get()
            await self.broadcast(alert, words)

    # --- events from the bus -----------------------------------------------------------
    async def reading(self, reading: Reading) -> None:
        device = reading.device
        self.rejected_in_a_row[device] = 0
        self.latch.ends(("ocr_rejects", device))
        self._back_online(device)
        if BALANCE in reading.values and self.rules.low_balance.enabled:
            await self._check_balance(device, reading.values[BALANCE])
        if self.rules.capacity.enabled:
            self._check_capacity(reading)
        if reading.corrected_from is not None and self.rules.reading_jumped.enabled:
            self._jumped(reading, reading.corrected_from)

    async def rejected(self, device: str, rejected: Rejected) -> None:
        if not self.rules.ocr_rejects.enabled or not rejected.is_failure:
            return
        count = self.rejected_in_a_row.get(device, 0) + 1
        self.rejected_in_a_row[device] = count
        holds = count >= self.rules.ocr_rejects.in_a_row
        if self.latch.starts(("ocr_rejects", device), holds, self.clock.now()):
            name, reason = self._name(device), rejected.reason
            self._send(
                "ocr_rejects",
                device,
                lambda t: t.say("alert_rejects", name=name, count=count, reason=reason),
            )

    def _jumped(self, reading: Reading, old: float) -> None:
        """Every jump is told: each one replaced a stored value, rightly or not."""
        name = self._name(reading.device)
        quantity, new = next(iter(reading.values.items()))
        self._send(
            "reading_jumped",
            reading.device,
            lambda t: t.say(
                "alert_reading_jumped",
                name=name,
                old=t.quantity(quantity, old),
                new=t.quantity(quantity, new),
            ),
        )

    async def alarm(self, device: str, alarm: Alarm) -> None:
        if alarm.kind != "beep" or not self.rules.beep.enabled:
            return
        now, last = self.clock.now(), self.last_beep.get(device)
        if last is not None and (now - last).total_seconds() < self.rules.beep.cooldown_s:
            return
        self.last_beep[device] = now
        self._send("beep", device, lambda t: t.say("alert_beep"))

    # --- rules -------------------------------------------------------------------------
    async def _check_balance(self, device: str, balance_kwh: float) -> None:
        rule = self.rules.low_balance
        days_left = None
        if rule.days_left > 0:
            forecast = await stored_forecast(
                self.config, device, BALANCE, self.clock.now(), balance_kwh
            )
            days_left = forecast.days_left if forecast else None
        holds = balance_kwh <= rule.threshold_kwh or (
            days_left is not None and days_left < rule.days_left
        )
        if not self.latch.starts(("low_balance", device), holds, self.clock.now()):
            return

        def words(t: Texts) -> str:
            lines = [t.say("alert_low_balance", value=t.quantity(BALANCE, balance_kwh))]
            if days_left is not None:
                lines.append(t.say("alert_low_days", days=t.number(days_left, 1)))
            if len(self.config.devices) > 1:
                lines.append(t.say("of_device", name=self._name(device)))
            return "\n".join(lines)

        self._send("low_balance", device, words)

    async def capacity(self, state: CapacityState) -> None:
        """The gateway's own prediction (``<dev>/capacity``), when it publishes one."""
        if not self.rules.capacity.enabled:
            return
        peak = max(state.month_peak_power_w or 0.0, state.floor_w)
        self._capacity_alert(
            state.device,
            state.new_peak_predicted,
            state.predicted_quarter_power_w,
            peak,
            state.quarter_start,
        )

    def _check_capacity(self, reading: Reading) -> None:
        """From the meter's registers, for P1 meters without a ``capacity`` topic."""
        values, device = reading.values, reading.device
        if self.watch.view(device).capacity is not None:
            return  # the gateway's prediction is the one that counts
        if "quarter_avg_power_w" not in values or "month_peak_power_w" not in values:
            return
        peak = values["month_peak_power_w"]
        now_w = values.get("power_import_w", values.get("power_w"))
        projected = projected_quarter_w(values["quarter_avg_power_w"], now_w, reading.ts)
        holds = projected > max(peak, self.rules.capacity.min_peak_w)
        start = reading.ts.replace(
            minute=reading.ts.minute - reading.ts.minute % 15, second=0, microsecond=0
        )
        self._capacity_alert(device, holds, projected, peak, start)

    def _capacity_alert(
        self, device: str, holds: bool, projected: float, peak: float, start: datetime
    ) -> None:
        if not self.latch.starts(("capacity", device), holds, self.clock.now()):
            return
        zone = self.config.telegram.zone
        name = self._name(device)
        self._send(
            "capacity",
            device,
            lambda t: t.say(
                "alert_capacity",
                name=name,
                projected=t.power(projected),
                peak=t.power(peak),
                end=t.clock(start + QUARTER, zone),
            ),
        )

    def check_silence(self) -> None:
        rule = self.rules.offline
        if not rule.enabled:
            return
        now = self.clock.now()
        for device in self.config.devices:
            heard = self.watch.view(device).heard_at or self.started
            silent = now - heard
            if silent <= timedelta(minutes=rule.after_min):
                self._back_online(device)
            elif self.latch.starts(("offline", device), True, now):
                self._send_offline(device, int(rule.after_min), silent.total_seconds())

    def _send_offline(self, device: str, minutes: int, seconds: float) -> None:
        name = self._name(device)
        self._send(
            "offline",
            device,
            lambda t: t.say("alert_offline", name=name, minutes=minutes, age=t.age(seconds)),
        )

    def _back_online(self, device: str) -> None:
        if self.latch.ends(("offline", device)):
            name = self._name(device)
            self._send("online", device, lambda t: t.say("alert_online", name=name))

    async def watch_silence(self) -> None:
        """Looks for silent devices every ``TICK`` of the bot's clock."""
        while True:
            await sleep_until(self.clock, self.clock.now() + TICK)
            self.check_silence()
