"""Notifier service: the Telegram bot. Without a bot token it logs one line and idles, so
``meterhub run all`` and the demo run the same with or without Telegram."""

from __future__ import annotations

import logging

from ..core.runtime.clock import Clock, SystemClock
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled

log = logging.getLogger("meterhub.notifier")


async def main(ctx: ServiceContext) -> None:
    await run_notifier(ctx, SystemClock())


async def run_notifier(ctx: ServiceContext, clock: Clock) -> None:
    settings = ctx.config.telegram
    # Imported here: python-telegram-bot is only loaded when the bot runs.
    from .bot import Notifier, bot_token

    token = bot_token(settings) if settings.enabled else None
    if token is None:
        reason = "disabled in the config" if not settings.enabled else "no bot token"
        log.info(
            "Telegram bot off",
            extra=kv(reason=reason, token_variable=settings.bot_token_env),
        )
        await until_cancelled()
    notifier = Notifier(ctx, clock, token)
    await notifier.run()
