"""One MQTT 5 connection per service, kept alive, with nothing lost across outages.

- Reconnects forever with capped exponential backoff.
- Announces itself with a retained ``online`` and an LWT ``offline``.
- QoS 1 consumers keep a persistent session (fixed client id, ``clean_start=False``,
  session expiry), so the broker queues their messages while they are away.
- Outgoing messages go through an outbox that is emptied only when the broker has
  acknowledged them; a publish made while the broker is down waits there and is sent
  after the reconnect. Consumers therefore see at-least-once delivery and store
  idempotently.
- Handlers are registered by topic filter (``$share/...`` included) and dispatched by
  table; a handler that raises is logged and counted, never fatal.
- A QoS 1 message is acknowledged to the broker only after its handler finished, so a
  crash or shutdown mid-way means redelivery, not loss.

Register handlers before the service's first ``await``: a persistent session may
deliver queued messages the moment the connection is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..config.mqtt import MqttConfig
from ..topics import Topics
from .backoff import Backoff
from .logs import kv

log = logging.getLogger("meterhub.bus")
PUBLISH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class IncomingMessage:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    user_properties: dict[str, str] = field(default_factory=dict)


Handler = Callable[[IncomingMessage], Awaitable[None]]


@dataclass
class _Outgoing:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    user_properties: dict[str, str]


@dataclass
class BusStats:
    connects: int = 0
    published: int = 0
    received: int = 0
    handler_errors: int = 0
    last_error: str = ""


def _payload_bytes(payload: bytes | str) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


class Bus:
    def __init__(self, mqtt: MqttConfig, service: str, *, persistent: bool = False) -> None:
        self.mqtt = mqtt
        self.service = service
        self.persistent = persistent
        self.topics = Topics(mqtt.topic_prefix)
        self.connected = asyncio.Event()
        self.stats = BusStats()
        self._handlers: dict[str, tuple[Handler, int]] = {}
        self._outbox: deque[_Outgoing] = deque()
        self._outbox_ready = asyncio.Event()
        self._outbox_space = asyncio.Event()
        self._outbox_space.set()
        self._outbox_empty = asyncio.Event()
        self._outbox_empty.set()
        self._stop = asyncio.Event()
        self._receiving = True
        self._idle = asyncio.Event()
        self._idle.set()
        self._client: aiomqtt.Client | None = None

    # --- API for services -------------------------------------------------------
    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None:
        self._handlers[topic_filter] = (handler, qos)
        if self._client is not None and self.connected.is_set():
            task = asyncio.get_running_loop().create_task(self._client.subscribe(topic_filter, qos))
            task.add_done_callback(lambda t: t.exception())

    async def publish(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        user_properties: dict[str, str] | None = None,
    ) -> None:
        """Queue a message; returns once it is in the outbox (waits when the outbox is full)."""
        while len(self._outbox) >= self.mqtt.outbox_limit:
            self._outbox_space.clear()
            await self._outbox_space.wait()
        self._outbox.append(
            _Outgoing(topic, _payload_bytes(payload), qos, retain, user_properties or {})
        )
        self._outbox_empty.clear()
        self._outbox_ready.set()

    @property
    def outbox_size(self) -> int:
        return len(self._outbox)

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until the broker has every queued message; False on timeout."""
        try:
            await asyncio.wait_for(self._outbox_empty.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def availability_topic(self) -> str:
        return self.topics.service_availability(self.service)

    # --- lifecycle ----------------------------------------------------------------
    async def run(self) -> None:
        """Stay connected until ``stop()``; reconnect with backoff on any broker error."""
        backoff = Backoff(self.mqtt.reconnect_initial_s, self.mqtt.reconnect_max_s)
        while not self._stop.is_set():
            delay = backoff.next_delay()
            try:
                await self._connected_session(backoff)
            except* aiomqtt.MqttError as group:
                error = group.exceptions[0]
                self.stats.last_error = str(error)
                log.warning(
                    "broker unreachable, retrying",
                    extra=kv(service=self.service, error=error, retry_in_s=round(delay, 2)),
                )
            finally:
                self.connected.clear()
                self._client = None
            if not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)

    async def stop_receiving(self) -> None:
        """Take no new messages (unacknowledged ones stay with the broker); wait for the current."""
        self._receiving = False
        await self._idle.wait()

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Send what is queued (bounded wait), announce ``offline``, disconnect."""
        if self.connected.is_set() and not await self.flush(flush_timeout):
            log.warning(
                "stopping with unsent messages",
                extra=kv(service=self.service, count=len(self._outbox)),
            )
        self._stop.set()

    # --- internals ----------------------------------------------------------------
    def _client_for_session(self) -> aiomqtt.Client:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.mqtt.session_expiry_s if self.persistent else 0
        if self.persistent:
            identifier = f"meterhub-{self.service}{self.mqtt.client_id_suffix}"
        else:
            identifier = f"meterhub-{self.service}-{uuid.uuid4().hex[:8]}"
        password = self.mqtt.password.get_secret_value() if self.mqtt.password else None
        return aiomqtt.Client(
            self.mqtt.host,
            self.mqtt.port,
            username=self.mqtt.username,
            password=password,
            identifier=identifier,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=not self.persistent,
            properties=properties,
            keepalive=self.mqtt.keepalive_s,
            will=aiomqtt.Will(self.availability_topic, b"offline", qos=1, retain=True),
            timeout=PUBLISH_TIMEOUT_S,
        )

    async def _connected_session(self, backoff: Backoff) -> None:
        client = self._client_for_session()
        client._client.manual_ack_set(True)
        async with client:
            self._client = client
            self.stats.connects += 1
            await client.publish(self.availability_topic, b"online", qos=1, retain=True)
            for topic_filter, (_, qos) in list(self._handlers.items()):
                await client.subscribe(topic_filter, qos)
            self.connected.set()
            backoff.reset()
            log.info(
                "connected",
                extra=kv(service=self.service, broker=f"{self.mqtt.host}:{self.mqtt.port}"),
            )
            async with asyncio.TaskGroup() as group:
                receiving = group.create_task(self._receive(client))
                sending = group.create_task(self._send(client))
                await self._stop.wait()
                receiving.cancel()
                sending.cancel()
            await client.publish(self.availability_topic, b"offline", qos=1, retain=True)

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if not self._receiving:
                continue  # not acknowledged: the broker keeps it for the next session
            self._idle.clear()
            try:
                self.stats.received += 1
                await self._dispatch(message)
                if message.qos > 0:
                    # aiomqtt has no public manual-ack API yet; paho's is stable.
                    client._client.ack(message.mid, message.qos)
            finally:
                self._idle.set()

    async def _dispatch(self, message: aiomqtt.Message) -> None:
        incoming = IncomingMessage(
            topic=message.topic.value,
            payload=_payload_bytes(message.payload)
            if isinstance(message.payload, bytes | str)
            else b"",
            qos=message.qos,
            retain=message.retain,
            user_properties=dict(getattr(message.properties, "UserProperty", None) or []),
        )
        handled = False
        for topic_filter, (handler, _) in list(self._handlers.items()):
            if not message.topic.matches(topic_filter):
                continue
            handled = True
            try:
                await handler(incoming)
            except Exception as error:
                self.stats.handler_errors += 1
                log.exception(
                    "handler failed",
                    extra=kv(service=self.service, topic=incoming.topic, error=error),
                )
        if not handled:
            log.debug("no handler", extra=kv(service=self.service, topic=incoming.topic))

    async def _send(self, client: aiomqtt.Client) -> None:
        while True:
            if not self._outbox:
                self._outbox_empty.set()
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
                continue
            item = self._outbox[0]
            properties = None
            if item.user_properties:
                properties = Properties(PacketTypes.PUBLISH)
                properties.UserProperty = list(item.user_properties.items())
            # Removed from the outbox only after the broker's PUBACK: a drop mid-way
            # leaves it at the head, to be sent again after the reconnect.
            await client.publish(
                item.topic, item.payload, qos=item.qos, retain=item.retain, properties=properties
            )
            self._outbox.popleft()
            self.stats.published += 1
            self._outbox_space.set()
