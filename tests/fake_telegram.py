"""A local stand-in for the Telegram Bot API, for python-telegram-bot's ``base_url``.

It answers the methods the bot uses the way Telegram does (``{"ok": true, "result":
...}``, form-encoded or multipart parameters, long-polled ``getUpdates``), records every
call, keeps each chat's messages so edits can be checked, and lets a test feed the bot
messages and button presses as a user would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:FAKE-token-for-tests"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Meterhub", "username": "meterhub_bot"}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope"}
INT_FIELDS = {"chat_id", "message_id", "offset", "timeout", "limit"}
MAX_POLL_S = 5.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._closing = False

    # --- server ---------------------------------------------------------------------
    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        async with self._changed:  # a pending long poll answers now, not at its timeout
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _parameters(request)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found")
        call = Call(method, params, files)
        try:
            result = await handler(call)
        except _ApiError as error:
            return _error(400, error.description)
        if method.lower() != "getupdates":
            await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- Bot API methods ------------------------------------------------------------
    async def _api_getme(self, call: Call) -> dict[str, Any]:
        return BOT_USER

    async def _api_deletewebhook(self, call: Call) -> bool:
        return True

    async def _api_setwebhook(self, call: Call) -> bool:
        return True

    async def _api_setmycommands(self, call: Call) -> bool:
        return True

    async def _api_answercallbackquery(self, call: Call) -> bool:
        return True

    async def _api_getupdates(self, call: Call) -> list[dict[str, Any]]:
        offset = call.params.get("offset") or 0
        deadline = time.monotonic() + min(float(call.params.get("timeout") or 0), MAX_POLL_S)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return list(self._updates[:100])

    async def _api_sendmessage(self, call: Call) -> dict[str, Any]:
        return self._new_message(call, text=call.params["text"])

    async def _api_sendphoto(self, call: Call) -> dict[str, Any]:
        if "photo" not in call.files:
            raise _ApiError("Bad Request: there is no photo in the request")
        size = len(call.files["photo"])
        photo = [{"file_id": f"p{size}", "file_unique_id": f"u{size}", "width": 1, "height": 1}]
        return self._new_message(call, photo=photo, caption=call.params.get("caption", ""))

    async def _api_editmessagetext(self, call: Call) -> dict[str, Any]:
        key = (call.params["chat_id"], call.params["message_id"])
        message = self.messages.get(key)
        if message is None:
            raise _ApiError("Bad Request: message to edit not found")
        if message.get("text") == call.params["text"] and "reply_markup" not in call.params:
            raise _ApiError("Bad Request: message is not modified")
        message = {**message, "text": call.params["text"], "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if "reply_markup" in call.params:
            message["reply_markup"] = call.params["reply_markup"]
        self.messages[key] = message
        return message

    def _new_message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = call.params["chat_id"]
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": BOT_USER,
            **content,
        }
        if "reply_markup" in call.params:
            message["reply_markup"] = call.params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        call.params["message_id"] = message["message_id"]
        return message

    # --- what a test does -----------------------------------------------------------
    async def _push(self, update: dict[str, Any]) -> None:
        async with self._changed:
            self._updates.append({"update_id": next(self._update_ids), **update})
            self._changed.notify_all()

    async def user_says(
        self, chat_id: int, text: str, language_code: str = "id", reply_to: int | None = None
    ) -> None:
        """A user types ``text`` in chat ``chat_id`` (a command gets its entity), as a
        reply to the bot's message ``reply_to`` if given."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(chat_id, language_code),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat_id, reply_to)]
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        await self._push({"message": message})

    async def user_presses(self, chat_id: int, message_id: int, data: str) -> None:
        """A user presses an inline button of one of the bot's messages."""
        await self._push(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": _user(chat_id, "id"),
                    "message": self.messages[(chat_id, message_id)],
                    "chat_instance": str(chat_id),
                    "data": data,
                }
            }
        )

    async def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 10.0, since: int = 0
    ) -> Call:
        """The first call recorded (past or future) matching ``predicate``, from the
        ``since``-th call on."""

        async def first() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls[since:]:
                        if predicate(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(first(), timeout)

    async def wait_sent(
        self,
        chat_id: int,
        contains: str,
        timeout: float = 10.0,
        method: str | None = None,
        since: int = 0,
    ) -> Call:
        return await self.wait_for(
            lambda c: (
                c.chat_id == chat_id
                and contains in c.text
                and (method is None or c.method == method)
                and c.method in ("sendMessage", "sendPhoto", "editMessageText")
            ),
            timeout,
            since,
        )

    def sent_to(self, chat_id: int, method: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.chat_id == chat_id
            and c.method in ("sendMessage", "sendPhoto", "editMessageText")
            and (method is None or c.method == method)
        ]


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "group", "title": "Home"}
    return {"id": chat_id, "type": "private", "first_name": "User"}


def _user(chat_id: int, language_code: str) -> dict[str, Any]:
    return {
        "id": abs(chat_id),
        "is_bot": False,
        "first_name": "User",
        "username": f"user{abs(chat_id)}",
        "language_code": language_code,
    }


async def _parameters(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Bot API parameters arrive as JSON, form fields or multipart with files."""
    raw: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        raw = await request.json()
    elif request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if part.filename:  # type: ignore[union-attr]
                files[part.name] = await part.read()  # type: ignore[union-attr,index]
            else:
                raw[part.name] = await part.text()  # type: ignore[union-attr,index]
    elif request.can_read_body:
        raw = dict(await request.post())
    params = {}
    for key, value in raw.items():
        if key in JSON_FIELDS and isinstance(value, str):
            value = json.loads(value)
        elif key in INT_FIELDS and isinstance(value, str):
            value = int(value)
        params[key] = value
    return params, files
