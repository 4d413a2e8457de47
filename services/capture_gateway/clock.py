"""Time as the camera parts see it, passed in so schedules can be tested on a clock a test moves.

Wall time (``now``) places daily shots and stamps frames; monotonic time measures intervals
(throttle, backoff) so a clock change cannot unleash or freeze them.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

# A long wait is slept in pieces so a wall-clock change (NTP step, suspend) is noticed.
MAX_SLEEP_PIECE_S = 60.0


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall time, aware, UTC."""
        ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


async def sleep_until(clock: Clock, when: datetime) -> None:
    """Until the wall clock reaches ``when``, re-checked after each piece of sleep."""
    while (remaining := (when - clock.now()).total_seconds()) > 0:
        await clock.sleep(min(remaining, MAX_SLEEP_PIECE_S))


async def sleep_until_monotonic(clock: Clock, deadline: float) -> None:
    remaining = deadline - clock.monotonic()
    if remaining > 0:
        await clock.sleep(remaining)
