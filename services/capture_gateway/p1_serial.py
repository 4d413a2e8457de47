"""A P1 port on the server's own serial adapter: cut the byte stream into telegrams.

Each telegram goes onto the device's ``telegram`` topic, exactly as an ESP32 bridge
would send it, so one parser sees every telegram whatever carried it. A telegram cut
short (the cable pulled, the reader started mid-way after the first one) goes too: the
parser rejects it with its reason, and the rejection is visible.
"""

from __future__ import annotations

import asyncio
import logging

from ..core.config.devices import DeviceConfig
from ..core.contract import Channel
from ..core.runtime import Bus
from ..core.runtime.backoff import Backoff
from ..core.runtime.logs import kv
from ..protocols.dsmr import MAX_TELEGRAM_BYTES
from ..protocols.serial_link import LinkError, line_for, opened

log = logging.getLogger("meterhub.gateway.p1")


class TelegramFramer:
    """Bytes in, telegrams out: each runs from '/' to the end of the line holding '!'."""

    def __init__(self) -> None:
        self._buffer = ""
        self._synced = False  # the first '/' seen: what came before was a telegram's tail

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data.decode("latin-1")  # byte for byte; the parser judges
        pieces: list[str] = []
        while True:
            start = self._buffer.find("/")
            if start < 0:
                self._buffer = ""
                return pieces
            if start and self._synced and self._buffer[:start].strip():
                pieces.append(self._buffer[:start])  # a tail without its head: say so
            self._buffer, self._synced = self._buffer[start:], True
            next_start = self._buffer.find("/", 1)
            end = self._buffer.find("!")
            if next_start > 0 and (end < 0 or next_start < end):
                pieces.append(self._buffer[:next_start])  # cut short by the next telegram
                self._buffer = self._buffer[next_start:]
                continue
            if end < 0:
                if len(self._buffer) > MAX_TELEGRAM_BYTES:
                    pieces.append(self._buffer)
                    self._buffer = ""
                return pieces
            line_end = self._buffer.find("\n", end)
            if line_end < 0:
                return pieces
            pieces.append(self._buffer[: line_end + 1])
            self._buffer = self._buffer[line_end + 1 :]

    def flush(self) -> list[str]:
        """What is left at the end of a stream (a last telegram without its line end)."""
        rest, self._buffer = self._buffer, ""
        return [rest] if rest.strip() else []


class P1SerialReader:
    def __init__(self, bus: Bus, device: str, config: DeviceConfig) -> None:
        assert config.serial is not None
        self.bus, self.device = bus, device
        self.line = line_for(
            "p1", config.serial.port, config.serial.baudrate, config.serial.framing
        )
        self.online: bool | None = None

    async def _availability(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            state = "online" if online else "offline"
            await self.bus.send(Channel.AVAILABILITY, self.device, state)

    async def run(self) -> None:
        backoff = Backoff(0.5, 30.0)
        while True:
            try:
                async with opened(self.line) as line:
                    backoff.reset()
                    framer = TelegramFramer()
                    while True:
                        await line.wait(None)
                        for telegram in framer.feed(line.take()):
                            await self._availability(True)
                            await self.bus.publish(
                                self.bus.topics.telegram(self.device), telegram.encode("latin-1")
                            )
            except LinkError as error:
                await self._availability(False)
                log.warning("P1 serial line", extra=kv(device=self.device, error=error))
            await asyncio.sleep(backoff.next_delay())
