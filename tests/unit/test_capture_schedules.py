"""Capture triggers on a clock the test moves: every minute, daily at 12:00 in a zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.capture_gateway.triggers import DailySchedule, IntervalSchedule, run_schedule
from services.core.config import ConfigError, load_config_text
from tests.fake_clock import ManualClock

JAKARTA = ZoneInfo("Asia/Jakarta")
BRUSSELS = ZoneInfo("Europe/Brussels")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_interval_falls_on_full_minutes_whatever_the_start():
    every_minute = IntervalSchedule(60)
    assert every_minute.next_after(utc(2026, 3, 1, 10, 0, 17)) == utc(2026, 3, 1, 10, 1)
    assert every_minute.next_after(utc(2026, 3, 1, 10, 1)) == utc(2026, 3, 1, 10, 2)


def test_noon_in_jakarta_is_five_utc_and_moves_to_the_next_day_after_it():
    noon = DailySchedule((time(12, 0),), JAKARTA)
    assert noon.next_after(utc(2026, 11, 22, 1, 0)) == utc(2026, 11, 22, 5, 0)
    assert noon.next_after(utc(2026, 11, 22, 5, 0)) == utc(2026, 11, 23, 5, 0)
    # 23:30 in Jakarta is already the next local day in UTC terms: still the next noon.
    assert noon.next_after(utc(2026, 11, 22, 16, 30)) == utc(2026, 11, 23, 5, 0)


def test_several_times_a_day_come_in_order():
    twice = DailySchedule((time(6, 30), time(18, 0)), JAKARTA)
    assert twice.next_after(utc(2026, 11, 21, 23, 0)) == utc(2026, 11, 21, 23, 30)
    assert twice.next_after(utc(2026, 11, 21, 23, 30)) == utc(2026, 11, 22, 11, 0)


def test_daylight_saving_days_in_brussels():
    noon = DailySchedule((time(12, 0),), BRUSSELS)
    # Winter UTC+1, summer UTC+2: the same wall time, an hour apart in UTC.
    assert noon.next_after(utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 10)
    assert noon.next_after(utc(2026, 3, 27, 12)) == utc(2026, 3, 28, 11)
    # 02:30 does not exist on 29 March 2026: it falls an hour later by the wall clock.
    gap = DailySchedule((time(2, 30),), BRUSSELS)
    assert gap.next_after(utc(2026, 3, 29, 0)) == utc(2026, 3, 29, 1, 30)
    # 02:30 happens twice on 25 October 2026: taken once, the first time (CEST).
    twice = DailySchedule((time(2, 30),), BRUSSELS)
    first = twice.next_after(utc(2026, 10, 24, 23))
    assert first == utc(2026, 10, 25, 0, 30)
    assert twice.next_after(first) == utc(2026, 10, 26, 1, 30)


async def test_a_minute_schedule_fires_once_per_minute_as_the_clock_moves():
    clock = ManualClock(utc(2026, 3, 1, 10, 0, 30))
    fired: asyncio.Queue[datetime] = asyncio.Queue()

    async def fire(name: str) -> None:
        assert name == "interval"
        fired.put_nowait(clock.now())

    task = asyncio.create_task(run_schedule(IntervalSchedule(60), clock, fire, "drum"))
    try:
        await clock.sleepers(1)
        clock.advance(29)  # 10:00:59: not yet
        await clock.sleepers(1)
        assert fired.empty()
        for minute in (1, 2, 3):
            clock.advance(clock.next_wake_in())
            assert await asyncio.wait_for(fired.get(), 5) == utc(2026, 3, 1, 10, minute)
            await clock.sleepers(1)
        assert fired.empty()
    finally:
        task.cancel()


async def test_daily_noon_fires_at_noon_jakarta_time_and_not_again_that_day():
    clock = ManualClock(utc(2026, 11, 22, 4, 59))  # 11:59 in Jakarta
    fired: list[datetime] = []
    fired_event = asyncio.Event()

    async def fire(name: str) -> None:
        fired.append(clock.now())
        fired_event.set()

    schedule = DailySchedule((time(12, 0),), JAKARTA)
    task = asyncio.create_task(run_schedule(schedule, clock, fire, "pln"))
    try:
        await clock.sleepers(1)
        clock.advance(60)
        await asyncio.wait_for(fired_event.wait(), 5)
        assert fired == [utc(2026, 11, 22, 5, 0)]
        assert fired[0].astimezone(JAKARTA).strftime("%H:%M") == "12:00"
        await clock.sleepers(1)
        clock.advance(23 * 3600)  # 11:00 the next day: nothing
        await clock.sleepers(1)
        assert len(fired) == 1
    finally:
        task.cancel()


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ("{kind: daily, times: ['12:00']}", "timezone: Field required"),
        ("{kind: daily, times: ['25:00'], timezone: UTC}", "times must be HH:MM"),
        ("{kind: daily, times: ['12:00'], timezone: Mars/Olympus}", "unknown time zone"),
        ("{kind: interval, every_s: 0.1}", "greater than or equal to 1"),
    ],
)
def test_bad_triggers_are_config_errors_with_the_line(trigger: str, message: str):
    text = f"devices:\n  cam:\n    kind: camera\n    capture:\n      triggers: [{trigger}]\n"
    with pytest.raises(ConfigError, match=message) as error:
        load_config_text(text, "home.yml")
    assert "home.yml:5: devices.cam.capture.triggers.0" in str(error.value)


def test_an_uploading_camera_takes_no_triggers():
    text = (
        "devices:\n  cam:\n    kind: camera\n    capture:\n"
        "      source: {kind: upload, token: 0123456789abcdef}\n"
        "      triggers: [{kind: interval, every_s: 60}]\n"
    )
    with pytest.raises(ConfigError, match="upload source delivers frames on its own"):
        load_config_text(text)
