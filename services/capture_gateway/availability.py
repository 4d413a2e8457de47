"""A camera's ``<dev>/availability`` when the gateway is the one talking to it.

Cameras on MQTT announce themselves (retained ``online``, LWT ``offline``). A snapshot
URL, a local camera or a watched directory cannot, so the gateway says it for them:
``online`` after a shot that worked, ``offline`` after one that failed, and ``offline``
when the gateway stops. The reason goes to the log and ``GET /api/sources``; the topic
keeps the contract's two words.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ..core.contract import Channel
from ..core.runtime import Bus
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from .gate import DeviceStatus

log = logging.getLogger("meterhub.gateway.cameras")
ONLINE, OFFLINE = "online", "offline"


class Availability:
    def __init__(self, device: str, bus: Bus, status: DeviceStatus, clock: Clock) -> None:
        self.device, self.bus, self.status, self.clock = device, bus, status, clock

    async def ok(self) -> None:
        if self.status.state == OFFLINE:
            log.info(
                "camera back", extra=kv(device=self.device, after_failures=self.status.failures)
            )
        self.status.failures = 0
        self.status.next_attempt_at = None
        self.status.note()
        await self._announce(ONLINE)

    async def failed(self, reason: str, retry_in_s: float | None) -> None:
        self.status.failures += 1
        now = self.clock.now()
        self.status.last_error, self.status.last_error_at = reason, now
        self.status.next_attempt_at = (
            None if retry_in_s is None else now + timedelta(seconds=retry_in_s)
        )
        log.warning(
            "camera failed",
            extra=kv(
                device=self.device,
                source=self.status.source,
                reason=reason,
                failures=self.status.failures,
                retry_in_s=None if retry_in_s is None else round(retry_in_s, 2),
            ),
        )
        self.status.note()
        await self._announce(OFFLINE)

    async def stopped(self) -> None:
        if self.status.state == ONLINE:
            await self._announce(OFFLINE)

    async def _announce(self, state: str) -> None:
        if self.status.state == state:
            return
        self.status.state = state
        await self.bus.send(Channel.AVAILABILITY, self.device, state)
