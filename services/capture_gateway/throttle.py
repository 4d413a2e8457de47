"""Per-device minimum interval between frames, so a chatty trigger cannot flood OCR.

Frames nobody asked for are dropped while the interval runs (the next one comes anyway);
frames somebody asked for (a request id from the bot, the web page, ``/autocapture``)
wait for their turn, a bounded number of them, so every asker still gets an answer.
"""

from __future__ import annotations

import asyncio

from ..core.runtime.clock import Clock


class TooManyWaiting(Exception):
    """More requested frames are waiting for a device than allowed."""


class MinInterval:
    def __init__(self, interval_s: float, clock: Clock, max_waiting: int) -> None:
        self.interval_s, self.clock, self.max_waiting = interval_s, clock, max_waiting
        self._last: float | None = None
        self._queue = asyncio.Lock()  # requested frames take turns in arrival order
        self.waiting = 0

    def remaining(self) -> float:
        """Seconds until the next frame may pass (0: now)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.interval_s - self.clock.monotonic())

    def free(self) -> bool:
        return self.remaining() == 0 and not self._queue.locked()

    def mark(self) -> None:
        """A frame passed now; call with no ``await`` between the check and this."""
        self._last = self.clock.monotonic()

    async def wait_free(self) -> None:
        """Until the interval since the last frame has run out (does not take the slot)."""
        while (left := self.remaining()) > 0:
            await self.clock.sleep(left)

    async def take_turn(self) -> None:
        """Wait in line for the slot and take it; ``TooManyWaiting`` if the line is full."""
        if self.waiting >= self.max_waiting:
            raise TooManyWaiting(f"{self.waiting} requested frames already waiting")
        self.waiting += 1
        try:
            async with self._queue:
                await self.wait_free()
                self.mark()
        finally:
            self.waiting -= 1
