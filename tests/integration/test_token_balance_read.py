"""token_entry's fresh balance after typing, on a real Mosquitto: a refused photo is taken again.

One unlucky frame (glare, a digit caught changing) used to turn a token that went
through into a failed attempt; now the camera is asked again while time is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from services.core.config.mqtt import MqttConfig
from services.core.messages import CaptureRequest, Reading, Rejected, utc_now
from services.core.runtime import Bus, IncomingMessage
from services.token_entry.balance import BalanceUnreadable, BalanceWatch
from tests.conftest import make_config


class Camera:
    """Answers each capture of pln with the next answer in line: refuse, or read a value."""

    def __init__(self, answers: list[float | None]) -> None:
        self.answers = answers
        self.asked = 0
        self.bus: Bus | None = None

    async def on_capture(self, message: IncomingMessage) -> None:
        request = CaptureRequest.from_payload(message.payload)
        assert self.bus is not None
        value = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        if value is None:
            rejected = Rejected(
                device="pln",
                source="ocr",
                reason="glare on the display",
                reading={"request_id": request.request_id},
            )
            await self.bus.publish("meterhub/pln/rejected", rejected.to_payload())
        else:
            reading = Reading(
                device="pln",
                ts=utc_now(),
                source="ocr",
                values={"token_balance_kwh": value},
                request_id=request.request_id,
            )
            await self.bus.publish("meterhub/pln/reading", reading.to_payload())


@asynccontextmanager
async def _bus(
    mqtt: MqttConfig, name: str, handlers: Callable[[Bus], dict[str, Callable[..., Awaitable]]]
) -> AsyncIterator[Bus]:
    """A bus subscribed (before it connects, so nothing is missed) with its handlers."""
    bus = Bus(mqtt, name)
    for topic_filter, handler in handlers(bus).items():
        bus.subscribe(topic_filter, handler)
    task = asyncio.create_task(bus.run())
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        yield bus
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)


async def _read(broker, tmp_path, answers: list[float | None], timeout_s: float = 10.0):
    mqtt = make_config(broker, tmp_path).mqtt
    camera = Camera(answers)
    watches: list[BalanceWatch] = []

    def token_side(bus: Bus) -> dict[str, Callable[..., Awaitable]]:
        watches.append(BalanceWatch(bus, {"pln": "token_balance_kwh"}))
        watches[0].subscribe()  # as token_entry follows them
        return {}

    async with _bus(
        mqtt, "camera", lambda _: {"meterhub/pln/cmd/capture": camera.on_capture}
    ) as cam:
        camera.bus = cam
        async with _bus(mqtt, "token-test", token_side):
            try:
                return await watches[0].read("pln", timeout_s), camera.asked
            except BalanceUnreadable as error:
                return error, camera.asked


@pytest.mark.parametrize("refusals", [1, 2])
async def test_a_refused_photo_is_taken_again(broker, tmp_path, refusals):
    value, asked = await _read(broker, tmp_path, [None] * refusals + [142.5])
    assert (value, asked) == (142.5, refusals + 1)


async def test_three_refused_photos_give_the_reason(broker, tmp_path):
    error, asked = await _read(broker, tmp_path, [None])
    assert isinstance(error, BalanceUnreadable) and "glare on the display" in str(error)
    assert asked == 3
