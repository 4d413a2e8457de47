"""The one way a frame reaches ``<dev>/frame``: checked, de-duplicated, throttled, counted.

Every source (MQTT, upload, snapshot, local camera, directory) hands its frames to its
device's gate; what the gate decides is the same whatever the source.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..core.messages import Rejected
from ..core.runtime import Bus
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from ..core.timestamps import iso_z
from .frames import Frame, FrameRejected, Problem, check_bytes, check_decodes
from .throttle import MinInterval, TooManyWaiting

log = logging.getLogger("meterhub.gateway.frames")
REJECTED_SOURCE = "capture"


class Outcome(StrEnum):
    PUBLISHED = "published"
    DUPLICATE = "duplicate"  # same bytes as the last frame: nothing new to read
    THROTTLED = "throttled"  # inside the device's minimum interval, nobody asked for it


@dataclass
class DeviceStatus:
    """What the gateway knows about one camera, for logs and ``GET /api/sources``."""

    source: str
    state: str = "unknown"  # online / offline once a shot or upload was tried
    published: int = 0
    duplicates: int = 0
    throttled: int = 0
    rejected: int = 0
    failures: int = 0  # failed shots in a row
    last_frame_id: str | None = None
    last_frame_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    next_attempt_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _waiters: list[asyncio.Future[None]] = field(default_factory=list, repr=False)

    def note(self) -> None:
        """Something changed: wake whoever waits on this camera's state."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> None:
        """Until ``condition()`` holds after some change (TimeoutError past ``timeout``)."""
        async with asyncio.timeout(timeout):
            while not condition():
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k not in ("extra", "_waiters")}
        for key in ("last_frame_at", "last_error_at", "next_attempt_at"):
            data[key] = iso_z(data[key]) if data[key] else None
        return {**data, **self.extra}


@dataclass(frozen=True)
class GateSettings:
    min_interval_s: float
    max_frame_bytes: int
    max_waiting: int


class FrameGate:
    def __init__(
        self, device: str, bus: Bus, clock: Clock, settings: GateSettings, status: DeviceStatus
    ) -> None:
        self.device, self.bus, self.clock, self.status = device, bus, clock, status
        self.settings = settings
        self.throttle = MinInterval(settings.min_interval_s, clock, settings.max_waiting)
        self._last_digest: str | None = None

    async def offer(self, frame: Frame, *, requested: bool) -> Outcome:
        """Publish the frame unless it is a duplicate or throttled; bad frames raise.

        A requested frame is never dropped: it skips the duplicate check (the asker wants
        an answer even if the meter did not change) and waits for its turn.
        """
        check_bytes(frame.jpeg, self.settings.max_frame_bytes)
        if not requested and not self.throttle.free():
            return self._count_throttled(frame)
        digest = frame.digest
        if not requested and digest == self._last_digest:
            self.status.duplicates += 1
            self.status.note()
            log.debug("duplicate frame dropped", extra=kv(device=self.device, **frame.summary()))
            return Outcome.DUPLICATE
        await asyncio.to_thread(check_decodes, frame.jpeg)
        if requested:
            try:
                await self.throttle.take_turn()
            except TooManyWaiting as error:
                raise FrameRejected(Problem.BUSY, f"throttled: {error}") from None
        elif self.throttle.free():  # checked again: the decode gave others a turn
            self.throttle.mark()
        else:
            return self._count_throttled(frame)
        self._last_digest = digest
        await self.bus.publish(
            self.bus.topics.frame(self.device), frame.jpeg, user_properties=frame.user_properties()
        )
        self.status.published += 1
        self.status.last_frame_id, self.status.last_frame_at = frame.frame_id, frame.ts
        self.status.note()
        log.info("frame", extra=kv(device=self.device, **frame.summary()))
        return Outcome.PUBLISHED

    def _count_throttled(self, frame: Frame) -> Outcome:
        self.status.throttled += 1
        self.status.note()
        log.debug(
            "frame throttled",
            extra=kv(
                device=self.device, wait_s=round(self.throttle.remaining(), 2), **frame.summary()
            ),
        )
        return Outcome.THROTTLED

    async def reject(self, reason: str, about: dict[str, Any]) -> None:
        """Tell the bus (and so storage, the bot, the web page) why a frame went nowhere."""
        self.status.rejected += 1
        self.status.note()
        log.warning("frame rejected", extra=kv(device=self.device, reason=reason, **about))
        await self.bus.publish(
            self.bus.topics.rejected(self.device),
            Rejected(
                device=self.device, source=REJECTED_SOURCE, reason=reason, reading=about
            ).to_payload(),
        )
