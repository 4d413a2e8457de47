"""Pins every private aiomqtt/paho part the bus uses (``core/runtime/mqtt_internals.py``).

An aiomqtt or paho upgrade that renames or reshapes one of them fails here, with the
name of what moved, rather than in a running hub that stops acknowledging messages or
learning whether the broker took a publish.
"""

from __future__ import annotations

import asyncio
import inspect
import socket

import aiomqtt
import paho.mqtt.client as paho
from paho.mqtt.reasoncodes import ReasonCode

from services.core.runtime import mqtt_internals as internals
from services.tools.broker_process import MosquittoProcess
from tests.bus_helpers import running_bus
from tests.conftest import make_config


def _client() -> aiomqtt.Client:
    return aiomqtt.Client("127.0.0.1", 1, protocol=aiomqtt.ProtocolVersion.V5)


async def test_the_paho_client_and_the_received_queue_are_where_they_are_taken_from():
    client = _client()
    assert isinstance(internals.paho_client(client), paho.Client)
    assert isinstance(internals.received_queue(client), asyncio.Queue)


async def test_manual_acks_and_publishing_use_paho_calls_of_this_shape():
    inner = internals.paho_client(_client())
    assert list(inspect.signature(inner.manual_ack_set).parameters) == ["on"]
    assert list(inspect.signature(inner.ack).parameters)[:2] == ["mid", "qos"]
    assert list(inspect.signature(inner.publish).parameters)[:5] == [
        "topic", "payload", "qos", "retain", "properties",
    ]  # fmt: skip
    internals.enable_manual_acks(_client())  # callable before connecting
    assert inner.publish.__annotations__["return"] in ("MQTTMessageInfo", paho.MQTTMessageInfo)
    assert hasattr(paho.MQTTMessageInfo, "is_published")


async def test_a_puback_reaches_the_listener_and_still_resolves_aiomqtt_s_own_wait():
    client = _client()
    inner = internals.paho_client(client)
    # aiomqtt waits on this table for its own publishes; the chained callback must feed it.
    pending = client._pending_publishes
    seen: list[tuple[int, ReasonCode]] = []
    internals.listen_to_pubacks(client, lambda mid, reason: seen.append((mid, reason)))
    event = asyncio.Event()
    pending[7] = event
    success = ReasonCode(paho.PacketTypes.PUBACK, identifier=0)
    inner.on_publish(inner, None, 7, success, None)  # paho's callback API version 2
    assert seen == [(7, success)]
    assert event.is_set() and 7 not in pending


async def test_a_connected_client_sends_small_packets_at_once(broker: MosquittoProcess):
    """Nagle off (TCP_NODELAY) on the socket paho connected, after aiomqtt connected it."""
    async with aiomqtt.Client(broker.host, broker.port) as client:
        sock = internals.paho_client(client).socket()
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        internals.send_small_packets_at_once(client)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


async def test_the_bus_turns_nagle_off_on_each_session(broker: MosquittoProcess, tmp_path):
    async with running_bus(make_config(broker, tmp_path).mqtt, "nagle") as bus:
        sock = internals.paho_client(bus._client).socket()
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
