"""Bus.subscribe_batch: lists of received messages, acknowledged only after the handler."""

from __future__ import annotations

import asyncio
import contextlib

from services.core.config.mqtt import MqttConfig
from services.core.runtime import Bus, IncomingMessage
from tests.storage.conftest import publish_many

COUNT = 300
MAX_BATCH = 100


def _mqtt(broker) -> MqttConfig:
    return MqttConfig(
        host=broker.host, port=broker.port, reconnect_initial_s=0.05, reconnect_max_s=0.5
    )


async def test_a_batch_whose_handler_never_returned_is_delivered_again(broker):
    mqtt = _mqtt(broker)
    first = Bus(mqtt, "batcher", persistent=True)
    stuck_with: list[IncomingMessage] = []
    handler_entered = asyncio.Event()

    async def never_returns(messages: list[IncomingMessage]) -> None:
        stuck_with.extend(messages)
        handler_entered.set()
        await asyncio.Event().wait()

    first.subscribe_batch("t/#", never_returns, max_batch=MAX_BATCH)
    running = asyncio.create_task(first.run())
    await asyncio.wait_for(first.connected.wait(), 10)
    await publish_many(mqtt, [(f"t/{i % 3}", str(i).encode()) for i in range(COUNT)])
    await asyncio.wait_for(handler_entered.wait(), 10)
    running.cancel()  # the process dies mid-batch: nothing of it was acknowledged
    with contextlib.suppress(asyncio.CancelledError):
        await running

    second = Bus(mqtt, "batcher", persistent=True)
    batches: list[list[bytes]] = []
    everything = asyncio.Event()

    async def record(messages: list[IncomingMessage]) -> None:
        batches.append([m.payload for m in messages])
        if len({p for b in batches for p in b}) == COUNT:
            everything.set()

    second.subscribe_batch("t/#", record, max_batch=MAX_BATCH)
    running = asyncio.create_task(second.run())
    try:
        await asyncio.wait_for(everything.wait(), 20)
    finally:
        await second.stop()
        await asyncio.wait_for(running, 10)
    received = {p for b in batches for p in b}
    assert {m.payload for m in stuck_with} <= received
    assert received == {str(i).encode() for i in range(COUNT)}
    assert max(len(b) for b in batches) <= MAX_BATCH
    assert len(batches) < COUNT  # messages waiting were handed over together


async def test_stop_receiving_waits_for_the_batch_under_way_and_plain_handlers_still_work(broker):
    mqtt = _mqtt(broker)
    bus = Bus(mqtt, "batcher-2", persistent=True)
    order: list[str] = []
    inside, release = asyncio.Event(), asyncio.Event()
    plain: list[bytes] = []
    plain_seen = asyncio.Event()

    async def slow(messages: list[IncomingMessage]) -> None:
        inside.set()
        await release.wait()
        order.append("handler returned")

    async def on_plain(message: IncomingMessage) -> None:
        plain.append(message.payload)
        plain_seen.set()

    bus.subscribe_batch("batch/#", slow, max_batch=10)
    bus.subscribe("plain/#", on_plain)
    running = asyncio.create_task(bus.run())
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        await publish_many(mqtt, [("plain/x", b"p"), ("batch/x", b"b")])
        await asyncio.wait_for(asyncio.gather(inside.wait(), plain_seen.wait()), 10)
        stopping = asyncio.create_task(bus.stop_receiving())
        release.set()
        await asyncio.wait_for(stopping, 10)
        order.append("stopped")
    finally:
        await bus.stop()
        await asyncio.wait_for(running, 10)
    assert order == ["handler returned", "stopped"]
    assert plain == [b"p"] and bus.stats.handler_errors == 0
