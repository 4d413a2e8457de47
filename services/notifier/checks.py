"""A balance check: ask the camera for a photo now, wait for its reading, say what it showed.

Used by /cektoken and by the scheduled checks (one capture serves every chat due at the
same minute). What the camera did not answer, or what OCR refused, is said as such with
the last known value and its age; nothing is guessed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..core.config import MeterhubConfig
from ..core.messages import MAX_BURST, CaptureRequest, Reading, Rejected
from ..core.quantities import QuantityKind, quantity
from ..core.runtime import Bus
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from ..core.timestamps import parse_aware
from ..database.reading_queries import ReadingQueries
from ..database.usage import UsageQueries
from ..domain.forecast import DaysLeft
from .lang import Texts
from .meters import MeterWatch, Seen

log = logging.getLogger("meterhub.notifier")


@dataclass(frozen=True)
class Outcome:
    device: str
    key: str  # the quantity the camera reads
    fresh: Seen | None  # what the camera just showed
    reason: str | None  # why OCR refused the photo
    last: Seen | None  # last known value, when there is no fresh one
    forecast: DaysLeft | None  # days left at the fresh balance
    timeout_s: float
    now: datetime


def prepaid_devices(config: MeterhubConfig) -> dict[str, str]:
    """Camera meters whose display is a prepaid balance: device id → quantity."""
    return {
        device: settings.ocr.quantity
        for device, settings in config.devices.items()
        if settings.kind == "camera"
        and settings.ocr is not None
        and quantity(settings.ocr.quantity).kind is QuantityKind.BALANCE
    }


class BalanceChecker:
    def __init__(
        self, config: MeterhubConfig, bus: Bus, watch: MeterWatch, usage: UsageQueries, clock: Clock
    ) -> None:
        self.config, self.bus, self.watch, self.usage, self.clock = config, bus, watch, usage, clock
        self.devices = prepaid_devices(config)

    def name(self, device: str) -> str:
        settings = self.config.devices.get(device)
        return (settings.name if settings else "") or device

    async def check(self, device: str) -> Outcome:
        key = self.devices[device]
        request = CaptureRequest(burst=self.burst(device))
        answer = self.watch.expect_capture(device, request.request_id, request.burst)
        await self.bus.publish(self.bus.topics.capture(device), request.to_payload())
        timeout = self.config.telegram.capture_timeout_s
        fresh: Seen | None = None
        reason: str | None = None
        try:
            result = await asyncio.wait_for(answer, timeout)
        except TimeoutError:
            log.warning("camera did not answer", extra=kv(device=device, timeout_s=timeout))
        else:
            if isinstance(result, Reading) and key in result.values:
                fresh = Seen(result.values[key], result.ts)
            elif isinstance(result, Rejected):
                reason = result.reason
            else:
                reason = f"the reading has no {key}"
        now = self.clock.now()
        return Outcome(
            device=device,
            key=key,
            fresh=fresh,
            reason=reason,
            last=None if fresh else await self.last_known(device, key),
            forecast=await stored_forecast(self.config, device, key, now, fresh.value)
            if fresh
            else None,
            timeout_s=timeout,
            now=now,
        )

    def burst(self, device: str) -> int:
        """Photos to ask for: enough for ``ocr.confirm_frames`` to confirm a value."""
        settings = self.config.devices.get(device)
        confirm = settings.ocr.confirm_frames if settings and settings.ocr else 1
        return min(max(self.config.telegram.cektoken_burst, confirm), MAX_BURST)

    async def last_known(self, device: str, key: str) -> Seen | None:
        return (await self.known_values(device)).get(key)

    async def known_values(self, device: str) -> dict[str, Seen]:
        """Newest of what this bot saw on the bus and what storage kept, per quantity."""
        values = await asyncio.to_thread(_stored_latest, self.config, device)
        for key, seen in self.watch.view(device).values.items():
            if key not in values or seen.ts >= values[key].ts:
                values[key] = seen
        return values

    def describe(self, outcome: Outcome, t: Texts) -> str:
        lines: list[str] = []
        if outcome.fresh is not None:
            lines.append(t.say("balance", value=t.quantity(outcome.key, outcome.fresh.value)))
            if outcome.forecast is not None and outcome.forecast.days_left is not None:
                lines.append(days_left_text(t, outcome.key, outcome.forecast))
        else:
            if outcome.reason is not None:
                lines += [t.say("read_failed"), t.say("reason", reason=outcome.reason)]
            else:
                lines.append(t.say("camera_silent", seconds=t.number(outcome.timeout_s, 0)))
            if outcome.last is not None:
                age = (outcome.now - outcome.last.ts).total_seconds()
                value = t.quantity(outcome.key, outcome.last.value)
                lines.append(t.say("last_known", value=value, age=t.age(age)))
            else:
                lines.append(t.say("no_value_yet"))
        if len(self.devices) > 1:
            lines.append(t.say("of_device", name=self.name(outcome.device)))
        return "\n".join(lines)


def days_left_text(t: Texts, key: str, forecast: DaysLeft) -> str:
    """ "≈ 19 days left, ±2 (3.10 kWh/day over the last 6.5 days)"; tenths below ten days."""
    days = forecast.days_left or 0.0
    figures = {
        "days": t.number(days, 1 if days < 10 else 0),
        "use": t.quantity(key, forecast.use_per_day),
        "span": t.number(forecast.span_days, 1),
    }
    spread = forecast.uncertainty_days
    if spread is None:
        return t.say("days_left_rough", **figures)
    return t.say("days_left", spread=t.number(spread, 1 if spread < 10 else 0), **figures)


async def stored_forecast(
    config: MeterhubConfig, device: str, key: str, now: datetime, balance: float | None = None
) -> DaysLeft | None:
    """Storage's forecast (its one definition) at ``balance`` (default: the stored one)."""
    return await asyncio.to_thread(_stored_forecast, config, device, key, now, balance)


def _stored_forecast(
    config: MeterhubConfig, device: str, key: str, now: datetime, balance: float | None
) -> DaysLeft | None:
    queries = ReadingQueries(config.storage.sqlite_path)
    try:
        return queries.days_left(device, key, now, balance=balance)
    except sqlite3.Error as error:  # no store or no tables yet: no forecast
        log.info("no forecast from storage", extra=kv(device=device, error=str(error)))
        return None
    finally:
        queries.close()


def _stored_latest(config: MeterhubConfig, device: str) -> dict[str, Seen]:
    queries = ReadingQueries(config.storage.sqlite_path)
    try:
        latest = queries.latest(device) or {}
        return {
            key: Seen(value["value"], parse_aware(value["ts"]))
            for key, value in latest.get("values", {}).items()
        }
    except (sqlite3.Error, KeyError, TypeError, ValueError) as error:
        # No store yet, tables not made yet, or a shape this bot does not know: the bus
        # values still answer.
        log.debug("no stored values", extra=kv(device=device, error=error))
        return {}
    finally:
        queries.close()
