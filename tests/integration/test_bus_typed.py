"""Typed subscriptions (``Bus.on``) on a real Mosquitto: parsed models in, junk refused.

A handler gets the device id from the topic and the payload parsed by the channel's
contract row; a payload that fails it never reaches the handler and never stops the
subscription. The channel's judge answers it on ``rejected``; another subscriber only
logs and counts it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.core.contract import CHANNELS, Channel
from services.core.messages import DeviceState, Reading, Rejected
from services.core.runtime import Bus, IncomingMessage
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

READING = Reading(
    device="pln", ts="2026-11-22T05:00:00Z", source="sim", values={"token_balance_kwh": 127.0}
)
JUNK = b'{"device": "pln", "values": "lots"}'


class Taken:
    """What a typed handler was given, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self.changed = asyncio.Event()

    async def handler(self, device: str, message: Any) -> None:
        self.items.append((device, message))
        self.changed.set()

    async def wait_for(self, count: int) -> list[tuple[str, Any]]:
        async def enough() -> None:
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(enough(), 10)
        return self.items


async def _serving(bus: Bus) -> asyncio.Task[None]:
    task = asyncio.create_task(bus.run())
    await asyncio.wait_for(bus.connected.wait(), 10)
    return task


async def test_a_handler_gets_the_device_and_the_model_and_junk_is_refused_by_the_judge(
    broker, tmp_path
):
    config = make_config(broker, tmp_path / "data")
    judge = CHANNELS[Channel.READING].judge
    bus = Bus(config.mqtt, judge)
    taken = Taken()
    bus.on(Channel.READING, taken.handler)
    task = await _serving(bus)
    rejected = Collector()
    try:
        async with running_bus(config.mqtt, "device", {"meterhub/+/rejected": rejected}) as device:
            await device.publish("meterhub/pln/reading", JUNK)
            await device.send(Channel.READING, "pln", READING)
            [(name, reading)] = await taken.wait_for(1)
            assert (name, reading) == ("pln", READING)  # the model, not bytes
            refusal = await rejected.wait_for(lambda m: m.topic == "meterhub/pln/rejected")
            answer = Rejected.from_payload(refusal.payload)
            assert answer.source == judge
            assert answer.reason.startswith("invalid reading: ")
            assert "values: Input should be an object" in answer.reason
            assert answer.reading == JUNK.decode()
            assert bus.stats.invalid == 1
            assert bus.stats.handler_errors == 0
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)


async def test_a_subscriber_that_is_not_the_judge_logs_and_counts_junk_without_answering(
    broker, tmp_path, caplog
):
    config = make_config(broker, tmp_path / "data")
    assert CHANNELS[Channel.READING].judge != "notifier"
    bus = Bus(config.mqtt, "notifier")
    taken = Taken()
    bus.on(Channel.READING, taken.handler)
    task = await _serving(bus)
    rejected = Collector()
    try:
        async with running_bus(config.mqtt, "device", {"meterhub/+/rejected": rejected}) as device:
            await device.publish("meterhub/pln/reading", JUNK)
            await device.send(Channel.READING, "pln", READING)
            await taken.wait_for(1)
            # Anything the bus had answered would be on the broker before this marker.
            await device.publish("meterhub/marker/rejected", b"{}")
            await rejected.wait_for(lambda m: m.topic == "meterhub/marker/rejected")
            assert [m.topic for m in rejected.messages] == ["meterhub/marker/rejected"]
            assert taken.items == [("pln", READING)]
            assert bus.stats.invalid == 1
            [ignored] = [r for r in caplog.records if r.getMessage() == "invalid message ignored"]
            assert "values: Input should be an object" in str(ignored.__dict__)
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)


async def test_binary_channels_cleared_topics_and_own_refusals(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    bus = Bus(config.mqtt, "web")
    frames, states, cleared, refused = Taken(), Taken(), Taken(), Taken()

    async def on_cleared(device: str) -> None:
        await cleared.handler(device, None)

    async def on_invalid(device: str, message: IncomingMessage, reason: str) -> None:
        await refused.handler(device, reason)

    bus.on(Channel.FRAME, frames.handler, device="pln", qos=0)
    bus.on(Channel.STATE, states.handler, on_cleared=on_cleared, on_invalid=on_invalid)
    task = await _serving(bus)
    try:
        async with running_bus(config.mqtt, "device") as device:
            await device.publish(
                "meterhub/pln/frame", b"\xff\xd8jpeg", user_properties={"frame_id": "f1"}
            )
            await device.publish("meterhub/other/frame", b"\xff\xd8not followed")
            await device.publish("meterhub/p1/state", b'{"ts": "never"}', retain=True)
            await device.publish("meterhub/p1/state", b"", retain=True)  # cleared
            state = DeviceState(ts="2026-11-22T05:00:00Z", energy_import_kwh=1.5)
            await device.send(Channel.STATE, "p1", state)
            [(name, frame)] = await frames.wait_for(1)
            assert name == "pln" and isinstance(frame, IncomingMessage)
            assert (frame.payload, frame.user_properties) == (b"\xff\xd8jpeg", {"frame_id": "f1"})
            assert await states.wait_for(1) == [("p1", state)]
            assert await cleared.wait_for(1) == [("p1", None)]
            [(name, reason)] = await refused.wait_for(1)
            assert name == "p1" and reason.startswith("invalid state: ts")
            # A topic whose device segment is no device id never reaches a handler.
            await device.publish("meterhub/Not A Device/state", state.to_payload())
            (name, reason) = (await refused.wait_for(2))[1]
            assert name == "Not A Device" and "names no device id" in reason
            assert states.items == [("p1", state)] and bus.stats.invalid == 2
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)
