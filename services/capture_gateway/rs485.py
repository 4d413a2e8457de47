"""RS-485 meters: a DL/T 645 client (request, timeout, retries) and the poller service part.

The poller reads every register of the meter that lands in a reading, publishes one
``Reading`` with ``source: dlt645`` per poll, and keeps the device's availability topic
true: ``offline`` while the port is missing or the meter answers nothing, ``online`` again
at its first answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from ..core.config.devices import DeviceConfig
from ..core.contract import Channel
from ..core.messages import Reading, Rejected, utc_now
from ..core.runtime import Bus
from ..core.runtime.backoff import Backoff
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from ..protocols.dlt645 import (
    BROADCAST,
    Answer,
    DataId,
    Edition,
    Frame,
    FrameError,
    MeterError,
    data_id,
    decode_reply,
    parse_frame,
    poll_ids,
    read_address_request,
    read_request,
    split_frame,
)
from ..protocols.iec62056_21 import Iec62056Error, readout
from ..protocols.serial_link import LineSettings, LinkError, SerialLine, line_for, opened

log = logging.getLogger("meterhub.gateway.rs485")


class NoAnswer(Exception):
    """The meter did not answer (after every retry)."""


class BadReply(Exception):
    """Only invalid frames came back (after every retry); the reason is the last one."""


@dataclass(frozen=True)
class ClientSettings:
    timeout_s: float = 1.0
    retries: int = 2


class Dlt645Client:
    """Request/reply over one line; one transaction at a time, as the bus allows."""

    def __init__(self, line: SerialLine, settings: ClientSettings | None = None) -> None:
        self.line, self.settings = line, settings or ClientSettings()
        self._lock = asyncio.Lock()

    async def transact(self, request: bytes) -> Frame:
        attempts = self.settings.retries + 1
        last_bad: str | None = None
        async with self._lock:
            for _ in range(attempts):
                self.line.discard()
                self.line.write(request)
                try:
                    return await self._reply(self.settings.timeout_s)
                except TimeoutError:
                    continue
                except FrameError as error:
                    last_bad = str(error)
        if last_bad is not None:
            raise BadReply(last_bad)
        raise NoAnswer(f"no answer after {attempts} tries of {self.settings.timeout_s:g} s")

    async def _reply(self, timeout_s: float) -> Frame:
        deadline = time.monotonic() + timeout_s
        while True:
            raw, rest = split_frame(self.line.peek())
            if raw is not None:
                self.line.consume(len(self.line.peek()) - len(rest))
                frame = parse_frame(raw)
                if frame.is_reply:  # adapters that echo our own request: skip the echo
                    return frame
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self.line.wait(remaining):
                raise TimeoutError

    async def read(self, address: str, item: DataId) -> Answer:
        return decode_reply(await self.transact(read_request(address, item)), item)

    async def find_address(self, edition: Edition) -> str:
        """The address of the one meter on the line (``meterhub meter scan``)."""
        if edition == "2007":
            frame = await self.transact(read_address_request())
            if frame.is_error:
                raise MeterError(frame.data[0] if frame.data else 0, "2007")
            return frame.address
        answer = await self.read(BROADCAST["1997"], data_id("1997", 0xC032))
        return str(answer.value)


@dataclass
class PollResult:
    values: dict[str, float] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    bad: dict[str, str] = field(default_factory=dict)
    silent: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return bool(self.answers or self.unsupported or self.bad)


async def poll_once(client: Dlt645Client, address: str, items: list[DataId]) -> PollResult:
    result = PollResult()
    for item in items:
        try:
            answer = await client.read(address, item)
        except MeterError:
            result.unsupported.append(item.label)
        except BadReply as error:
            result.bad[item.label] = str(error)
        except FrameError as error:  # a valid frame that is not the answer asked for
            result.bad[item.label] = str(error)
        except NoAnswer:
            result.silent.append(item.label)
            if not result.answered:
                break  # nobody there: do not spend the whole interval on timeouts
        else:
            result.answers.append(answer)
            if answer.reading_value is not None and answer.item.quantity:
                result.values[answer.item.quantity] = answer.reading_value
    return result


class MeterPoller:
    """One RS-485 meter, polled on its interval, reported on the bus."""

    def __init__(self, bus: Bus, device: str, config: DeviceConfig) -> None:
        rs485 = config.rs485
        assert rs485 is not None and config.serial is not None
        self.bus, self.device, self.rs485 = bus, device, rs485
        self.line: LineSettings = line_for(
            "dlt645", config.serial.port, config.serial.baudrate, config.serial.framing
        )
        self.address = rs485.address or BROADCAST[rs485.edition]
        self.items = poll_ids(rs485.edition, rs485.phases)
        self.online: bool | None = None
        self.polls = 0

    async def _availability(self, online: bool, reason: str = "") -> None:
        if online == self.online:
            return
        self.online = online
        state = "online" if online else "offline"
        log.info("meter " + state, extra=kv(device=self.device, reason=reason or None))
        await self.bus.send(Channel.AVAILABILITY, self.device, state)

    async def run(self) -> None:
        backoff = Backoff(0.5, max(self.rs485.interval_s, 1.0))
        while True:
            try:
                async with opened(self.line) as line:
                    backoff.reset()
                    await self._poll_forever(Dlt645Client(line, self._client_settings()))
            except LinkError as error:
                await self._availability(False, str(error))
                log.warning("serial line", extra=kv(device=self.device, error=error))
            await asyncio.sleep(backoff.next_delay())

    def _client_settings(self) -> ClientSettings:
        return ClientSettings(self.rs485.timeout_s, self.rs485.retries)

    async def _poll_forever(self, client: Dlt645Client) -> None:
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        while True:
            await self.poll(client)
            next_poll += self.rs485.interval_s
            next_poll = max(next_poll, loop.time())  # a slow poll shifts, never bunches up
            await asyncio.sleep(next_poll - loop.time())

    async def poll(self, client: Dlt645Client) -> PollResult:
        result = await poll_once(client, self.address, self.items)
        self.polls += 1
        if result.unsupported:  # the meter said it has no such register: stop asking
            unsupported = ",".join(result.unsupported)
            log.info("registers not supported", extra=kv(device=self.device, ids=unsupported))
            self.items = [i for i in self.items if i.label not in result.unsupported]
        if result.bad:
            reason = "; ".join(f"{label}: {why}" for label, why in result.bad.items())
            await self.bus.publish(
                self.bus.topics.rejected(self.device),
                Rejected(device=self.device, source="dlt645", reason=reason).to_payload(),
            )
        if not result.answered:
            await self._availability(False, "no answer")
            return result
        await self._availability(True)
        if result.values:
            reading = Reading(
                device=self.device,
                ts=utc_now(),
                source="dlt645",
                values=result.values,
                meter_id=self.address if self.address != BROADCAST[self.rs485.edition] else None,
            )
            await self.bus.publish(self.bus.topics.reading(self.device), reading.to_payload())
        return result


class IecPoller(MeterPoller):
    """A meter read by IEC 62056-21 mode C readouts on its interval."""

    def __init__(self, bus: Bus, device: str, config: DeviceConfig) -> None:
        super().__init__(bus, device, config)
        assert config.serial is not None
        self.line = line_for(
            "iec62056", config.serial.port, config.serial.baudrate, config.serial.framing
        )
        self.address = self.rs485.address
        self.max_baud = config.serial.baudrate or 9600

    async def _poll_forever(self, client: Dlt645Client) -> None:
        loop, line = asyncio.get_running_loop(), client.line
        next_poll = loop.time()
        while True:
            try:
                result = await readout(
                    line, self.address, timeout_s=self.rs485.timeout_s * 3, max_baud=self.max_baud
                )
            except Iec62056Error as error:
                await self._availability(False, str(error))
            else:
                await self._availability(True)
                if result.values:
                    reading = Reading(
                        device=self.device, ts=utc_now(), source="iec62056",
                        values=result.values, meter_id=result.meter_id,
                    )  # fmt: skip
                    await self.bus.publish(
                        self.bus.topics.reading(self.device), reading.to_payload()
                    )
            next_poll = max(next_poll + self.rs485.interval_s, loop.time())
            await asyncio.sleep(next_poll - loop.time())


POLLERS: dict[str, type[MeterPoller]] = {"dlt645": MeterPoller, "iec62056": IecPoller}


def rs485_tasks(ctx: ServiceContext) -> list[Coroutine[Any, Any, None]]:
    """A poller per RS-485 / optical meter that has a serial port in the config."""
    return [
        POLLERS[settings.kind](ctx.bus, device, settings).run()
        for device, settings in ctx.config.devices.items()
        if settings.kind in POLLERS and settings.serial is not None
    ]
