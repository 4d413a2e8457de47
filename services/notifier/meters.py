"""What the bot knows about the meters, learnt from the bus as it goes by.

Readings, rejections, availability, alarms and token states arrive here; whoever asked
for a capture or typed a token waits on a future keyed by its ``request_id``. A message
belongs to the device its topic names (the ACL's promise); a reading that names another
device, or is stamped ahead of our clock, is ignored here as storage rejects it.
Handlers only update memory and hand events on: anything slow runs elsewhere, so the
bus is never held up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.contract import Channel
from ..core.messages import Alarm, CapacityState, Reading, Rejected, TokenState, utc_now
from ..core.runtime import Bus, ChannelHandler, IncomingMessage
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from ..core.trust import reading_problem

log = logging.getLogger("meterhub.notifier")


@dataclass(frozen=True)
class Seen:
    """One quantity's newest value and the time the meter showed it."""

    value: float
    ts: datetime


@dataclass
class DeviceView:
    values: dict[str, Seen] = field(default_factory=dict)
    heard_at: datetime | None = None  # by our clock: when anything last came from it
    available: bool | None = None
    capacity: CapacityState | None = None  # the gateway's capacity-tariff view (P1)


class MeterEvents:
    """What the alerts listen to; the defaults ignore everything."""

    async def reading(self, reading: Reading) -> None: ...

    async def rejected(self, device: str, rejected: Rejected) -> None: ...

    async def alarm(self, device: str, alarm: Alarm) -> None: ...

    async def capacity(self, state: CapacityState) -> None: ...


TokenListener = Callable[[TokenState], Awaitable[None]]


class MeterWatch:
    def __init__(self, bus: Bus, clock: Clock, events: MeterEvents | None = None) -> None:
        self.bus, self.clock = bus, clock
        self.events = events or MeterEvents()
        self.devices: dict[str, DeviceView] = {}
        self._captures: dict[str, _Asked] = {}  # by request_id
        self._tokens: dict[str, TokenListener] = {}

    def subscribe(self) -> None:
        table: dict[Channel, ChannelHandler] = {
            Channel.READING: self._on_reading,
            Channel.REJECTED: self._on_rejected,
            Channel.AVAILABILITY: self._on_availability,
            Channel.ALARM: self._on_alarm,
            Channel.TOKEN_STATE: self._on_token_state,
            Channel.CAPACITY: self._on_capacity,
        }
        for channel, handler in table.items():
            self.bus.on(channel, handler)

    def view(self, device: str) -> DeviceView:
        return self.devices.setdefault(device, DeviceView())

    # --- waiting for answers --------------------------------------------------------
    def expect_capture(
        self, device: str, request_id: str, burst: int = 1
    ) -> asyncio.Future[Reading | Rejected]:
        """Register before publishing ``cmd/capture``, so a fast answer is not missed; only
        an answer on ``device``'s own topics counts. Of a burst, the first reading answers;
        refusals only once every photo was refused (a failure's reason before a cycling
        display's other register)."""
        future: asyncio.Future[Reading | Rejected] = asyncio.get_running_loop().create_future()
        self._captures[request_id] = _Asked(device, future, burst)
        future.add_done_callback(lambda _: self._captures.pop(request_id, None))
        return future

    def follow_token(self, request_id: str, listener: TokenListener) -> None:
        self._tokens[request_id] = listener

    def unfollow_token(self, request_id: str) -> None:
        self._tokens.pop(request_id, None)

    # --- bus handlers ---------------------------------------------------------------
    async def _on_reading(self, device: str, reading: Reading) -> None:
        # A device clock is judged by the wall clock, as storage judges it.
        problem = reading_problem(reading, device, utc_now())
        if problem is not None:
            log.warning("reading ignored", extra=kv(device=device, reason=problem))
            return
        view = self.view(device)
        view.heard_at = self.clock.now()
        for quantity, value in reading.values.items():
            known = view.values.get(quantity)
            if known is None or reading.ts >= known.ts:
                view.values[quantity] = Seen(value, reading.ts)
        self._resolve(device, reading.request_id, reading)
        await self.events.reading(reading)

    async def _on_rejected(self, device: str, rejected: Rejected) -> None:
        self.view(device).heard_at = self.clock.now()
        self._resolve(device, _request_id_of(rejected.reading), rejected)
        await self.events.rejected(device, rejected)

    async def _on_availability(self, device: str, message: IncomingMessage) -> None:
        state = message.payload.decode(errors="replace").strip()
        if state in ("online", "offline"):
            self.view(device).available = state == "online"

    async def _on_alarm(self, device: str, alarm: Alarm) -> None:
        await self.events.alarm(device, alarm)

    async def _on_capacity(self, device: str, state: CapacityState) -> None:
        if state.device != device:
            log.warning("capacity state of another device ignored", extra=kv(device=device))
            return
        self.view(device).capacity = state
        await self.events.capacity(state)

    async def _on_token_state(self, device: str, state: TokenState) -> None:
        listener = self._tokens.get(state.request_id)
        if listener is not None:
            await listener(state)

    def _resolve(self, device: str, request_id: str | None, answer: Reading | Rejected) -> None:
        asked = self._captures.get(request_id or "")
        if asked is None or asked.future.done() or asked.device != device:
            return
        if isinstance(answer, Reading):
            asked.future.set_result(answer)
            return
        asked.refused.append(answer)
        if len(asked.refused) >= asked.burst:
            failures = [r for r in asked.refused if r.is_failure]
            asked.future.set_result((failures or asked.refused)[-1])


@dataclass
class _Asked:
    """A capture asked for: its device, its answer, and the refusals of its burst so far."""

    device: str
    future: asyncio.Future[Reading | Rejected]
    burst: int = 1
    refused: list[Rejected] = field(default_factory=list)


def _request_id_of(refused: Any) -> str | None:
    """Rejections carry what was refused; the OCR worker puts the frame's request_id there."""
    if isinstance(refused, dict):
        value = refused.get("request_id")
        return value if isinstance(value, str) else None
    return None
