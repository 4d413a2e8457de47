"""The one clock every service is given: a wait for a wall-clock moment ends at it, ends
early on its wake event, and sees a clock that was corrected while it slept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.core.runtime.clock import MAX_SLEEP_PIECE_S, sleep_until
from tests.fake_clock import ManualClock

START = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


async def test_a_wait_ends_when_the_wall_clock_reaches_its_moment() -> None:
    clock = ManualClock(START)
    waiting = asyncio.create_task(sleep_until(clock, START + timedelta(minutes=5)))
    for _ in range(4):  # piece by piece: each piece looks at the clock again
        await clock.sleepers(1)
        clock.advance(MAX_SLEEP_PIECE_S)
        assert not waiting.done()
    await clock.sleepers(1)
    clock.advance(MAX_SLEEP_PIECE_S)
    await asyncio.wait_for(waiting, 5)


async def test_a_clock_set_forward_ends_the_wait_within_a_piece() -> None:
    clock = ManualClock(START)
    waiting = asyncio.create_task(sleep_until(clock, START + timedelta(hours=3)))
    await clock.sleepers(1)
    clock.jump(timedelta(hours=3))
    clock.advance(MAX_SLEEP_PIECE_S)
    await asyncio.wait_for(waiting, 5)


async def test_the_wake_event_ends_the_wait_early() -> None:
    clock, wake = ManualClock(START), asyncio.Event()
    waiting = asyncio.create_task(sleep_until(clock, START + timedelta(days=1), wake))
    await clock.sleepers(1)
    wake.set()
    await asyncio.wait_for(waiting, 5)
    assert clock.now() == START


async def test_a_moment_already_past_returns_at_once() -> None:
    clock = ManualClock(START)
    await asyncio.wait_for(sleep_until(clock, START - timedelta(seconds=1)), 5)
