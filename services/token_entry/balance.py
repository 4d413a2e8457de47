"""The balance of each prepaid meter: the latest one seen, and a fresh one on request.

A fresh balance is a ``cmd/capture`` with a new ``request_id``; the answer is the
reading that carries the same id (the OCR worker copies it from the frame), or a
rejection that names it (an unreadable photo).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from ..core.messages import CaptureRequest, InvalidMessage, Reading, Rejected, utc_now
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv

log = logging.getLogger("meterhub.token_entry")


class BalanceUnreadable(Exception):
    """No balance came back; ``str(error)`` says why."""


@dataclass(frozen=True)
class Balance:
    kwh: float
    ts: datetime

    @property
    def age_s(self) -> float:
        return (utc_now() - self.ts).total_seconds()


class BalanceWatch:
    def __init__(self, bus: Bus, quantities: dict[str, str]) -> None:
        """``quantities``: device id -> the quantity that is its balance."""
        self.bus = bus
        self.quantities = quantities
        self._latest: dict[str, Balance] = {}
        self._answers: dict[str, asyncio.Future[float]] = {}

    def latest(self, device: str) -> Balance | None:
        return self._latest.get(device)

    def _seen(self, device: str, kwh: float, ts: datetime) -> None:
        known = self._latest.get(device)
        if known is None or ts >= known.ts:
            self._latest[device] = Balance(kwh, ts)

    async def on_reading(self, message: IncomingMessage) -> None:
        try:
            reading = Reading.from_payload(message.payload)
        except InvalidMessage:
            return  # storage rejects it, with the reason
        quantity = self.quantities.get(reading.device)
        kwh = reading.values.get(quantity) if quantity else None
        if kwh is not None:
            self._seen(reading.device, kwh, reading.ts)
        answer = self._answers.get(reading.request_id or "")
        if answer is None or answer.done():
            return
        if kwh is None:
            answer.set_exception(BalanceUnreadable(f"the reading has no {quantity}"))
        else:
            answer.set_result(kwh)

    async def on_state(self, message: IncomingMessage) -> None:
        """The retained latest values: what was known before this service started."""
        device = message.topic.split("/")[1]
        quantity = self.quantities.get(device)
        try:
            state = json.loads(message.payload)
            kwh = float(state[quantity])
            ts = datetime.fromisoformat(str(state["ts"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            return
        if ts.tzinfo is not None:
            self._seen(device, kwh, ts)

    async def on_rejected(self, message: IncomingMessage) -> None:
        try:
            rejected = Rejected.from_payload(message.payload)
        except InvalidMessage:
            return
        about = rejected.reading if isinstance(rejected.reading, dict) else {}
        answer = self._answers.get(str(about.get("request_id") or ""))
        if answer is not None and not answer.done():
            answer.set_exception(BalanceUnreadable(f"the photo was not read: {rejected.reason}"))

    async def read(self, device: str, timeout_s: float) -> float:
        """Photograph the meter now and return the balance it shows."""
        request = CaptureRequest()
        answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._answers[request.request_id] = answer
        try:
            await self.bus.publish(self.bus.topics.capture(device), request.to_payload())
            log.info("balance requested", extra=kv(device=device, request_id=request.request_id))
            return await asyncio.wait_for(answer, timeout_s)
        except TimeoutError:
            raise BalanceUnreadable(f"no reading of the meter within {timeout_s:g} s") from None
        finally:
            del self._answers[request.request_id]
