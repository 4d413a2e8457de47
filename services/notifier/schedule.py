"""Daily automatic checks at the times each chat chose, in the configured time zone.

The loop sleeps until the next due time (or until a schedule changes), then fires every
time that fell in the span since it last looked: a late wake-up still fires, but a slot
more than ``GRACE`` old (the host was off) is skipped rather than sent hours late.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, tzinfo

from ..core.runtime.clock import Clock, sleep_until
from ..core.runtime.logs import kv
from ..database.schedules import ChatStore

log = logging.getLogger("meterhub.notifier")

GRACE = timedelta(minutes=30)
IDLE = timedelta(days=1)  # nothing scheduled: look again after this (or on a change)
# 16:01, 9:05, and the Indonesian way of writing times, 16.01.
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")

SlotRunner = Callable[[str, list[int]], Awaitable[None]]


def parse_time(text: str) -> str | None:
    """``"9.05"`` → ``"09:05"``; None for anything that is not a time of day."""
    match = _TIME.match(text.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def _moment(day: datetime, at: str, zone: tzinfo) -> datetime:
    hours, minutes = (int(part) for part in at.split(":"))
    return datetime.combine(day.date(), time(hours, minutes), zone)


def due_between(
    plan: dict[int, list[str]], after: datetime, until: datetime, zone: tzinfo
) -> list[tuple[str, list[int]]]:
    """Slots with ``after < slot <= until`` (and not older than GRACE), with their chats."""
    times = sorted({at for chat_times in plan.values() for at in chat_times})
    due: list[tuple[datetime, str]] = []
    day = after.astimezone(zone) - timedelta(days=1)
    while day.date() <= until.astimezone(zone).date():
        for at in times:
            moment = _moment(day, at, zone)
            if after < moment <= until and until - moment <= GRACE:
                due.append((moment, at))
        day += timedelta(days=1)
    return [
        (at, [chat for chat, chat_times in plan.items() if at in chat_times])
        for _, at in sorted(due)
    ]


def next_due(plan: dict[int, list[str]], after: datetime, zone: tzinfo) -> datetime | None:
    times = {at for chat_times in plan.values() for at in chat_times}
    if not times:
        return None
    local = after.astimezone(zone)
    candidates = [
        _moment(local + timedelta(days=shift), at, zone) for shift in (0, 1) for at in times
    ]
    return min(c for c in candidates if c > after)


class Scheduler:
    def __init__(self, store: ChatStore, clock: Clock, zone: tzinfo, run_slot: SlotRunner) -> None:
        self.store, self.clock, self.zone, self.run_slot = store, clock, zone, run_slot
        self.changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        looked = self.clock.now()
        while True:
            self.changed.clear()
            plan = await self.store.all_times()
            wake_at = next_due(plan, looked, self.zone) or looked + IDLE
            await sleep_until(self.clock, wake_at, self.changed)
            now = self.clock.now()
            plan = await self.store.all_times()  # a change made while asleep counts
            for at, chats in due_between(plan, looked, now, self.zone):
                log.info("scheduled check", extra=kv(at=at, chats=len(chats)))
                task = asyncio.get_running_loop().create_task(self.run_slot(at, chats))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            looked = now
