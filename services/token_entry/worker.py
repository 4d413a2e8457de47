"""One meter's token queue: each token typed alone, then checked against the balance.

A meter locks its keypad after repeated wrong entries, so a token whose typing went
wrong (no answer in time, an ``error`` ack, a restart mid-way) is never typed again by
this service: the attempt ends ``failed`` with what is known, and the user decides.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from ..core.config.token_entry import TokenEntryConfig, TokenKeypadConfig
from ..core.contract import Channel
from ..core.messages import KeypadAck, KeypadCommand, TokenStep, new_id
from ..core.quantities import quantity
from ..core.runtime import Bus
from ..core.runtime.logs import kv
from ..domain.tokens import key_sequence, typing_time_s
from .attempts import Attempt, AttemptStore
from .balance import BalanceUnreadable, BalanceWatch

log = logging.getLogger("meterhub.token_entry")
NOT_RETYPED = "it is not typed again by itself: look at the meter before sending it again"
INTERRUPTED = "typing was interrupted by a restart"
# The typing step each progress ack becomes.
PROGRESS: dict[str, str] = {
    "accepted": "the keypad took {total} key presses",
    "pressing": "pressed {pressed} of {total} keys",
}


class TypingFailed(Exception):
    """Typing stopped; ``str(error)`` is the detail for the user. ``maybe_entered``: the
    keypad went silent, so the token may have gone through all the same."""

    def __init__(self, detail: str, *, maybe_entered: bool = False) -> None:
        super().__init__(detail)
        self.maybe_entered = maybe_entered


@dataclass
class Steps:
    """Every step of an attempt goes to its SQLite row and to the retained token/state."""

    bus: Bus
    store: AttemptStore

    async def step(self, attempt: Attempt, state: TokenStep, detail: str) -> None:
        attempt.state, attempt.detail = state, detail
        self.store.update(attempt)
        await self.publish(attempt)

    async def publish(self, attempt: Attempt) -> None:
        await self.bus.send(Channel.TOKEN_STATE, attempt.device, attempt.message())
        log.info(
            "token step",
            extra=kv(
                device=attempt.device,
                request_id=attempt.request_id,
                state=attempt.state,
                detail=attempt.detail,
            ),
        )


@dataclass
class KeypadAcks:
    """Acks by command id, for the command being typed; late or stray ones are dropped."""

    _open: dict[tuple[str, str], asyncio.Queue[KeypadAck]] = field(default_factory=dict)

    def open(self, device: str, command_id: str) -> asyncio.Queue[KeypadAck]:
        queue: asyncio.Queue[KeypadAck] = asyncio.Queue()
        self._open[(device, command_id)] = queue
        return queue

    def close(self, device: str, command_id: str) -> None:
        self._open.pop((device, command_id), None)

    def deliver(self, device: str, ack: KeypadAck) -> bool:
        queue = self._open.get((device, ack.id))
        if queue is not None:
            queue.put_nowait(ack)
        return queue is not None


@dataclass
class MeterWorker:
    device: str
    keypad: TokenKeypadConfig
    settings: TokenEntryConfig
    bus: Bus
    steps: Steps
    balances: BalanceWatch
    acks: KeypadAcks
    queue: asyncio.Queue[Attempt] = field(default_factory=asyncio.Queue)
    busy: bool = False

    @property
    def waiting(self) -> int:
        """Tokens ahead of one queued now."""
        return self.queue.qsize() + self.busy

    async def run(self) -> None:
        while True:
            attempt = await self.queue.get()
            self.busy = True
            try:
                await self._enter(attempt)
            except Exception as error:  # one bad attempt must not stop the meter's queue
                log.exception("token attempt failed", extra=kv(device=self.device, error=error))
                await self.steps.step(attempt, "failed", f"internal error: {error}; {NOT_RETYPED}")
            finally:
                self.busy = False

    async def _enter(self, attempt: Attempt) -> None:
        if attempt.state == "typed":  # typed (or half) before a restart: only the check is left
            context = f"{INTERRUPTED}; " if attempt.detail.startswith(INTERRUPTED) else ""
            await self._verify(attempt, context)
            return
        # A command queued in the outbox during an outage could reach the keypad after the
        # attempt timed out: wait for the broker before typing.
        await self.bus.connected.wait()
        attempt.balance_before_kwh = await self._balance_before()
        try:
            await self._type(attempt)
        except TypingFailed as failure:
            if not failure.maybe_entered:
                await self.steps.step(attempt, "failed", f"{failure}; {NOT_RETYPED}")
                return
            # Silence is not refusal: the acks may be what got lost. The balance decides.
            checking = f"{failure}; checking whether the meter took the token"
            await self.steps.step(attempt, "typed", checking)
            await self._verify(attempt, f"{failure}; ")
            return
        await self._verify(attempt)

    async def _balance_before(self) -> float | None:
        """The latest balance, photographed afresh when the one known is old or missing."""
        known = self.balances.latest(self.device)
        if known is not None and known.age_s <= self.settings.baseline_max_age_s:
            return known.kwh
        try:
            return await self.balances.read(self.device, self.settings.verify_timeout_s)
        except BalanceUnreadable as error:
            log.warning("no fresh balance before typing", extra=kv(device=self.device, why=error))
            return known.kwh if known else None

    async def _type(self, attempt: Attempt) -> None:
        keypad = self.keypad
        command = KeypadCommand(
            id=new_id(),
            keys=key_sequence(attempt.token, keypad),
            press_ms=keypad.press_ms,
            gap_ms=keypad.gap_ms,
            seq=attempt.id,  # rises with every attempt: the keypad refuses an older one
        )
        total = len(command.keys)
        answers = self.acks.open(self.device, command.id)
        try:
            await self.steps.step(attempt, "typing", f"sending {total} key presses to the keypad")
            # Not taken within the margin, the attempt is over: the command must not reach
            # the keypad later, from our outbox or the broker's queue.
            await self.bus.publish(
                self.bus.topics.device("keypad_cmd", self.device),
                command.to_payload(),
                expiry_s=self.settings.ack_timeout_margin_s,
            )
            await self._follow(attempt, command, answers)
        finally:
            self.acks.close(self.device, command.id)
        await self.steps.step(
            attempt,
            "typed",
            f"all {total} keys pressed; reading the balance in {self.settings.settle_s:g} s",
        )

    async def _follow(
        self, attempt: Attempt, command: KeypadCommand, answers: asyncio.Queue[KeypadAck]
    ) -> None:
        """Until ``done``: the keypad must take the command within the margin, and finish
        within the time its presses take plus the margin."""
        total, margin_s = len(command.keys), self.settings.ack_timeout_margin_s
        loop = asyncio.get_running_loop()
        accept_by = loop.time() + margin_s
        done_by = accept_by + typing_time_s(total, command.press_ms, command.gap_ms)
        pressed, heard = 0, False
        while True:
            deadline = done_by if heard else accept_by
            try:
                ack = await asyncio.wait_for(answers.get(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                waited = deadline - accept_by + margin_s
                where = f"after {pressed} of {total} keys" if heard else "(it never took it)"
                raise TypingFailed(
                    f"no answer from the keypad in {waited:.1f} s {where}", maybe_entered=True
                ) from None
            heard, pressed = True, ack.pressed
            if ack.state == "error":
                why = ack.error or "no reason given"
                raise TypingFailed(f"keypad error after {pressed} of {total} keys: {why}")
            if ack.state == "done":
                return
            detail = PROGRESS[ack.state].format(pressed=pressed, total=total)
            await self.steps.step(attempt, "typing", detail)

    async def _verify(self, attempt: Attempt, context: str = "") -> None:
        """``context`` leads every failure's detail (why this check happens late)."""
        await asyncio.sleep(self.settings.settle_s)  # the meter's own time to book the token
        try:
            after = await self.balances.read(self.device, self.settings.verify_timeout_s)
        except BalanceUnreadable as error:
            await self.steps.step(
                attempt, "failed", f"{context}typed, but the new balance is unknown: {error}"
            )
            return
        attempt.balance_after_kwh = after
        before = attempt.balance_before_kwh
        shown = quantity(self.keypad.balance_quantity)
        now = f"{after:.{shown.precision}f} {shown.unit}"
        if before is None:
            await self.steps.step(
                attempt,
                "failed",
                f"{context}typed; the balance is {now}, but none was known before",
            )
            return
        was = f"{before:.{shown.precision}f}"
        if after > before:
            rise = f"+{after - before:.{shown.precision}f}"
            await self.steps.step(attempt, "verified", f"{context}balance {was} → {now} ({rise})")
        else:
            await self.steps.step(
                attempt,
                "failed",
                f"{context}the balance did not rise ({was} → {now}): the meter may have "
                f"refused the token; {NOT_RETYPED}",
            )
