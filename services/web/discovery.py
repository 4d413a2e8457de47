"""Boards that announce themselves over mDNS (``_meterhub._tcp``, docs/firmware.md), for
the health page: which of them Meterhub's config knows, and a hint for those it does not.

The firmware announces ``<device>-<role>.local`` with TXT ``device``, ``role`` and
``prefix``; an announcement that breaks that shape is listed with its problem, not hidden.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pydantic import BaseModel
from zeroconf import InterfaceChoice, InterfacesType, ServiceInfo, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from ..core.config import MeterhubConfig
from ..core.runtime.logs import kv
from ..core.topics import is_device_id

log = logging.getLogger("meterhub.web.discovery")

SERVICE_TYPE = "_meterhub._tcp.local."
RESOLVE_TIMEOUT_MS = 3000
# What to add to the config for each firmware role (docs/firmware.md, docs/config).
ROLE_HINTS: dict[str, str] = {
    "esp32cam": "add it under `devices:` with `kind: camera` and its `ocr:` settings",
    "p1": "add it under `devices:` with `kind: p1`",
    "rs485": "add it under `devices:` with `kind: dlt645`",
    "keypad": "add its meter under `devices:` and a keypad under `token_entry:` with this id",
}


class AnnouncedBoard(BaseModel):
    """One board's announcement as heard; ``problem`` says why it cannot be used."""

    name: str
    device: str = ""
    role: str = ""
    prefix: str = ""
    host: str = ""
    addresses: list[str] = []
    port: int = 0
    problem: str | None = None


class BoardListing(BaseModel):
    board: AnnouncedBoard
    configured: bool
    hint: str | None = None


def _text(properties: dict[bytes, bytes | None], key: str) -> str:
    value = properties.get(key.encode())
    return value.decode("utf-8", "replace") if value else ""


def board_from_info(info: ServiceInfo) -> AnnouncedBoard:
    """An announcement read from its resolved service record."""
    board = AnnouncedBoard(
        name=info.name,
        device=_text(info.properties, "device"),
        role=_text(info.properties, "role"),
        prefix=_text(info.properties, "prefix"),
        host=(info.server or "").rstrip("."),
        addresses=info.parsed_scoped_addresses(),
        port=info.port or 0,
    )
    if not is_device_id(board.device):
        board.problem = f"device id {board.device!r} is not [a-z0-9_-]+"
    elif board.role not in ROLE_HINTS:
        board.problem = f"unknown role {board.role!r} (known: {', '.join(ROLE_HINTS)})"
    return board


def listing(boards: list[AnnouncedBoard], config: MeterhubConfig) -> list[BoardListing]:
    """Each board against the config: configured, or what to add (sorted by name)."""
    rows = []
    for board in sorted(boards, key=lambda b: b.name):
        known = board.problem is None and board.device in config.devices
        if board.problem is not None:
            hint = f"cannot be added: {board.problem}"
        elif known:
            hint = None
        else:
            hint = f"not in the config: {ROLE_HINTS[board.role]} (id `{board.device}`)"
        rows.append(BoardListing(board=board, configured=known, hint=hint))
    return rows


class BoardBrowser:
    """Keeps what ``_meterhub._tcp`` announcements say, as they come and go."""

    def __init__(self, interfaces: InterfacesType = InterfaceChoice.All) -> None:
        self._interfaces = interfaces
        self._zeroconf: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._boards: dict[str, AnnouncedBoard] = {}
        self._resolving: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()

    def boards(self) -> list[AnnouncedBoard]:
        return list(self._boards.values())

    async def start(self) -> None:
        self._zeroconf = AsyncZeroconf(interfaces=self._interfaces)
        self._browser = AsyncServiceBrowser(
            self._zeroconf.zeroconf, [SERVICE_TYPE], handlers=[self._on_change]
        )

    async def close(self) -> None:
        for task in self._resolving:
            task.cancel()
        if self._browser is not None:
            await self._browser.async_cancel()
        if self._zeroconf is not None:
            await self._zeroconf.async_close()

    async def wait_until(
        self, check: Callable[[list[AnnouncedBoard]], bool], timeout: float
    ) -> None:
        """Until ``check(boards)`` holds (TimeoutError after ``timeout`` seconds)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: check(self.boards()))

    def _on_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Removed:
            task = asyncio.create_task(self._forget(name))
        else:
            task = asyncio.create_task(self._resolve(name))
        self._resolving.add(task)
        task.add_done_callback(self._resolving.discard)

    async def _forget(self, name: str) -> None:
        self._boards.pop(name, None)
        await self._notify()

    async def _resolve(self, name: str) -> None:
        assert self._zeroconf is not None
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if await info.async_request(self._zeroconf.zeroconf, RESOLVE_TIMEOUT_MS):
            board = board_from_info(info)
        else:
            board = AnnouncedBoard(name=name, problem="announced but did not answer its details")
        if board.problem:
            log.warning("mDNS board not usable", extra=kv(name=name, reason=board.problem))
        self._boards[name] = board
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
