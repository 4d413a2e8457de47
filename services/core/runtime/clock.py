"""Time as a service sees it, passed in so schedules and alerts run in tests on a clock the
test moves.

Wall time (``now``) places daily shots and schedules and stamps frames; monotonic time
measures intervals (throttle, backoff) so a clock change cannot unleash or freeze them.
A wait for a wall-clock moment sleeps in pieces and looks at the clock again after each,
so a clock that is corrected (NTP after boot, a suspended host) is noticed within a piece.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

# The longest piece a wait for a wall-clock moment sleeps before it looks at the clock again.
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


async def _piece(clock: Clock, when: datetime) -> None:
    """One piece of a wait, measured from the clock when the piece starts: a clock moved
    between two pieces (or before a piece's task first runs) is never slept past."""
    remaining = (when - clock.now()).total_seconds()
    if remaining > 0:
        await clock.sleep(min(remaining, MAX_SLEEP_PIECE_S))


async def sleep_until(clock: Clock, when: datetime, wake: asyncio.Event | None = None) -> None:
    """Until the wall clock reaches ``when``, or earlier once ``wake`` is set."""
    while clock.now() < when and not (wake and wake.is_set()):
        if wake is None:
            await _piece(clock, when)
            continue
        napping = asyncio.ensure_future(_piece(clock, when))
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait((napping, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            napping.cancel()
            woken.cancel()


async def sleep_until_monotonic(clock: Clock, deadline: float) -> None:
    """Until the monotonic clock reaches ``deadline``."""
    remaining = deadline - clock.monotonic()
    if remaining > 0:
        await clock.sleep(remaining)
