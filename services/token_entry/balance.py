"""The balance of each prepaid meter: the latest one storage accepted, and a fresh one on request.

The latest balance comes from storage's retained ``state`` only: storage has checked
the reading (its topic names the meter, its clock is not ahead), so a device that
publishes a forged reading on its own topic cannot set another meter's balance.
A fresh balance is a ``cmd/capture`` with a new ``request_id``; the answer is the
reading on that meter's own topic that carries the same id (the OCR worker copies it
from the frame) and passes the same check, or a rejection that names it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from ..core.contract import Channel
from ..core.messages import CaptureRequest, DeviceState, Reading, Rejected, utc_now
from ..core.runtime import Bus
from ..core.runtime.logs import kv
from ..core.trust import MAX_FUTURE, reading_problem

log = logging.getLogger("meterhub.token_entry")


class BalanceUnreadable(Exception):
    """No balance came back; ``str(error)`` says why."""


class PhotoRefused(BalanceUnreadable):
    """The photo came back, but the OCR refused it (glare, a digit caught changing)."""


# A refused photo is taken again while time is left: one unlucky frame must not turn a
# token that went through into a failed attempt.
READ_TRIES = 3


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
        # request_id -> (the meter asked, its answer)
        self._answers: dict[str, tuple[str, asyncio.Future[float]]] = {}

    def subscribe(self) -> None:
        """Follow readings, storage's states and rejections (before the bus connects)."""
        self.bus.on(Channel.READING, self.on_reading)
        self.bus.on(Channel.STATE, self.on_state)
        self.bus.on(Channel.REJECTED, self.on_rejected)

    def latest(self, device: str) -> Balance | None:
        return self._latest.get(device)

    def _seen(self, device: str, kwh: float, ts: datetime) -> None:
        """Newest wins, but never a time ahead of our clock by more than the contract allows."""
        known = self._latest.get(device)
        if ts > utc_now() + MAX_FUTURE:
            log.warning("balance state from the future ignored", extra=kv(device=device, ts=ts))
        elif known is None or ts >= known.ts:
            self._latest[device] = Balance(kwh, ts)

    def _waiting(self, device: str, request_id: object) -> asyncio.Future[float] | None:
        """The open answer to ``request_id`` if it was asked of ``device``."""
        if not isinstance(request_id, str):
            return None
        asked, answer = self._answers.get(request_id, ("", None))
        if answer is None or answer.done() or asked != device:
            return None
        return answer

    async def on_reading(self, device: str, reading: Reading) -> None:
        """Only answers to our own captures: the latest balance is storage's (``on_state``)."""
        answer = self._waiting(device, reading.request_id)
        if answer is None:
            return
        problem = reading_problem(reading, device, utc_now())
        if problem is not None:  # storage rejects it too, on the rejected topic
            log.warning("answer refused", extra=kv(device=device, reason=problem))
            return
        quantity = self.quantities.get(device)
        kwh = reading.values.get(quantity) if quantity else None
        if kwh is None:
            answer.set_exception(BalanceUnreadable(f"the reading has no {quantity}"))
        else:
            answer.set_result(kwh)

    async def on_state(self, device: str, state: DeviceState) -> None:
        """Storage's retained latest values: what was accepted, before and after this started."""
        quantity = self.quantities.get(device)
        kwh = (state.model_extra or {}).get(quantity) if quantity else None
        if isinstance(kwh, int | float):
            self._seen(device, float(kwh), state.ts)

    async def on_rejected(self, device: str, rejected: Rejected) -> None:
        about = rejected.reading if isinstance(rejected.reading, dict) else {}
        answer = self._waiting(device, about.get("request_id"))
        if answer is not None:
            answer.set_exception(PhotoRefused(f"the photo was not read: {rejected.reason}"))

    async def read(self, device: str, timeout_s: float) -> float:
        """Photograph the meter now and return the balance it shows; a refused photo is
        taken again (``READ_TRIES`` in all) within ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        refused: PhotoRefused | None = None
        for _ in range(READ_TRIES):
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                return await self._read_once(device, left)
            except PhotoRefused as error:
                refused = error
                log.info("balance photo refused, asking again", extra=kv(device=device))
            except TimeoutError:
                break
        raise refused or BalanceUnreadable(f"no reading of the meter within {timeout_s:g} s")

    async def _read_once(self, device: str, timeout_s: float) -> float:
        request = CaptureRequest()
        answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._answers[request.request_id] = (device, answer)
        try:
            await self.bus.publish(self.bus.topics.capture(device), request.to_payload())
            log.info("balance requested", extra=kv(device=device, request_id=request.request_id))
            return await asyncio.wait_for(answer, timeout_s)
        finally:
            del self._answers[request.request_id]
