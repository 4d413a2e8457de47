"""Sessions that end: on a credential change, on `meterhub web logout-all`; a lock-out keyed
on the user tried as well as the address; forwarded headers only from trusted proxies."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from services.core.config import ConfigError, MeterhubConfig, load_config_text
from services.web.app import create_app
from services.web.auth import SESSION_COOKIE, SessionStore, hash_password
from services.web.service import _EmbeddedServer, server_config
from tests.web.conftest import (
    API_TOKEN,
    PASSWORD,
    PASSWORD_HASH,
    asgi_client,
    log_in,
    web_config,
)

OTHER_HASH = hash_password("another long password", log2_n=10)


def _config(data_dir: Path, **login: object) -> MeterhubConfig:
    """The tests' config with ``login`` settings changed."""
    login = {"password_hash": PASSWORD_HASH, "api_tokens": [API_TOKEN], **login}
    return web_config(data_dir, web={"host": "127.0.0.1", "port": 0, "login": login})


async def _session_after_restart(data_dir: Path, **changed_login: object) -> int:
    """Log in, restart with ``changed_login``: the status the old cookie then gets."""
    async with asgi_client(_config(data_dir)) as first:
        assert (await log_in(first)).status_code == 303
        cookie = first.cookies[SESSION_COOKIE]
    async with asgi_client(_config(data_dir, **changed_login)) as second:
        second.cookies.set(SESSION_COOKIE, cookie)
        return (await second.get("/api/devices")).status_code


async def test_sessions_survive_a_restart_with_the_same_credentials(tmp_path) -> None:
    assert await _session_after_restart(tmp_path / "data") == 200


async def test_a_password_change_ends_every_session(tmp_path) -> None:
    assert await _session_after_restart(tmp_path / "data", password_hash=OTHER_HASH) == 401
    assert not (tmp_path / "data" / "web" / "sessions.json").exists()  # the old ones are gone


async def test_an_api_token_change_ends_every_session(tmp_path) -> None:
    changed = {"api_tokens": [API_TOKEN + "-rotated"]}
    assert await _session_after_restart(tmp_path / "data", **changed) == 401


def test_a_shorter_session_days_shortens_open_sessions(tmp_path) -> None:
    month = SessionStore(tmp_path, 30 * 86400, "credential")
    cookie, session = month.create()
    hour = SessionStore(tmp_path, 3600, "credential")
    reopened = hour.get(cookie)
    assert reopened is not None and reopened.expires == session.created + 3600


async def test_logout_all_ends_the_sessions_of_a_running_service(tmp_path) -> None:
    data_dir = tmp_path / "data"
    config_file = tmp_path / "config.yml"
    config_file.write_text(f"storage:\n  data_dir: {data_dir}\n")
    async with asgi_client(_config(data_dir)) as client:
        await log_in(client)
        assert (await client.get("/api/devices")).status_code == 200
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.cli", "-c", str(config_file), "web", "logout-all"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert "ended" in done.stdout
        assert (await client.get("/api/devices")).status_code == 401
        assert (await log_in(client)).status_code == 303  # a new login works
        assert (await client.get("/api/devices")).status_code == 200


def _from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080")


async def test_the_lockout_counts_the_user_tried_across_addresses(tmp_path) -> None:
    app = create_app(web_config(tmp_path / "data"))
    for attempt in range(5):
        async with _from(app, f"192.0.2.{attempt}") as client:
            assert (await log_in(client, "wrong password")).status_code == 401
    async with _from(app, "192.0.2.200") as fresh:
        locked = await log_in(fresh, PASSWORD)
        assert locked.status_code == 429 and "for this user" in locked.text


async def test_a_valid_api_token_passes_from_a_locked_out_address(tmp_path) -> None:
    app = create_app(web_config(tmp_path / "data"))
    async with _from(app, "192.0.2.7") as client:
        for _ in range(5):
            wrong = await client.get("/api/devices", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
        guess = await client.get("/api/devices", headers={"Authorization": "Bearer nope"})
        assert guess.status_code == 429 and int(guess.headers["retry-after"]) > 0
        right = await client.get("/api/devices", headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert right.status_code == 200


def test_trusted_proxies_are_addresses_or_networks() -> None:
    loaded = load_config_text("web:\n  trusted_proxies: [10.0.0.0/8, '::1']\n").config
    assert loaded.web.trusted_proxies == ["10.0.0.0/8", "::1"]
    for bad in ("'*'", "proxy.lan", "10.0.0.1/8"):
        with pytest.raises(ConfigError, match="trusted_proxies"):
            load_config_text(f"web:\n  trusted_proxies: [{bad}]\n")


@asynccontextmanager
async def _served(config: MeterhubConfig) -> AsyncIterator[httpx.AsyncClient]:
    """The app under uvicorn with the web service's settings, on a socket that is already
    listening (connections wait in its backlog until the server takes them)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = _EmbeddedServer(server_config(create_app(config), config.web))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await serving
        listener.close()


async def _sixth_wrong_token(client: httpx.AsyncClient) -> int:
    """Wrong tokens, each claiming another forwarded address: the sixth one's status."""
    for n in range(6):
        answer = await client.get(
            "/api/devices",
            headers={"Authorization": "Bearer nope", "X-Forwarded-For": f"198.51.100.{n}"},
        )
    return answer.status_code


async def test_a_loopback_client_cannot_choose_its_address_with_x_forwarded_for(
    tmp_path,
) -> None:
    async with _served(web_config(tmp_path / "data")) as client:
        assert await _sixth_wrong_token(client) == 429  # all counted against 127.0.0.1
        login = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in login.headers["set-cookie"].lower()


async def test_forwarded_headers_count_from_a_trusted_proxy(tmp_path) -> None:
    config = web_config(tmp_path / "data")
    web = config.web.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    async with _served(config.model_copy(update={"web": web})) as client:
        assert await _sixth_wrong_token(client) == 401  # six addresses, one failure each
        login = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in login.headers["set-cookie"].lower()
