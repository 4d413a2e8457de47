"""The P1 path: telegrams (from the bus or a serial port) → CRC check → reading on the bus."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from ..core.messages import Reading, Rejected
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .dsmr import InvalidTelegram, parse_telegram

log = logging.getLogger("meterhub.gateway.p1")


class P1Path:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx, self.bus, self.config = ctx, ctx.bus, ctx.config

    async def on_telegram(self, message: IncomingMessage) -> None:
        topics = self.bus.topics
        device = message.topic.split("/")[1]
        text = message.payload.decode("ascii", errors="replace")
        try:
            if device not in self.config.devices:
                raise InvalidTelegram("unknown device (not in config)")
            telegram = parse_telegram(text)
        except InvalidTelegram as error:
            log.warning("telegram rejected", extra=kv(device=device, reason=error))
            await self.bus.publish(
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
        await self.bus.publish(topics.reading(device), reading.to_payload())

    def tasks(self) -> list[Coroutine[Any, Any, None]]:
        """Serial P1 readers of the devices that have a port."""
        return []
