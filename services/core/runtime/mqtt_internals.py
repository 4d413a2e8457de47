"""Every use of aiomqtt's private parts, in one place.

aiomqtt 2 has no public API for what the bus needs: acknowledging a QoS 1 message only
after its handler and outputs (manual acks), a PUBACK's reason code (aiomqtt drops it),
publishing without waiting on aiomqtt's own confirmation, and taking messages already
queued without a task each. Each reaches into ``aiomqtt.Client._client`` (the paho
client) or ``aiomqtt.Client._queue``. ``tests/unit/test_mqtt_internals.py`` pins every
attribute used here, so an aiomqtt or paho upgrade that moves one fails that test, not a
running hub.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import aiomqtt
import paho.mqtt.client as paho
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

# (mid, reason) of each PUBACK, QoS 0 publishes included (reason: success)
PubackListener = Callable[[int, ReasonCode], None]


def paho_client(client: aiomqtt.Client) -> paho.Client:
    """The paho client aiomqtt drives (``aiomqtt.Client._client``)."""
    return client._client


def received_queue(client: aiomqtt.Client) -> asyncio.Queue[aiomqtt.Message]:
    """Messages aiomqtt has received and not yet handed over (``aiomqtt.Client._queue``)."""
    return client._queue


def enable_manual_acks(client: aiomqtt.Client) -> None:
    """Leave QoS 1/2 acknowledgements to ``ack`` (before connecting)."""
    paho_client(client).manual_ack_set(True)


def ack(client: aiomqtt.Client, mid: int, qos: int) -> None:
    """Acknowledge a received message now (paho's manual-ack API)."""
    paho_client(client).ack(mid, qos)


def send_small_packets_at_once(client: aiomqtt.Client) -> None:
    """Turn Nagle's algorithm off on the connected socket (``TCP_NODELAY``).

    A consumer writes a PUBACK and then its output PUBLISH: with Nagle on, the PUBLISH
    waits for the broker's ACK of the PUBACK, which the broker delays (up to 40 ms on
    Linux), so a gateway took about 20 telegrams a second instead of hundreds."""
    sock = paho_client(client).socket()
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def listen_to_pubacks(client: aiomqtt.Client, listener: PubackListener) -> None:
    """Call ``listener`` with each PUBACK's reason code, then let aiomqtt see it too."""
    inner = paho_client(client)
    aiomqtt_on_publish = inner.on_publish

    def on_publish(
        caller: paho.Client,
        userdata: object,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        listener(mid, reason)
        aiomqtt_on_publish(caller, userdata, mid, reason, properties)

    inner.on_publish = on_publish


def publish_nowait(
    client: aiomqtt.Client,
    topic: str,
    payload: bytes,
    qos: int,
    retain: bool,
    properties: Properties | None,
) -> paho.MQTTMessageInfo:
    """Hand a message to paho without aiomqtt's wait for it: the caller waits on the
    PUBACK itself (``listen_to_pubacks``) to learn its reason code."""
    return paho_client(client).publish(topic, payload, qos, retain, properties)
