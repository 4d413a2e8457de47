"""The Telegram side: sending (never raising into the bot's logic) and receiving updates.

python-telegram-bot's ``Application`` runs inside the service's event loop: long polling
by default, a webhook listener when configured. A Bot API that cannot be reached is
retried with backoff; a token it refuses is logged once and the service idles, so the
other services in the process keep running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from ..core.config.telegram import TelegramConfig
from ..core.runtime.backoff import Backoff
from ..core.runtime.logs import kv
from ..core.runtime.runner import until_cancelled

log = logging.getLogger("meterhub.notifier")

Buttons = Sequence[tuple[str, str]]  # (label, callback data), shown as one row
UPDATE_KINDS = ["message", "edited_message", "callback_query"]
RETRY_AFTER_CAP_S = 60.0


def keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in buttons]])


class TelegramOut:
    """Sends messages; waits until the bot is up, retries once on flood control, logs failures."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.ready = asyncio.Event()

    async def _call(self, what: str, chat_id: int, action):  # type: ignore[no-untyped-def]
        await self.ready.wait()
        for attempt in range(2):
            try:
                return await action()
            except RetryAfter as error:
                delay = error.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                if attempt:
                    break
                await asyncio.sleep(min(float(seconds), RETRY_AFTER_CAP_S))
            except Forbidden as error:  # the user blocked the bot or left the group
                log.warning("chat refuses messages", extra=kv(chat_id=chat_id, error=error))
                return None
            except TelegramError as error:
                log.warning("send failed", extra=kv(what=what, chat_id=chat_id, error=error))
                return None
        return None

    async def text(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int | None:
        sent = await self._call(
            "text",
            chat_id,
            lambda: self.bot.send_message(chat_id, text, reply_markup=keyboard(buttons)),
        )
        return sent.message_id if sent is not None else None

    async def photo(self, chat_id: int, data: bytes, caption: str, filename: str) -> int | None:
        sent = await self._call(
            "photo",
            chat_id,
            lambda: self.bot.send_photo(chat_id, photo=data, caption=caption, filename=filename),
        )
        return sent.message_id if sent is not None else None

    async def edit(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons | None = None
    ) -> None:
        await self._call(
            "edit",
            chat_id,
            lambda: self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(buttons)
            ),
        )


def build_application(config: TelegramConfig, token: str) -> Application:
    return (
        Application.builder()
        .token(token)
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        # /cektoken waits for a camera; other chats and the confirm buttons must not queue
        # behind it.
        .concurrent_updates(True)
        .get_updates_read_timeout(config.poll_timeout_s + 10.0)
        .build()
    )


async def serve_updates(
    application: Application,
    config: TelegramConfig,
    menus: dict[str | None, list[BotCommand]],
    out: TelegramOut,
) -> None:
    """Receive updates until cancelled; reconnect on network trouble, idle on a bad token."""
    backoff = Backoff(1.0, 60.0)
    while True:
        try:
            await _serve_once(application, config, menus, out)
        except InvalidToken:
            log.error("Telegram refused the bot token; the bot stays off until it is fixed")
            await until_cancelled()
        except NetworkError as error:  # TimedOut is a NetworkError
            delay = backoff.next_delay()
            log.warning(
                "Telegram unreachable, retrying", extra=kv(error=error, retry_in_s=round(delay, 1))
            )
            await asyncio.sleep(delay)


async def _serve_once(
    application: Application,
    config: TelegramConfig,
    menus: dict[str | None, list[BotCommand]],
    out: TelegramOut,
) -> None:
    async with application:  # getMe on the way in, shutdown on the way out
        for language, commands in menus.items():
            await application.bot.set_my_commands(commands, language_code=language)
        await application.start()
        updater = application.updater
        assert updater is not None
        hook = config.webhook
        if hook is None:
            await updater.start_polling(timeout=config.poll_timeout_s, allowed_updates=UPDATE_KINDS)
        else:
            secret = hook.secret_token.get_secret_value() if hook.secret_token else None
            await updater.start_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=hook.path,
                webhook_url=hook.url,
                secret_token=secret,
                allowed_updates=UPDATE_KINDS,
            )
        me = application.bot.username
        log.info("Telegram bot up", extra=kv(bot=f"@{me}", mode="webhook" if hook else "polling"))
        out.ready.set()
        try:
            await until_cancelled()
        finally:
            # Handlers still running may send until the application has stopped: it waits
            # for them, so "not ready" must come after, or they would wait for each other.
            if updater.running:
                await updater.stop()
            await application.stop()
            out.ready.clear()
