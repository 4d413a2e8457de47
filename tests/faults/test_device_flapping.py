"""A device whose link flaps: it connects, sends, and drops without a goodbye, again and again.

Like an ESP32 on weak Wi-Fi: each session announces ``online`` (retained), sends its
readings with QoS 1, and the broker publishes the ``offline`` will when the link dies.
Nothing the broker acknowledged may be lost, the services must shrug it off, and the
retained availability must end as the device really is.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.faults.helpers import eventually, reading, stored_numbers

SESSIONS = 40
READINGS_PER_SESSION = 5
SERVICES = ("storage", "discovery", "web")


def _flapping_session(broker, first: int, drop: bool) -> int:
    """One link of the device: online, readings, then a dead link (or a clean goodbye)."""
    done = threading.Condition()
    acked: set[int] = set()
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"m1-{uuid.uuid4().hex[:6]}",
        protocol=mqtt.MQTTv5,
        reconnect_on_failure=False,
    )
    client.will_set("meterhub/m1/availability", b"offline", qos=1, retain=True)

    def on_publish(c, u, mid, rc, p) -> None:
        with done:
            acked.add(mid)
            done.notify_all()

    client.on_publish = on_publish
    client.connect(broker.host, broker.port, keepalive=5)
    client.loop_start()
    mids = [client.publish("meterhub/m1/availability", b"online", qos=1, retain=True).mid]
    for i in range(first, first + READINGS_PER_SESSION):
        mids.append(client.publish("meterhub/m1/reading", reading(i).to_payload(), qos=1).mid)
    with done:
        assert done.wait_for(lambda: set(mids) <= acked, 10), "no PUBACK"
    if drop:  # the link dies, no DISCONNECT: the broker sends the will
        client.socket().shutdown(socket.SHUT_RDWR)
    else:
        client.disconnect()
    client.loop_stop()
    return first + READINGS_PER_SESSION


async def test_a_flapping_device_loses_nothing_and_ends_with_its_true_availability(
    broker, tmp_path
) -> None:
    config = make_config(broker, tmp_path / "data")
    stop, health = asyncio.Event(), Health()
    services = asyncio.create_task(
        run_services(config, [service_spec(s) for s in SERVICES], stop=stop, health=health)
    )
    availability = Collector()
    try:
        for name in SERVICES:
            await asyncio.wait_for(health.wait_connected(name), 15)
        async with running_bus(
            config.mqtt, "test-watch", {"meterhub/m1/availability": availability}
        ):
            sent = 0
            for session in range(SESSIONS):
                last = session == SESSIONS - 1
                wills = sum(m.payload == b"offline" for m in availability.messages)
                sent = await asyncio.to_thread(_flapping_session, broker, sent, not last)
                if not last:  # the will went out before the next session starts
                    await availability.wait_for(
                        lambda m, n=wills + 1: (
                            sum(x.payload == b"offline" for x in availability.messages) >= n
                        )
                    )
            await eventually(
                lambda: stored_numbers(config.storage.sqlite_path), lambda s: len(s) >= sent, 30
            )
        late = Collector()  # a client arriving now sees the retained truth
        async with running_bus(config.mqtt, "test-late", {"meterhub/m1/availability": late}):
            retained = await late.wait_for(lambda m: m.retain)
        buses = health.buses
        errors = {name: bus.stats.handler_errors for name, bus in buses.items()}
        connected = {name: bus.connected.is_set() for name, bus in buses.items()}
    finally:
        stop.set()
        await asyncio.wait_for(services, 30)
    assert stored_numbers(config.storage.sqlite_path) == list(range(sent))
    assert retained.payload == b"online"
    assert errors == dict.fromkeys(SERVICES, 0)
    assert all(connected.values()), connected
    transitions = [m.payload for m in availability.messages if not m.retain]
    assert transitions.count(b"offline") >= SESSIONS - 1
