"""Discovery service: every configured meter appears in Home Assistant, and stays right.

- At start, every entity of the config is published (retained, QoS 1).
- Home Assistant's birth message (``<prefix>/status`` = ``online``) republishes them all,
  for a broker that lost its retained messages.
- Retained configs under this hub's node id that belong to a device no longer in the
  config (or to a control the device no longer has) are cleared with an empty retained
  payload; quantity sensors found there for configured devices are kept up to date.
- A quantity that a device's retained ``state`` shows but that was not announced yet is
  announced then.
- Each camera's retained ``problem`` topic says whether its readings are being refused.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..core.contract import Channel
from ..core.messages import DeviceProblem, InvalidMessage, Rejected
from ..core.quantities import QUANTITIES
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled
from .entities import CONTROLS_BY_ID, Catalogue, Entity
from .problems import ProblemTracker

log = logging.getLogger("meterhub.discovery")
HA_ONLINE = b"online"


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


class Announcer:
    """What this run has published, so nothing goes out twice and all can go out again."""

    def __init__(self, ctx: ServiceContext, catalogue: Catalogue) -> None:
        self.bus, self.catalogue = ctx.bus, catalogue
        self.announced: dict[str, Entity] = {}

    async def announce(self, entity: Entity) -> None:
        self.announced[entity.topic] = entity
        await self.bus.publish(entity.topic, entity.payload_bytes(), qos=1, retain=True)

    async def announce_all(self) -> None:
        for entity in list(self.announced.values()):
            await self.bus.publish(entity.topic, entity.payload_bytes(), qos=1, retain=True)

    async def clear(self, topic: str, why: str) -> None:
        log.info("clearing discovery config", extra=kv(topic=topic, reason=why))
        self.announced.pop(topic, None)
        await self.bus.publish(topic, b"", qos=1, retain=True)

    def has_quantity(self, device: str, key: str) -> bool:
        return self.catalogue.quantity_sensor(device, key).topic in self.announced


async def main(ctx: ServiceContext) -> None:
    settings = ctx.config.homeassistant
    if not settings.enabled:
        log.info("Home Assistant discovery is off; publishing nothing")
        await until_cancelled()
        return
    bus, topics, devices = ctx.bus, ctx.bus.topics, ctx.config.devices
    catalogue = Catalogue(ctx.config)
    announcer = Announcer(ctx, catalogue)
    problems = ProblemTracker(settings.problem_after_rejections)
    watched = {d for d, s in devices.items() if CONTROLS_BY_ID["problem"].applies(s)}

    async def on_ha_status(message: IncomingMessage) -> None:
        # A retained "online" is old news: only a fresh birth means Home Assistant restarted.
        if message.payload.strip() == HA_ONLINE and not message.retain:
            log.info(
                "Home Assistant is online: republishing", extra=kv(configs=len(announcer.announced))
            )
            await announcer.announce_all()

    async def on_own_config(message: IncomingMessage) -> None:
        # Only what the broker kept from before: our own publishes come back unretained.
        if not message.retain or not message.payload or message.topic in announcer.announced:
            return
        payload = _json_object(message.payload)
        device = catalogue.device_of(payload) if payload else None
        if payload is None or device is None:
            return  # the hub's own entities, or not in our format: leave alone
        expected = catalogue.expected(device, catalogue.object_of(device, payload))
        if expected is None or expected.topic != message.topic:
            why = "device not configured" if device not in devices else "no longer applies"
            await announcer.clear(message.topic, why)
        elif expected.topic not in announcer.announced:
            await announcer.announce(expected)  # a quantity seen in an earlier run

    async def on_state(message: IncomingMessage) -> None:
        device = topics.device_of(message.topic)
        if device not in devices:
            return
        state = _json_object(message.payload)
        if state is None:
            log.warning("unreadable state", extra=kv(device=device, topic=message.topic))
            return
        for key in sorted(state.keys() & QUANTITIES.keys()):
            if not announcer.has_quantity(device, key):
                log.info("new quantity", extra=kv(device=device, quantity=key))
                await announcer.announce(catalogue.quantity_sensor(device, key))
        # Storage publishes state once per accepted reading; a retained one is from before.
        if device in watched and not message.retain:
            await publish_problem(device, problems.accepted(device))

    async def on_rejected(device: str, rejected: Rejected) -> None:
        if device in watched and rejected.is_failure:  # another register: nothing is wrong
            await publish_problem(device, problems.rejected(device, rejected.reason))

    async def on_unreadable_rejection(device: str, message: IncomingMessage, reason: str) -> None:
        if device in watched:  # something went wrong, even if what is unknown
            await publish_problem(device, problems.rejected(device, reason))

    async def on_problem(message: IncomingMessage) -> None:
        device = topics.device_of(message.topic)
        if device not in watched or not message.retain or not message.payload:
            return
        try:
            problems.seed(device, DeviceProblem.from_payload(message.payload))
        except InvalidMessage as error:
            log.warning("unreadable retained problem", extra=kv(device=device, reason=error))

    async def publish_problem(device: str, problem: DeviceProblem | None) -> None:
        if problem is not None:
            await bus.send(Channel.PROBLEM, device, problem)

    bus.subscribe(catalogue.discovery.status(), on_ha_status)
    bus.subscribe(catalogue.discovery.own_configs(), on_own_config)
    # State and problem by topic: whether a message was retained (old news) matters here.
    bus.subscribe(topics.all_devices("state"), on_state)
    bus.on(Channel.REJECTED, on_rejected, on_invalid=on_unreadable_rejection)
    bus.subscribe(topics.all_devices("problem"), on_problem)
    for entity in catalogue.all_entities():
        await announcer.announce(entity)
    log.info(
        "discovery published",
        extra=kv(configs=len(announcer.announced), prefix=settings.discovery_prefix),
    )
    await until_cancelled()
