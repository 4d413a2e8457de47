"""One MQTT 5 connection per service, kept alive, with nothing lost across outages.

- Reconnects forever with capped exponential backoff.
- Announces itself with a retained ``online`` and an LWT ``offline``.
- QoS 1 consumers keep a persistent session (fixed client id, ``clean_start=False``,
  session expiry), so the broker queues their messages while they are away.
- Outgoing messages go through an outbox that is emptied only when the broker has
  acknowledged them; a publish made while the broker is down waits there and is sent
  after the reconnect. Consumers therefore see at-least-once delivery and store
  idempotently. A publish the broker refuses (PUBACK reason >= 0x80, e.g. 135 when the
  ACL denies it) is not counted as sent: it is logged with topic and reason, counted in
  ``stats.refused``, and ``publish_confirmed`` raises ``PublishRefused``.
- Services subscribe to device channels with ``on(channel, handler)``: the handler gets
  the device id and the payload parsed by the channel's contract model, and junk is
  refused by the channel's judge or logged and counted (``typed.py``). Underneath,
  handlers are registered by topic filter (``$share/...`` included; ``subscribe`` for
  what is no device channel) and dispatched by table; a handler that raises is logged
  and counted, never fatal.
- A QoS 1 message is acknowledged to the broker only after its handler finished and
  the broker has answered every message published until then (its outputs), so a crash,
  shutdown or lost connection mid-way means redelivery, not loss.
- ``mqtt.tls`` makes the connection TLS, checking the broker's certificate.
- High-volume consumers use ``subscribe_batch``: messages already received are handed
  over as one list (up to ``max_batch``, never waiting for more to arrive) while
  reception goes on, and the whole list is acknowledged after the handler returned.
  Such a bus asks the broker for a larger in-flight window (MQTT 5 Receive Maximum),
  which also bounds how many messages wait in memory.

Register handlers before the service's first ``await``: a persistent session may
deliver queued messages the moment the connection is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from ..config.mqtt import MqttConfig
from ..contract import CHANNELS, Channel
from ..ids import is_device_id
from ..messages import Message
from ..topics import Topics
from . import mqtt_internals as internals
from . import typed as typed_channels
from .backoff import Backoff
from .logs import kv
from .typed import ChannelHandler, ClearedHandler, InvalidHandler

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
BatchHandler = Callable[[list[IncomingMessage]], Awaitable[None]]
# Unacknowledged messages the broker may send a batch consumer, per unit of max_batch.
BATCH_WINDOW_FACTOR = 4
MAX_RECEIVE_MAXIMUM = 65535
ROUTE_CACHE_SIZE = 4096


@dataclass
class _BatchSubscription:
    handler: BatchHandler
    qos: int
    max_batch: int
    # received, not yet handled: (message, packet id, qos)
    pending: deque[tuple[IncomingMessage, int, int]] = field(default_factory=deque)


@dataclass
class _Outgoing:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    user_properties: dict[str, str]
    expires_at: float | None = None  # loop time after which it is dropped, never sent
    # set with the broker's reason code once it answered (publish_confirmed waits on it)
    answered: asyncio.Future[ReasonCode | None] | None = None


@dataclass
class BusStats:
    connects: int = 0
    published: int = 0
    refused: int = 0  # publishes the broker answered with a failure reason code
    received: int = 0
    handler_errors: int = 0
    invalid: int = 0  # messages of a typed subscription that failed the channel's model
    expired: int = 0  # dropped from the outbox unsent: their expiry passed first
    last_error: str = ""


class PublishRefused(Exception):
    """The broker answered a publish with a failure reason code (e.g. 135, not authorized)."""

    def __init__(self, topic: str, reason: ReasonCode) -> None:
        super().__init__(f"broker refused the publish to {topic}: {reason} ({reason.value})")
        self.topic = topic
        self.reason = reason


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
        self._batches: dict[str, _BatchSubscription] = {}
        self._batch_ready = asyncio.Event()
        # topic -> (plain handlers, batch subscription) matching it
        self._routes: dict[str, tuple[list[Handler], _BatchSubscription | None]] = {}
        self._unfinished = 0  # received, not yet acknowledged (or given back)
        self._outbox: deque[_Outgoing] = deque()
        self._outbox_ready = asyncio.Event()
        self._outbox_space = asyncio.Event()
        self._outbox_space.set()
        self._outbox_empty = asyncio.Event()
        self._outbox_empty.set()
        # Outbox positions: messages ever queued, and ever answered by the broker. An
        # input is acknowledged once the broker answered what was queued up to its end.
        self._queued_count = 0
        self._answered_count = 0
        self._held_acks: deque[tuple[int, int, int]] = deque()  # (queued count, mid, qos)
        self._puback_waiters: dict[int, asyncio.Future[ReasonCode | None]] = {}
        self._stop = asyncio.Event()
        self._receiving = True
        self._idle = asyncio.Event()
        self._idle.set()
        self._client: aiomqtt.Client | None = None

    # --- API for services -------------------------------------------------------
    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None:
        self._handlers[topic_filter] = (handler, qos)
        self._routes.clear()
        if self._client is not None and self.connected.is_set():
            task = asyncio.get_running_loop().create_task(self._client.subscribe(topic_filter, qos))
            task.add_done_callback(self._subscribed(topic_filter))

    def on(
        self,
        channel: Channel,
        handler: ChannelHandler,
        *,
        device: str = "+",
        shared_group: str | None = None,
        qos: int | None = None,
        on_invalid: InvalidHandler | None = None,
        on_cleared: ClearedHandler | None = None,
    ) -> None:
        """Hand ``handler(device, message)`` every message of a device channel, parsed by
        its contract row's model (see ``typed.py``); invalid payloads never reach it.

        ``device``: one device, or ``+`` for all; ``shared_group``: a ``$share`` group that
        splits the messages among its members; ``qos``: below the row's, to take less."""

        async def typed(message: IncomingMessage) -> None:
            parsed = await self._parsed(channel, message, on_invalid, on_cleared)
            if parsed is not None:
                await handler(*parsed)

        topic_filter = typed_channels.channel_filter(self.topics, channel, device, shared_group)
        self.subscribe(topic_filter, typed, CHANNELS[channel].qos if qos is None else qos)

    def on_batch(
        self,
        channel: Channel,
        handler: Callable[[list[tuple[str, Any]]], Awaitable[None]],
        *,
        max_batch: int = 1000,
        shared_group: str | None = None,
        on_invalid: InvalidHandler | None = None,
    ) -> None:
        """``subscribe_batch`` for a device channel: ``handler`` gets ``(device, model)``
        pairs of the valid messages; the invalid are refused as ``on`` refuses them."""

        async def typed(messages: list[IncomingMessage]) -> None:
            items = []
            for message in messages:
                parsed = await self._parsed(channel, message, on_invalid, None)
                if parsed is not None:
                    items.append(parsed)
            if items:
                await handler(items)

        topic_filter = typed_channels.channel_filter(self.topics, channel, "+", shared_group)
        self.subscribe_batch(topic_filter, typed, max_batch=max_batch, qos=CHANNELS[channel].qos)

    async def _parsed(
        self,
        channel: Channel,
        message: IncomingMessage,
        on_invalid: InvalidHandler | None,
        on_cleared: ClearedHandler | None,
    ) -> tuple[str, Any] | None:
        """The handler's arguments, or None once an invalid message has been refused."""
        parsed = typed_channels.parse(self.topics, channel, message)
        if parsed is None:
            if on_cleared is not None:
                await on_cleared(self.topics.device_of(message.topic))
            return None
        if not isinstance(parsed, typed_channels.Invalid):
            return parsed
        self.stats.invalid += 1
        device, reason = parsed.device, parsed.reason
        if on_invalid is not None:
            await on_invalid(device, message, reason)
        elif CHANNELS[channel].judge == self.service and is_device_id(device):
            log.warning(
                "message refused",
                extra=kv(service=self.service, topic=message.topic, reason=reason),
            )
            refusal = typed_channels.refusal(self.service, device, message, reason)
            await self.send(Channel.REJECTED, device, refusal)
        else:
            typed_channels.log_ignored(self.service, channel, message, reason)
        return None

    def subscribe_batch(
        self, topic_filter: str, handler: BatchHandler, *, max_batch: int = 1000, qos: int = 1
    ) -> None:
        """Handle matching messages in lists of up to ``max_batch``; ack after the handler.

        Register before the bus connects: the in-flight window is agreed at connect time.
        A message matching plain handlers too is acknowledged only after both.
        """
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._batches[topic_filter] = _BatchSubscription(handler, qos, max_batch)
        self._routes.clear()
        if self._client is not None and self.connected.is_set():
            task = asyncio.get_running_loop().create_task(self._client.subscribe(topic_filter, qos))
            task.add_done_callback(self._subscribed(topic_filter))

    def _subscribed(self, topic_filter: str) -> Callable[[asyncio.Task[object]], None]:
        """A late subscription that failed is said out loud; the next connect retries it."""

        def done(task: asyncio.Task[object]) -> None:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                log.error(
                    "subscribe failed",
                    extra=kv(service=self.service, filter=topic_filter, error=repr(error)),
                )

        return done

    async def publish(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        user_properties: dict[str, str] | None = None,
        expiry_s: float | None = None,
    ) -> None:
        """Queue a message; returns once it is in the outbox (waits when the outbox is full).

        ``expiry_s``: a command worthless after that long (counted from now) is dropped
        from the outbox unsent, and otherwise carries the rest as its MQTT 5 message
        expiry, so the broker drops it too rather than deliver it late."""
        expires_at = None if expiry_s is None else asyncio.get_running_loop().time() + expiry_s
        await self._queue(
            _Outgoing(
                topic, _payload_bytes(payload), qos, retain, user_properties or {}, expires_at
            )
        )

    async def send(
        self,
        channel: Channel,
        device: str,
        message: Message | bytes | str,
        *,
        expiry_s: float | None = None,
    ) -> None:
        """Publish on a device channel with the QoS and retain its contract row says.

        A channel with a payload model takes only that model: the wrong message on a
        channel is a bug here, not a puzzle for its subscribers."""
        spec = CHANNELS[channel]
        if spec.payload is not None and not isinstance(message, spec.payload):
            raise TypeError(f"{channel} carries {spec.payload.__name__}, not {type(message)}")
        payload = message.to_payload() if isinstance(message, Message) else message
        await self.publish(
            self.topics.device(channel, device),
            payload,
            qos=spec.qos,
            retain=spec.retain,
            expiry_s=expiry_s,
        )

    async def publish_confirmed(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        user_properties: dict[str, str] | None = None,
    ) -> None:
        """Like ``publish``, but return only once the broker took it; ``PublishRefused`` if not.

        Waits across reconnects for as long as the message is in the outbox.
        """
        answered = asyncio.get_running_loop().create_future()
        item = _Outgoing(topic, _payload_bytes(payload), qos, retain, user_properties or {})
        item.answered = answered
        await self._queue(item)
        reason = await answered
        if reason is not None and reason.is_failure:
            raise PublishRefused(topic, reason)

    async def _queue(self, item: _Outgoing) -> None:
        while len(self._outbox) >= self.mqtt.outbox_limit:
            self._outbox_space.clear()
            await self._outbox_space.wait()
        self._outbox.append(item)
        self._queued_count += 1
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
                self._give_back_pending()
                # Acknowledgements belong to the connection: the broker sends those
                # messages again in the next session.
                self._held_acks.clear()
                self._puback_waiters.clear()
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
        if self._batches:
            window = sum(b.max_batch for b in self._batches.values()) * BATCH_WINDOW_FACTOR
            properties.ReceiveMaximum = min(MAX_RECEIVE_MAXIMUM, window)
        if self.persistent:
            identifier = f"meterhub-{self.service}{self.mqtt.client_id_suffix}"
        else:
            identifier = f"meterhub-{self.service}-{uuid.uuid4().hex[:8]}"
        password = self.mqtt.password.get_secret_value() if self.mqtt.password else None
        tls = self.mqtt.tls
        tls_params = None
        if tls is not None:
            tls_params = aiomqtt.TLSParameters(
                ca_certs=str(tls.ca_file) if tls.ca_file else None,
                certfile=str(tls.cert_file) if tls.cert_file else None,
                keyfile=str(tls.key_file) if tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
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
            tls_params=tls_params,
            tls_insecure=tls.insecure if tls is not None else None,
        )

    async def _connected_session(self, backoff: Backoff) -> None:
        client = self._client_for_session()
        internals.enable_manual_acks(client)
        internals.listen_to_pubacks(client, self._on_puback)
        async with client:
            internals.send_small_packets_at_once(client)
            self._client = client
            self.stats.connects += 1
            async with asyncio.TaskGroup() as group:
                # Receiving starts first: a resumed session may bring a backlog at once,
                # and the broker's answers to the calls below queue up behind it.
                receiving = group.create_task(self._receive(client))
                batching = group.create_task(self._handle_batches(client))
                subscriptions = [(f, q) for f, (_, q) in self._handlers.items()]
                subscriptions += [(f, b.qos) for f, b in self._batches.items()]
                for topic_filter, qos in subscriptions:
                    await client.subscribe(topic_filter, qos)
                # `online` once subscribed: what is published after it reaches the service,
                # even in its first session (a test sending at `online` lost its frame).
                await client.publish(self.availability_topic, b"online", qos=1, retain=True)
                self.connected.set()
                backoff.reset()
                log.info(
                    "connected",
                    extra=kv(service=self.service, broker=f"{self.mqtt.host}:{self.mqtt.port}"),
                )
                sending = group.create_task(self._send(client))
                await self._stop.wait()
                receiving.cancel()
                sending.cancel()
                batching.cancel()
            await client.publish(self.availability_topic, b"offline", qos=1, retain=True)

    async def _receive(self, client: aiomqtt.Client) -> None:
        # Messages already queued by aiomqtt are taken directly: its iterator costs a
        # task per message, which halves what one consumer can take per second.
        queue = internals.received_queue(client)
        async for message in client.messages:
            await self._take(client, message)
            while not queue.empty():
                await self._take(client, queue.get_nowait())

    async def _take(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        if not self._receiving:
            return  # not acknowledged: the broker keeps it for the next session
        self._begin()
        handed_over = False
        try:
            self.stats.received += 1
            incoming = self._incoming(message)
            handlers, batch = self._route(message)
            if handlers:
                await self._dispatch(incoming, handlers)
            elif batch is None:
                log.debug("no handler", extra=kv(service=self.service, topic=incoming.topic))
            if batch is not None:
                batch.pending.append((incoming, message.mid, message.qos))
                self._batch_ready.set()
                handed_over = True
            elif message.qos > 0:
                self._ack_after_outputs(client, message.mid, message.qos)
        finally:
            if not handed_over:
                self._finish(1)

    def _begin(self) -> None:
        self._unfinished += 1
        self._idle.clear()

    def _finish(self, count: int) -> None:
        self._unfinished -= count
        if self._unfinished == 0:
            self._idle.set()

    @staticmethod
    def _incoming(message: aiomqtt.Message) -> IncomingMessage:
        return IncomingMessage(
            topic=message.topic.value,
            payload=_payload_bytes(message.payload)
            if isinstance(message.payload, bytes | str)
            else b"",
            qos=message.qos,
            retain=message.retain,
            user_properties=dict(getattr(message.properties, "UserProperty", None) or []),
        )

    def _route(self, message: aiomqtt.Message) -> tuple[list[Handler], _BatchSubscription | None]:
        """Handlers for a topic, matched once per topic (filters only change on subscribe)."""
        route = self._routes.get(message.topic.value)
        if route is None:
            handlers = [h for f, (h, _) in self._handlers.items() if message.topic.matches(f)]
            batch = next((b for f, b in self._batches.items() if message.topic.matches(f)), None)
            if len(self._routes) >= ROUTE_CACHE_SIZE:
                self._routes.clear()
            route = self._routes[message.topic.value] = (handlers, batch)
        return route

    async def _dispatch(self, incoming: IncomingMessage, handlers: list[Handler]) -> None:
        for handler in handlers:
            try:
                await handler(incoming)
            except Exception as error:
                self.stats.handler_errors += 1
                log.exception(
                    "handler failed",
                    extra=kv(service=self.service, topic=incoming.topic, error=error),
                )

    async def _handle_batches(self, client: aiomqtt.Client) -> None:
        """Hand received messages to batch handlers; acknowledge each list after its handler."""
        while True:
            batch = next((b for b in self._batches.values() if b.pending), None)
            if batch is None:
                self._batch_ready.clear()
                await self._batch_ready.wait()
                continue
            count = min(len(batch.pending), batch.max_batch)
            items = [batch.pending.popleft() for _ in range(count)]
            try:
                try:
                    await batch.handler([incoming for incoming, _, _ in items])
                except Exception as error:
                    self.stats.handler_errors += 1
                    log.exception(
                        "batch handler failed",
                        extra=kv(service=self.service, count=count, error=error),
                    )
                for _, mid, qos in items:
                    if qos > 0:
                        self._ack_after_outputs(client, mid, qos)
            finally:
                self._finish(count)

    def _ack_after_outputs(self, client: aiomqtt.Client, mid: int, qos: int) -> None:
        """Acknowledge once the broker answered everything queued so far (in order)."""
        if not self._held_acks and self._answered_count >= self._queued_count:
            internals.ack(client, mid, qos)
        else:
            self._held_acks.append((self._queued_count, mid, qos))

    def _release_acks(self, client: aiomqtt.Client) -> None:
        while self._held_acks and self._held_acks[0][0] <= self._answered_count:
            _, mid, qos = self._held_acks.popleft()
            internals.ack(client, mid, qos)

    def _on_puback(self, mid: int, reason: ReasonCode) -> None:
        """Pass each PUBACK's reason code to its waiter (aiomqtt drops it)."""
        waiter = self._puback_waiters.pop(mid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(reason)

    async def _publish_now(
        self, client: aiomqtt.Client, item: _Outgoing, properties: Properties | None
    ) -> ReasonCode | None:
        """Hand one message to the broker; its PUBACK reason code (None: QoS 0)."""
        info = internals.publish_nowait(
            client, item.topic, item.payload, item.qos, item.retain, properties
        )
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise aiomqtt.MqttCodeError(info.rc, "Could not publish message")
        if info.is_published():
            return None
        waiter = asyncio.get_running_loop().create_future()
        self._puback_waiters[info.mid] = waiter
        try:
            return await waiter
        finally:
            self._puback_waiters.pop(info.mid, None)

    def _give_back_pending(self) -> None:
        """The session ended: unacknowledged messages come again in the next one."""
        for batch in self._batches.values():
            if batch.pending:
                self._finish(len(batch.pending))
                batch.pending.clear()

    async def _send(self, client: aiomqtt.Client) -> None:
        while True:
            if not self._outbox:
                self._outbox_empty.set()
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
                continue
            item = self._outbox[0]
            properties = None
            left_s = None
            if item.expires_at is not None:
                left_s = item.expires_at - asyncio.get_running_loop().time()
                if left_s <= 0:
                    self._outbox.popleft()
                    self._answered_count += 1  # settled: inputs waiting on it are released
                    self.stats.expired += 1
                    self._outbox_space.set()
                    log.warning("expired unsent", extra=kv(topic=item.topic))
                    self._release_acks(client)
                    continue
            if item.user_properties or left_s is not None:
                properties = Properties(PacketTypes.PUBLISH)
            if item.user_properties:
                properties.UserProperty = list(item.user_properties.items())
            if left_s is not None:  # whole seconds on the wire; rounded up, never 0 (= none)
                properties.MessageExpiryInterval = max(1, math.ceil(left_s))
            # Removed from the outbox only after the broker's PUBACK: a drop mid-way
            # leaves it at the head, to be sent again after the reconnect. No timeout:
            # under a flood of incoming messages the PUBACK may come late, which is no
            # reason to reconnect; a dead connection ends the session through the
            # keep-alive, and that cancels this wait.
            reason = await self._publish_now(client, item, properties)
            self._outbox.popleft()
            self._answered_count += 1
            if reason is not None and reason.is_failure:
                # Sending it again would be refused again: it leaves the outbox, as a failure.
                error = PublishRefused(item.topic, reason)
                self.stats.refused += 1
                self.stats.last_error = str(error)
                log.error(
                    "publish refused by the broker",
                    extra=kv(service=self.service, topic=item.topic, reason=reason.value),
                )
            else:
                self.stats.published += 1
            if item.answered is not None and not item.answered.done():
                item.answered.set_result(reason)
            self._outbox_space.set()
            self._release_acks(client)
