"""Token entry service: ``token/set`` in, key presses out, the new balance checked.

Requests are checked and queued here (a handler never waits for typing, so the bus keeps
flowing); each meter's worker types its tokens one at a time. One instance per broker:
two would type the same token twice.
"""

from __future__ import annotations

import asyncio
import json
import logging

from ..core.contract import Channel
from ..core.messages import (
    MAX_JSON_PAYLOAD_BYTES,
    KeypadAck,
    Rejected,
    TokenSet,
    TokenStep,
    new_id,
)
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled
from ..core.topics import is_device_id
from ..domain.tokens import TokenRefused, keypads, masked, normalise_token
from .attempts import Attempt, AttemptStore
from .balance import BalanceWatch
from .worker import INTERRUPTED, KeypadAcks, MeterWorker, Steps

log = logging.getLogger("meterhub.token_entry")
SOURCE = "token_entry"
# How a refusal names an earlier attempt with the same token, by that attempt's state.
ALREADY: dict[TokenStep, str] = {
    "queued": "is already waiting to be typed",
    "typing": "is being typed right now",
    "typed": "was just typed and is being checked",
    "verified": "was already entered",
}


def _request_id_in(payload: bytes) -> str | None:
    """The request id of a request too broken to parse, so its sender hears why."""
    try:
        value = json.loads(payload[:MAX_JSON_PAYLOAD_BYTES]).get("request_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


class TokenEntry:
    def __init__(self, ctx: ServiceContext) -> None:
        self.config, self.bus = ctx.config, ctx.bus
        self.store = AttemptStore(ctx.config.storage.sqlite_path)
        self.steps = Steps(self.bus, self.store)
        self.acks = KeypadAcks()
        found = keypads(ctx.config)
        self.balances = BalanceWatch(self.bus, {d: k.balance_quantity for d, k in found.items()})
        settings = ctx.config.token_entry
        self.workers = {
            device: MeterWorker(
                device, keypad, settings, self.bus, self.steps, self.balances, self.acks
            )
            for device, keypad in found.items()
        }
        self._to_announce: list[Attempt] = []

    def subscribe(self) -> None:
        # An unreadable keypad ack is refused on rejected by the bus (this is its judge).
        self.bus.on(Channel.TOKEN_SET, self.on_token_set, on_invalid=self.on_invalid_token)
        self.bus.on(Channel.KEYPAD_ACK, self.on_keypad_ack)
        self.balances.subscribe()

    def resume(self) -> None:
        """Queue what the last run left. Untouched tokens are typed; a half-typed one is only
        checked against the balance (the keypad may have finished it), never retyped."""
        for attempt in self.store.unfinished():
            worker = self.workers.get(attempt.device)
            if worker is None:
                attempt.state, attempt.detail = "failed", "this meter has no keypad any more"
            elif attempt.state == "typing":
                attempt.state = "typed"
                attempt.detail = f"{INTERRUPTED}; checking whether the meter took the token"
            if attempt.state != "queued":
                self.store.update(attempt)
                self._to_announce.append(attempt)
            if worker is not None and attempt.state != "failed":
                worker.queue.put_nowait(attempt)

    async def announce_resumed(self) -> None:
        for attempt in self._to_announce:
            await self.steps.publish(attempt)

    async def on_invalid_token(self, device: str, message: IncomingMessage, reason: str) -> None:
        """A request too broken to parse is answered like a refused token, so its sender
        hears why (on token/state, when its request id can be made out)."""
        if not is_device_id(device):
            log.warning("token for a topic that names no device", extra=kv(topic=message.topic))
            return
        raw = message.payload[:200].decode("utf-8", errors="replace")
        await self._refuse(device, _request_id_in(message.payload), "unknown", raw, reason)

    async def on_token_set(self, device: str, request: TokenSet) -> None:
        earlier = self.store.get(device, request.request_id)
        if earlier is not None:  # a redelivery (QoS 1), or a sender reusing its ids
            log.info("request seen before", extra=kv(device=device, request_id=earlier.request_id))
            return
        worker = self.workers.get(device)
        try:
            if device not in self.config.devices:
                raise TokenRefused("unknown device (not in the config)")
            if worker is None:
                raise TokenRefused(f"meter {device} has no keypad (token_entry.devices)")
            token = normalise_token(request.token)
            taken = self.store.taken(device, token)
            if taken is not None:
                raise TokenRefused(
                    f"this token {ALREADY[taken.state]} on this meter "
                    f"(sent {taken.requested_at} from {taken.source})"
                )
        except TokenRefused as refused:
            await self._refuse(device, request.request_id, request.source, request.token, refused)
            return
        ahead = worker.waiting
        detail = f"{ahead} token(s) ahead" if ahead else "next to be typed"
        attempt = self.store.add(
            device, request.request_id, request.source, token, "queued", detail
        )
        if attempt is None:
            return
        await self.steps.publish(attempt)
        worker.queue.put_nowait(attempt)

    async def _refuse(
        self,
        device: str,
        request_id: str | None,
        source: str,
        token: str,
        reason: object,
    ) -> None:
        """Refused before any key: recorded, answered on token/state, and sent to ``rejected``."""
        log.warning("token refused", extra=kv(device=device, request_id=request_id, reason=reason))
        answer = self.store.add(
            device, request_id or new_id(), source, token[:64], "failed", f"refused: {reason}"
        )
        if answer is not None and request_id is not None:
            await self.steps.publish(answer)
        rejected = Rejected(
            device=device,
            source=SOURCE,
            reason=f"token refused: {reason}",
            reading={"request_id": request_id, "source": source, "token": masked(token)},
        )
        await self.bus.publish(self.bus.topics.rejected(device), rejected.to_payload())

    async def on_keypad_ack(self, device: str, ack: KeypadAck) -> None:
        if not self.acks.deliver(device, ack):
            log.info("keypad ack for no command being typed", extra=kv(device=device, id=ack.id))


async def main(ctx: ServiceContext) -> None:
    entry = TokenEntry(ctx)
    entry.resume()
    entry.subscribe()
    try:
        async with asyncio.TaskGroup() as group:
            for worker in entry.workers.values():
                group.create_task(worker.run(), name=f"token_entry:{worker.device}")
            await entry.announce_resumed()
            await until_cancelled()
    finally:
        entry.store.close()
