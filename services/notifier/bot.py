"""The bot put together: Telegram handlers, the allowlist gate, alerts and scheduled checks.

Everything is built before the first ``await`` so the bus handlers are in place when
the connection comes up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

from telegram import BotCommand, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from ..core.config.telegram import TelegramConfig
from ..core.runtime.clock import Clock
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from ..database.schedules import ChatStore
from ..database.usage import UsageQueries
from .alerts import Alerts
from .checks import BalanceChecker
from .commands import COMMANDS, Chat, Command, Commands, Usage, help_text
from .corrections import PhotoCorrections
from .lang import LANGUAGES, Texts, texts
from .meters import MeterWatch
from .schedule import Scheduler
from .telegram_io import TelegramOut, build_application, serve_updates
from .token_flow import CALLBACK_PREFIX, TokenFlow

log = logging.getLogger("meterhub.notifier")
Context = ContextTypes.DEFAULT_TYPE


def bot_token(config: TelegramConfig) -> str | None:
    if config.bot_token is not None and config.bot_token.get_secret_value():
        return config.bot_token.get_secret_value()
    return os.environ.get(config.bot_token_env) or None


def allowed_chats(config: TelegramConfig) -> set[int]:
    allowed = set(config.allowed_chat_ids)
    for item in os.environ.get(config.allowed_chat_ids_env, "").split(","):
        try:
            if item.strip():
                allowed.add(int(item))
        except ValueError:
            log.warning("not a chat id", extra=kv(variable=config.allowed_chat_ids_env, item=item))
    return allowed


class Notifier:
    def __init__(self, ctx: ServiceContext, clock: Clock, token: str) -> None:
        config, settings = ctx.config, ctx.config.telegram
        self.settings, self.clock = settings, clock
        self.application = build_application(settings, token)
        self.out = TelegramOut(self.application.bot)
        self.store = ChatStore(config.storage.sqlite_path)
        self.watch = MeterWatch(ctx.bus, clock)
        usage = UsageQueries(config.storage.sqlite_path)
        self.alerts = Alerts(config, clock, self.watch, usage, self.broadcast)
        self.watch.events = self.alerts
        self.checker = BalanceChecker(config, ctx.bus, self.watch, usage, clock)
        self.scheduler = Scheduler(self.store, clock, settings.zone, self.run_slot)
        self.tokens = TokenFlow(config, ctx.bus, self.watch, self.out, clock)
        self.commands = Commands(
            config,
            self.checker,
            usage,
            self.store,
            self.scheduler,
            self.tokens,
            clock,
            PhotoCorrections(config, ctx.bus),
        )
        self.allowed = allowed_chats(settings)
        self.refused: set[int] = set()
        self.watch.subscribe()
        self._install_handlers()

    async def run(self) -> None:
        if not self.allowed:
            log.warning(
                "no chat is allowed yet: message the bot, then add the chat id from the "
                "refusal log line to telegram.allowed_chat_ids"
            )
        for chat_id in self.allowed:
            await self.store.ensure_chat(
                chat_id, self.settings.language, self.settings.default_schedule
            )
        menus = {None: _menu(texts(self.settings.language))}
        menus.update({language: _menu(texts(language)) for language in LANGUAGES})
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(serve_updates(self.application, self.settings, menus, self.out))
                group.create_task(self.scheduler.run())
                group.create_task(self.alerts.watch_silence())
                group.create_task(self.alerts.deliver())
        finally:
            self.store.close()

    # --- talking to chats ----------------------------------------------------------------
    async def texts_for(self, chat_id: int) -> Texts:
        return texts(await self.store.language(chat_id) or self.settings.language)

    async def broadcast(self, alert: str, words: Callable[[Texts], str]) -> None:
        for chat_id in sorted(self.allowed):
            await self.out.text(chat_id, words(await self.texts_for(chat_id)))

    async def run_slot(self, at: str, chats: list[int]) -> None:
        """One capture per meter answers every chat due at this time, each in its language."""
        chats = [c for c in chats if c in self.allowed]
        if not chats:
            return
        outcomes = await asyncio.gather(*(self.checker.check(d) for d in self.checker.devices))
        for chat_id in chats:
            t = await self.texts_for(chat_id)
            if outcomes:
                body = "\n\n".join(self.checker.describe(o, t) for o in outcomes)
                await self.out.text(chat_id, f"{t.say('scheduled_header', time=at)}\n{body}")
            else:  # no prepaid meter: the daily message is the status of every meter
                await self.out.text(chat_id, t.say("scheduled_header", time=at))
                await self.commands.status(Chat(chat_id, t, self.out), [])

    # --- Telegram handlers ---------------------------------------------------------------
    def _install_handlers(self) -> None:
        app = self.application
        app.add_handler(TypeHandler(Update, self._gate), group=-1)
        for command in COMMANDS:
            app.add_handler(
                CommandHandler(
                    command.names, self._command(command), filters=filters.UpdateType.MESSAGE
                )
            )
        app.add_handler(CallbackQueryHandler(self._button, pattern=f"^{CALLBACK_PREFIX}:"))
        app.add_handler(MessageHandler(filters.COMMAND, self._unknown))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._not_a_command))
        app.add_error_handler(self._error)

    async def _gate(self, update: Update, context: Context) -> None:
        """Strangers get one polite refusal and a log line; then silence."""
        chat = update.effective_chat
        if chat is not None and chat.id in self.allowed:
            return
        if chat is not None and chat.id not in self.refused:
            self.refused.add(chat.id)
            user = update.effective_user
            log.warning(
                "refused chat not in the allowlist",
                extra=kv(chat_id=chat.id, user=user.username if user else None),
            )
            code = (user.language_code or "") if user else ""
            t = texts(code.split("-")[0].lower())  # its Telegram app's language, else English
            await self.out.text(chat.id, t.say("refused", chat_id=chat.id))
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop

    def _command(self, command: Command):  # type: ignore[no-untyped-def]
        run = getattr(self.commands, command.name)

        async def handle(update: Update, context: Context) -> None:
            assert update.effective_chat is not None
            chat_id = update.effective_chat.id
            answered = update.message.reply_to_message if update.message else None
            reply_to = answered.message_id if answered is not None else None
            chat = Chat(chat_id, await self.texts_for(chat_id), self.out, reply_to)
            log.info("command", extra=kv(chat_id=chat_id, command=command.name))
            try:
                await run(chat, list(context.args or []))
            except Usage as usage:
                await chat.say(usage.key, **usage.values)

        return handle

    async def _button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        await query.answer()
        message = query.message
        if message is None:
            return
        chat_id = update.effective_chat.id
        await self.tokens.answer(
            chat_id, message.message_id, query.data or "", await self.texts_for(chat_id)
        )

    async def _unknown(self, update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        t = await self.texts_for(update.effective_chat.id)
        await self.out.text(
            update.effective_chat.id, f"{t.say('unknown_command')}\n\n{help_text(t)}"
        )

    async def _not_a_command(self, update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        t = await self.texts_for(update.effective_chat.id)
        await self.out.text(update.effective_chat.id, t.say("not_a_command"))

    async def _error(self, update: object, context: Context) -> None:
        log.error("update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            chat_id = update.effective_chat.id
            if chat_id in self.allowed:
                await self.out.text(chat_id, (await self.texts_for(chat_id)).say("error"))


def _menu(t: Texts) -> list[BotCommand]:
    return [BotCommand(c.name, t.say(c.help_key)) for c in COMMANDS]
