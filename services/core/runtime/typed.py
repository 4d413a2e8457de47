"""Typed subscriptions: a device channel's messages handed over as its contract row's model.

``Bus.on(channel, handler)`` subscribes to the channel's topic filter and calls
``handler(device, message)``: the device id from the topic (never from the payload; the
ACL vouches for the topic only) and the payload parsed by the row's model. A channel
without a model (JPEG frames, P1 telegram text, ``online``/``offline``) hands over the
``IncomingMessage`` itself, bytes and user properties as they came.

A payload that fails its model never reaches the handler. The channel's judge (the
``judge`` of its contract row: the service that owns refusing it) answers it on the
device's ``rejected`` with the reason; every other subscriber logs it with the reason and
counts it in ``BusStats.invalid``. A handler with its own way to refuse (token_entry
answering a token's asker, storage keeping refusals of topics without a device) passes
``on_invalid``. An empty payload on a retained channel is a cleared topic, not junk: it
goes to ``on_cleared`` when given, else nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..contract import CHANNELS, Channel
from ..ids import is_device_id
from ..messages import InvalidMessage, Rejected
from ..topics import Topics
from .logs import kv

if TYPE_CHECKING:
    from .bus import IncomingMessage

log = logging.getLogger("meterhub.bus")

# (device id, model of the channel's row, or the IncomingMessage of a channel without one)
ChannelHandler = Callable[[str, Any], Awaitable[None]]
# (device id, or the topic's device segment when it is not one; the message; the reason)
InvalidHandler = Callable[[str, "IncomingMessage", str], Awaitable[None]]
ClearedHandler = Callable[[str], Awaitable[None]]
EXCERPT_CHARS = 2000  # of a refused payload, kept in the rejection


def channel_filter(
    topics: Topics, channel: Channel, device: str = "+", shared_group: str | None = None
) -> str:
    """The channel's topic for one device, or for all (``+``), optionally ``$share``d."""
    topic_filter = topics.all_devices(channel) if device == "+" else topics.device(channel, device)
    return topics.shared(shared_group, topic_filter) if shared_group else topic_filter


def label(channel: Channel) -> str:
    """How a refusal names the channel: ``invalid keypad ack: …``."""
    return CHANNELS[channel].suffix.replace("/", " ")


def excerpt(payload: bytes) -> str:
    return payload[:EXCERPT_CHARS].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Invalid:
    """Why a message was not handed over."""

    device: str
    reason: str


def parse(
    topics: Topics, channel: Channel, message: IncomingMessage
) -> tuple[str, Any] | Invalid | None:
    """``(device, model)``, ``Invalid`` with the reason, or None for a cleared retained topic."""
    spec = CHANNELS[channel]
    try:
        device = topics.device_of(message.topic)
    except ValueError:
        device = ""
    if not is_device_id(device):
        return Invalid(device, f"topic {message.topic!r} names no device id")
    if spec.payload is None:
        return device, message
    if not message.payload and spec.retain:
        return None
    try:
        return device, spec.payload.from_payload(message.payload)
    except InvalidMessage as error:
        return Invalid(device, f"invalid {label(channel)}: {error}")


def refusal(service: str, device: str, message: IncomingMessage, reason: str) -> Rejected:
    """The rejection a channel's judge publishes for a payload it cannot take."""
    return Rejected(device=device, source=service, reason=reason, reading=excerpt(message.payload))


def log_ignored(service: str, channel: Channel, message: IncomingMessage, reason: str) -> None:
    log.warning(
        "invalid message ignored",
        extra=kv(service=service, channel=str(channel), topic=message.topic, reason=reason),
    )
