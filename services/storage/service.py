"""Storage service: every reading and rejection into SQLite; retained flat state out."""

from __future__ import annotations

import asyncio
import json
import logging

from ..core.messages import InvalidMessage, Reading, Rejected
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from ..core.topics import is_device_id
from .store import ReadingStore

log = logging.getLogger("meterhub.storage")
GROUP = "storage"


async def main(ctx: ServiceContext) -> None:
    bus, topics, config = ctx.bus, ctx.bus.topics, ctx.config
    store = ReadingStore(config.storage.sqlite_path)

    async def reject(device: str, source: str, reason: str, payload: object) -> None:
        rejected = Rejected(device=device, source=source, reason=reason, reading=payload)
        log.warning("reading rejected", extra=kv(device=device, reason=reason))
        if is_device_id(device):
            await bus.publish(topics.rejected(device), rejected.to_payload())
        else:
            store.add_rejected(rejected)

    async def on_reading(message: IncomingMessage) -> None:
        device = message.topic.split("/")[1]
        try:
            reading = Reading.from_payload(message.payload)
        except InvalidMessage as error:
            await reject(device, "storage", f"invalid reading: {error}", _loggable(message.payload))
            return
        if reading.device != device:
            await reject(
                device,
                "storage",
                f"reading names device {reading.device!r}",
                reading.model_dump(mode="json"),
            )
            return
        if device not in config.devices:
            await reject(
                device, "storage", "unknown device (not in config)", reading.model_dump(mode="json")
            )
            return
        if store.add_reading(reading):
            await bus.publish(topics.state(device), json.dumps(store.state(device)), retain=True)

    async def on_rejected(message: IncomingMessage) -> None:
        device = message.topic.split("/")[1]
        try:
            rejected = Rejected.from_payload(message.payload)
        except InvalidMessage as error:
            rejected = Rejected(
                device=device,
                source="unknown",
                reason=f"unreadable rejection: {error}",
                reading=_loggable(message.payload),
            )
        store.add_rejected(rejected.model_copy(update={"device": device}))

    bus.subscribe(topics.shared(GROUP, topics.all_devices("reading")), on_reading)
    bus.subscribe(topics.shared(GROUP, topics.all_devices("rejected")), on_rejected)
    try:
        await asyncio.Event().wait()
    finally:
        store.close()


def _loggable(payload: bytes) -> str:
    return payload[:2000].decode("utf-8", errors="replace")
