"""The sound sensor in front of a simulated PLN meter.

The meter beeps while its balance is under its low-credit level; the board that hears it
publishes ``alarm`` (QoS 1, not retained) at most once per cooldown, as the firmware's
``SoundAlarm`` does after its beep detector recognised the series.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ..core.config.simulator import SimulatedSound
from ..core.messages import Alarm, utc_now
from ..core.runtime import Bus
from ..core.runtime.logs import kv
from .prepaid import PrepaidMeterModel

log = logging.getLogger("meterhub.simulator.sound")


class PrepaidSound:
    def __init__(
        self,
        bus: Bus,
        device: str,
        settings: SimulatedSound,
        meter: PrepaidMeterModel,
        catch_up: Callable[[], Awaitable[None]],
    ) -> None:
        self.bus, self.device, self.settings, self.meter = bus, device, settings, meter
        self._catch_up = catch_up  # the meter moves on with the camera's clock
        self._last_alarm: float | None = None

    def beeping(self) -> bool:
        return self.meter.balance_kwh < self.settings.low_credit_kwh

    async def listen(self) -> bool:
        """One look at the meter; True when an alarm went out."""
        await self._catch_up()
        if not self.beeping():
            return False
        now = time.monotonic()
        if self._last_alarm is not None and now - self._last_alarm < self.settings.cooldown_s:
            return False
        self._last_alarm = now
        alarm = Alarm(kind="beep", ts=utc_now())
        await self.bus.publish(self.bus.topics.device("alarm", self.device), alarm.to_payload())
        log.info("meter beeping", extra=kv(device=self.device, balance_kwh=self.meter.balance_kwh))
        return True

    async def run(self) -> None:
        while True:
            await self.listen()
            await asyncio.sleep(self.settings.listen_interval_s)
