"""Boards announcing ``_meterhub._tcp`` over mDNS, heard by a real zeroconf browser from a
real zeroconf advertiser on loopback, and listed on the health page with a config hint."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from services.web.discovery import SERVICE_TYPE, AnnouncedBoard, BoardBrowser

from .conftest import asgi_client, log_in, web_config

LOOPBACK = ["127.0.0.1"]
WAIT_S = 15


def announcement(device: str, role: str, tag: str) -> ServiceInfo:
    """What the firmware announces (src/glue/board.cpp), under a name unique to this run
    so boards other tests announce on the same loopback do not count."""
    host = f"{device}-{role}-{tag}"
    return ServiceInfo(
        SERVICE_TYPE,
        f"{host}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=80,
        properties={"device": device, "role": role, "prefix": "meterhub"},
        server=f"{host}.local.",
    )


def ours(boards: list[AnnouncedBoard], tag: str) -> dict[str, AnnouncedBoard]:
    return {b.name.split(".")[0]: b for b in boards if tag in b.name}


@pytest.fixture
async def browser() -> AsyncIterator[BoardBrowser]:
    boards = BoardBrowser(interfaces=LOOPBACK)
    await boards.start()
    yield boards
    await boards.close()


@pytest.fixture
async def advertiser() -> AsyncIterator[AsyncZeroconf]:
    zeroconf = AsyncZeroconf(interfaces=LOOPBACK)
    yield zeroconf
    await zeroconf.async_unregister_all_services()
    await zeroconf.async_close()


async def test_boards_come_and_go_with_their_announcements(
    browser: BoardBrowser, advertiser: AsyncZeroconf
) -> None:
    tag = uuid.uuid4().hex[:8]
    p1 = announcement("p1", "p1", tag)
    bad = announcement("P1 Meter", "p1", tag)
    await advertiser.async_register_service(p1)
    await advertiser.async_register_service(bad)
    await browser.wait_until(lambda boards: len(ours(boards, tag)) == 2, WAIT_S)
    heard = ours(browser.boards(), tag)
    good = heard[f"p1-p1-{tag}"]
    assert (good.device, good.role, good.prefix, good.port) == ("p1", "p1", "meterhub", 80)
    assert good.host == f"p1-p1-{tag}.local" and good.addresses == ["127.0.0.1"]
    assert good.problem is None
    assert "not [a-z0-9_-]+" in (heard[f"P1 Meter-p1-{tag}"].problem or "")

    await advertiser.async_unregister_service(p1)
    await browser.wait_until(lambda boards: f"p1-p1-{tag}" not in ours(boards, tag), WAIT_S)


async def test_health_page_lists_boards_with_a_hint_for_unconfigured_ones(
    tmp_path: Path, browser: BoardBrowser, advertiser: AsyncZeroconf
) -> None:
    tag = uuid.uuid4().hex[:8]
    # "p1" is in the test config; "ce711" is not; "x" announces an unknown role.
    for device, role in (("p1", "p1"), ("ce711", "rs485"), ("x", "toaster")):
        await advertiser.async_register_service(announcement(device, role, tag))
    await browser.wait_until(lambda boards: len(ours(boards, tag)) == 3, WAIT_S)

    async with asgi_client(web_config(tmp_path / "data"), boards=browser) as client:
        await log_in(client)
        page = (await client.get("/health")).text

    def row(host: str) -> str:
        return page.split(f'data-board="{host}.{SERVICE_TYPE}"')[1].split("</tr>")[0]

    assert "configured" in row(f"p1-p1-{tag}")
    assert "not in the config" not in row(f"p1-p1-{tag}")
    assert "not in the config" in row(f"ce711-rs485-{tag}")
    assert "kind: dlt645" in row(f"ce711-rs485-{tag}")
    assert "unknown role" in row(f"x-toaster-{tag}")
    assert f'href="http://ce711-rs485-{tag}.local/update"' in row(f"ce711-rs485-{tag}")


async def test_health_page_says_when_it_is_not_looking(tmp_path: Path) -> None:
    async with asgi_client(web_config(tmp_path / "data")) as client:
        await log_in(client)
        page = (await client.get("/health")).text
    assert "Not looking for boards" in page
