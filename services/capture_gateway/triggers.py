"""When a shot is due: every N seconds, or at clock times of a day in a time zone.

A schedule only answers "what is the next time after this one"; the loop sleeps on the
clock it is given, so tests drive it with a clock they move. Missed times (the machine
was asleep, the gateway down) are not made up: after waking the next time still ahead
is taken.

Daylight-saving rules for daily times (zoneinfo's): a time that does not exist on the
spring-forward day (02:30 in Europe/Brussels) falls an hour later by the wall clock;
a time that happens twice on the fall-back day is taken once, the first time.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ..core.config.capture import DailyTrigger, IntervalTrigger
from ..core.runtime.clock import Clock, sleep_until
from ..core.runtime.logs import kv

log = logging.getLogger("meterhub.gateway.triggers")


class Schedule(Protocol):
    name: str

    def next_after(self, now: datetime) -> datetime:
        """The first due time strictly after ``now`` (aware, UTC)."""
        ...


@dataclass(frozen=True)
class IntervalSchedule:
    every_s: float
    name: str = "interval"

    def next_after(self, now: datetime) -> datetime:
        # On multiples of the period since the epoch: every 60 s means each full minute.
        slot = math.floor(now.timestamp() / self.every_s) + 1
        return datetime.fromtimestamp(slot * self.every_s, UTC)


@dataclass(frozen=True)
class DailySchedule:
    times: tuple[time, ...]
    zone: ZoneInfo
    name: str = "daily"

    def next_after(self, now: datetime) -> datetime:
        today = now.astimezone(self.zone).date()
        candidates = (
            datetime.combine(today + timedelta(days=offset), at, tzinfo=self.zone).astimezone(UTC)
            for offset in (0, 1, 2)
            for at in self.times
        )
        return min(c for c in candidates if c > now)


def _interval(trigger: IntervalTrigger) -> Schedule:
    return IntervalSchedule(trigger.every_s)


def _daily(trigger: DailyTrigger) -> Schedule:
    times = tuple(time.fromisoformat(t) for t in trigger.times)
    return DailySchedule(times, ZoneInfo(trigger.timezone))


# Trigger kind → schedule; kinds not here (autocapture) fire from outside, not by time.
SCHEDULES: dict[str, Callable[..., Schedule]] = {"interval": _interval, "daily": _daily}


def schedule_of(trigger: object) -> Schedule | None:
    build = SCHEDULES.get(getattr(trigger, "kind", ""))
    return build(trigger) if build else None


async def run_schedule(
    schedule: Schedule, clock: Clock, fire: Callable[[str], Awaitable[None]], device: str
) -> None:
    """Call ``fire(schedule.name)`` at each due time, forever."""
    while True:
        due = schedule.next_after(clock.now())
        log.debug("next shot", extra=kv(device=device, trigger=schedule.name, at=due.isoformat()))
        await sleep_until(clock, due)
        await fire(schedule.name)
