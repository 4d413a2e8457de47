"""Fixtures for the web tests: the real app in-process (httpx over ASGI), seeded stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.core.config import MeterhubConfig
from services.web.app import create_app
from services.web.auth import hash_password

PASSWORD = "correct horse battery"
# A cheap scrypt cost keeps the tests quick; the hash format carries its own cost.
PASSWORD_HASH = hash_password(PASSWORD, log2_n=10)
API_TOKEN = "test-token-" + "x" * 24
DEVICES: dict[str, Any] = {
    "pln": {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}},
    "p1": {"kind": "p1"},
    "drum": {
        "kind": "camera",
        "ocr": {"display": "drum", "digits": 7, "decimals": 1, "quantity": "energy_import_kwh"},
    },
}


def web_config(data_dir: Path, *, login: bool = True, **sections: Any) -> MeterhubConfig:
    """A config for the app alone (no broker needed): loopback, our devices."""
    base: dict[str, Any] = {
        "storage": {"data_dir": str(data_dir)},
        "devices": DEVICES,
        "web": {
            "host": "127.0.0.1",
            "port": 0,
            "login": {"password_hash": PASSWORD_HASH, "api_tokens": [API_TOKEN]} if login else {},
        },
        "capacity": {"price_eur_per_kw_year": 50.0},
    }
    base.update(sections)
    return MeterhubConfig.model_validate(base)


def asgi_client(config: MeterhubConfig, **kwargs: Any) -> httpx.AsyncClient:
    app = create_app(config, **kwargs)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8080", timeout=10
    )


async def log_in(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    """The login form as a browser fills it: GET it (CSRF cookie), POST it."""
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return await client.post(
        "/login",
        data={"username": "admin", "password": password, "csrf_token": token, "next": "/"},
    )


@pytest.fixture
async def open_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Login off (no password, loopback): what the demo runs."""
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        yield client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Login on, not logged in yet."""
    async with asgi_client(web_config(tmp_path / "data")) as client:
        yield client
