"""Capture gateway: DSMR P1 telegrams from the bus → readings (CRC checked)."""

from __future__ import annotations

import asyncio
import logging

from ..core.messages import Reading, Rejected
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .dsmr import InvalidTelegram, parse_telegram

log = logging.getLogger("meterhub.gateway")
GROUP = "gateway"


async def main(ctx: ServiceContext) -> None:
    bus, topics, config = ctx.bus, ctx.bus.topics, ctx.config

    async def on_telegram(message: IncomingMessage) -> None:
        device = message.topic.split("/")[1]
        text = message.payload.decode("ascii", errors="replace")
        try:
            if device not in config.devices:
                raise InvalidTelegram("unknown device (not in config)")
            telegram = parse_telegram(text)
        except InvalidTelegram as error:
            log.warning("telegram rejected", extra=kv(device=device, reason=error))
            await bus.publish(
                topics.rejected(device),
                Rejected(
                    device=device, source="p1", reason=str(error), reading=text[:2000]
                ).to_payload(),
            )
            return
        reading = Reading(
            device=device,
            ts=telegram.ts,
            source="p1",
            values=telegram.values,
            meter_id=telegram.meter_id,
        )
        await bus.publish(topics.reading(device), reading.to_payload())

    bus.subscribe(topics.shared(GROUP, topics.all_devices("telegram")), on_telegram)
    await asyncio.Event().wait()
