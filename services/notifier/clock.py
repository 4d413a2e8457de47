"""Time as the bot sees it: one seam, so schedules and alerts are tested on a clock we drive."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Protocol

# A sleeping schedule re-reads the wall clock at least this often, so a clock that is
# corrected (NTP after boot, a suspended host) is noticed within a minute.
MAX_NAP_S = 60.0


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC time."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event | None = None) -> None:
        """Return at ``when``, or earlier once ``wake`` is set."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event | None = None) -> None:
        wake = wake or asyncio.Event()
        while not wake.is_set():
            left = (when - self.now()).total_seconds()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(left, MAX_NAP_S))
