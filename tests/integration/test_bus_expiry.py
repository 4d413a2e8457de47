"""A command worth nothing after a deadline is never delivered after it.

A keypad command that waited out a broker outage in a service's outbox could press keys
after its token attempt was already called failed. ``publish(..., expiry_s=...)`` drops
it from the outbox once expired, and otherwise sends the time left as its MQTT 5
message expiry, so the broker drops it too.
"""

from __future__ import annotations

import asyncio

import aiomqtt

from tests.bus_helpers import running_bus
from tests.conftest import make_config

STALE = "meterhub/pln/keypad/cmd/stale-probe"
FRESH = "meterhub/pln/keypad/cmd/fresh-probe"


async def test_an_expired_command_leaves_the_outbox_unsent_and_a_live_one_carries_its_expiry(
    broker, tmp_path
):
    config = make_config(broker, tmp_path / "data")
    async with running_bus(config.mqtt, "sender") as sender:
        broker.stop()  # the outage: both wait in the outbox
        await sender.publish(STALE, b"stale", retain=True, expiry_s=0.0)  # its attempt is over
        await sender.publish(FRESH, b"fresh", retain=True, expiry_s=60.0)
        broker.start()
        assert await sender.flush(10)
        assert sender.stats.expired == 1

    # Retained, so what reached the broker is there for a client arriving now.
    async with aiomqtt.Client(
        broker.host, broker.port, protocol=aiomqtt.ProtocolVersion.V5
    ) as client:
        await client.subscribe("meterhub/pln/keypad/cmd/#", qos=1)
        message = await asyncio.wait_for(anext(aiter(client.messages)), 10)
        assert (str(message.topic), message.payload) == (FRESH, b"fresh")
        assert 0 < message.properties.MessageExpiryInterval <= 60
        # The stale one would have come first (retained messages go out together).
        await client.publish(FRESH + "/end", b"end", qos=1)
        after = await asyncio.wait_for(anext(aiter(client.messages)), 10)
        assert str(after.topic) == FRESH + "/end"
