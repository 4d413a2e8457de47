"""Test-side MQTT helpers: wait on messages, never on the clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from services.core.config.mqtt import MqttConfig
from services.core.runtime import Bus, IncomingMessage


class Collector:
    """Records messages on a filter; ``wait_for`` returns the first one matching a predicate."""

    def __init__(self) -> None:
        self.messages: list[IncomingMessage] = []
        self._changed = asyncio.Condition()

    async def handler(self, message: IncomingMessage) -> None:
        async with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[IncomingMessage], bool], timeout: float = 20.0
    ) -> IncomingMessage:
        async def first() -> IncomingMessage:
            async with self._changed:
                while True:
                    for message in self.messages:
                        if predicate(message):
                            return message
                    await self._changed.wait()

        return await asyncio.wait_for(first(), timeout)


@contextlib.asynccontextmanager
async def running_bus(
    mqtt: MqttConfig, name: str, subscriptions: dict[str, Collector] | None = None
) -> AsyncIterator[Bus]:
    """A connected bus whose topic filters feed the given collectors."""
    bus = Bus(mqtt, name)
    for key, collector in (subscriptions or {}).items():
        bus.subscribe(key, collector.handler)
    task = asyncio.create_task(bus.run())
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        yield bus
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)
