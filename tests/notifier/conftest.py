"""The bot under test: real broker, real python-telegram-bot, a local fake Bot API, a clock
the test drives, and a test-side bus playing the meters and the keypad."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.config import MeterhubConfig
from services.core.runtime import Bus, ServiceSpec, run_services
from services.core.runtime.health import Health
from services.notifier.service import run_notifier
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.fake_clock import ManualClock
from tests.fake_telegram import TOKEN, FakeBotApi

OWNER = 1001  # the allowlisted chat
FAMILY = -2002  # an allowlisted group chat
STRANGER = 3003
# 11:59 in Jakarta on a Sunday: the default 12:00 check is a minute away.
START = datetime(2026, 11, 22, 4, 59, tzinfo=UTC)
PLN_CAMERA = {
    "pln": {"name": "PLN", "kind": "camera", "ocr": {"digits": 6, "decimals": 2}},
}


# The bot's clock in tests: time moves only when the test says so.
FakeClock = ManualClock


@dataclass
class Rig:
    api: FakeBotApi
    clock: FakeClock
    config: MeterhubConfig
    meters: Bus  # the test's own connection: plays devices and token_entry
    bus_seen: Collector
    health: Health

    async def say(self, text: str, chat: int = OWNER) -> None:
        await self.api.user_says(chat, text)

    async def reply(self, text: str, contains: str, chat: int = OWNER, timeout: float = 10.0):
        """Send ``text`` as the user and wait for the bot's answer containing ``contains``
        (sent after ``text``: an earlier message naming the same is no answer)."""
        before = len(self.api.calls)
        await self.say(text, chat)
        return await self.api.wait_sent(chat, contains, timeout, since=before)


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def start_bot(broker, tmp_path: Path) -> AsyncIterator[RigFactory]:
    stack = contextlib.AsyncExitStack()
    runs: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(
        telegram: dict[str, Any] | None = None,
        devices: dict[str, Any] | None = None,
        services: tuple[str, ...] = (),
        clock: FakeClock | None = None,
        **sections: Any,
    ) -> Rig:
        api = await FakeBotApi().start()
        stack.push_async_callback(api.stop)
        settings = {
            "bot_token": TOKEN,
            "api_base_url": api.base_url,
            "api_file_url": api.file_url,
            "allowed_chat_ids": [OWNER, FAMILY],
            "poll_timeout_s": 2,
            "capture_timeout_s": 5,
            **(telegram or {}),
        }
        config = make_config(
            broker,
            tmp_path / "data",
            devices=devices or PLN_CAMERA,
            telegram=settings,
            **sections,
        )
        clock = clock or FakeClock(START)
        specs = [ServiceSpec("notifier", lambda ctx: run_notifier(ctx, clock))]
        specs += [service_spec(name) for name in services]
        health, stop = Health(), asyncio.Event()
        task = asyncio.create_task(run_services(config, specs, stop=stop, health=health))
        runs.append((stop, task))
        seen = Collector()
        meters = await stack.enter_async_context(
            running_bus(config.mqtt, "test-meters", {"meterhub/#": seen})
        )
        await asyncio.wait_for(health.wait_connected("notifier"), 10)
        await api.wait_for(lambda c: c.method == "setMyCommands")
        return Rig(api, clock, config, meters, seen, health)

    yield start
    for stop, task in runs:
        stop.set()
        done, _ = await asyncio.wait([task], timeout=20)
        if not done:  # fail loudly rather than hang the suite
            task.cancel()
            raise AssertionError("the services did not stop within 20 s")
    await stack.aclose()
