"""/token: confirm with a button, hand the token to token_entry, edit the message as it goes.

A token is money: it is typed only after the user pressed "yes" on the exact digits
shown, the offer expires, and the digits never reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..core.config import MeterhubConfig
from ..core.messages import TokenSet, TokenState, new_id
from ..core.runtime import Bus
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from ..domain.tokens import TokenRefused, grouped
from ..domain.tokens import normalise_token as checked_token
from .lang import Texts, texts
from .meters import MeterWatch
from .telegram_io import TelegramOut

log = logging.getLogger("meterhub.notifier")

OFFER_TTL = timedelta(minutes=10)
CALLBACK_PREFIX = "tok"
FINAL_STATES = {"verified", "failed"}
SOURCE = "telegram"


def normalise_token(parts: list[str]) -> str | None:
    """Digits as printed on a receipt (``1234 5678 ...`` or with dashes) → the token, or
    None for anything token entry would refuse: the user never confirms a token that
    cannot be typed. One rule, token entry's."""
    try:
        return checked_token(" ".join(parts))
    except TokenRefused:
        return None


@dataclass(frozen=True)
class Offer:
    chat_id: int
    device: str
    token: str
    made: datetime
    message_id: int | None = None


class TokenFlow:
    def __init__(
        self, config: MeterhubConfig, bus: Bus, watch: MeterWatch, out: TelegramOut, clock: Clock
    ) -> None:
        self.config, self.bus, self.watch, self.out, self.clock = config, bus, watch, out, clock
        self.offers: dict[str, Offer] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def offer(self, chat_id: int, t: Texts, device: str, token: str) -> None:
        now = self.clock.now()
        self.offers = {k: o for k, o in self.offers.items() if now - o.made < OFFER_TTL}
        key = new_id()
        name = self.config.devices[device].name or device
        buttons = [
            (t.say("button_yes"), f"{CALLBACK_PREFIX}:{key}:yes"),
            (t.say("button_no"), f"{CALLBACK_PREFIX}:{key}:no"),
        ]
        text = t.say("token_confirm", name=name, token=grouped(token))
        message_id = await self.out.text(chat_id, text, buttons)
        self.offers[key] = Offer(chat_id, device, token, now, message_id)
        log.info("token offered", extra=kv(chat_id=chat_id, device=device, offer=key))

    async def answer(self, chat_id: int, message_id: int, data: str, t: Texts) -> None:
        """A press on yes/no; anything stale or foreign is told it expired."""
        _, key, choice = [*data.split(":"), "", ""][:3]
        offer = self.offers.pop(key, None)
        if (
            offer is None
            or offer.chat_id != chat_id
            or self.clock.now() - offer.made >= OFFER_TTL
            or choice not in ("yes", "no")
        ):
            await self.out.edit(chat_id, message_id, t.say("token_expired"))
            return
        shown = grouped(offer.token)
        if choice == "no":
            await self.out.edit(chat_id, message_id, t.say("token_cancelled", token=shown))
            return
        request = TokenSet(token=offer.token, source=SOURCE)
        states: asyncio.Queue[TokenState] = asyncio.Queue()

        async def arrived(state: TokenState) -> None:
            states.put_nowait(state)  # edits happen in order, in the follower task

        self.watch.follow_token(request.request_id, arrived)
        topic = self.bus.topics.device("token_set", offer.device)
        await self.bus.publish(topic, request.to_payload())
        log.info(
            "token sent", extra=kv(chat_id=chat_id, device=offer.device, request=request.request_id)
        )
        await self.out.edit(chat_id, message_id, t.say("token_sent", token=shown))
        task = asyncio.get_running_loop().create_task(
            self._follow(chat_id, message_id, request.request_id, shown, states, t.language)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(
        self,
        chat_id: int,
        message_id: int,
        request_id: str,
        shown: str,
        states: asyncio.Queue[TokenState],
        language: str,
    ) -> None:
        t = texts(language)
        timeout = self.config.telegram.token_timeout_s
        try:
            while True:
                try:
                    state = await asyncio.wait_for(states.get(), timeout)
                except TimeoutError:
                    seconds = t.number(timeout, 0)
                    text = t.say("token_no_answer", seconds=seconds, token=shown)
                    await self.out.edit(chat_id, message_id, text)
                    return
                lines = [t.say(f"token_{state.state}", token=shown)]
                if state.detail:
                    lines.append(t.say("token_detail", detail=state.detail))
                await self.out.edit(chat_id, message_id, "\n".join(lines))
                if state.state in FINAL_STATES:
                    log.info("token done", extra=kv(request=request_id, state=state.state))
                    return
        finally:
            self.watch.unfollow_token(request_id)
