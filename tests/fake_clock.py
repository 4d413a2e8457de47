"""The clock a test moves: every service that takes a ``Clock`` (the capture gateway, the
bot) runs on it in tests, so schedules and alerts are tested without waiting."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import datetime, timedelta


class ManualClock:
    """Wall and monotonic time that move only when the test says ``advance``.

    ``sleepers`` lets a test wait until the code under test is parked on the clock
    before moving it, so nothing depends on how fast the event loop runs.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._mono = 1000.0
        self._sleeping: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._changed = asyncio.Condition()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleeping, (self._mono + max(0.0, seconds), next(self._order), future))
        async with self._changed:
            self._changed.notify_all()
        await future

    async def sleepers(self, count: int, timeout: float = 5.0) -> None:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: sum(not f.done() for *_, f in self._sleeping) >= count
                )

        await asyncio.wait_for(enough(), timeout)

    def next_wake_in(self) -> float:
        pending = [deadline for deadline, _, f in self._sleeping if not f.done()]
        return min(pending) - self._mono if pending else float("inf")

    def advance(self, by: float | timedelta) -> None:
        """Move wall and monotonic time on by ``by`` (seconds or a timedelta)."""
        seconds = by.total_seconds() if isinstance(by, timedelta) else by
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        while self._sleeping and self._sleeping[0][0] <= self._mono:
            _, _, future = heapq.heappop(self._sleeping)
            if not future.done():
                future.set_result(None)

    def jump(self, by: timedelta) -> None:
        """Wall time only, as an NTP step or a resumed host moves it; monotonic time stays."""
        self._now += by

    def set(self, when: datetime) -> None:
        self.advance((when - self._now).total_seconds())
