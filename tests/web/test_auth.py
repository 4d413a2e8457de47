"""Who may use the page: login, sessions, CSRF, API tokens, lock-out, the login-off mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.core.config import ConfigError, load_config, load_config_text
from services.core.config.web import WebConfig
from services.web.auth import (
    SESSION_COOKIE,
    StartRefused,
    check_startable,
    hash_password,
    verify_password,
)
from tests.web.conftest import API_TOKEN, PASSWORD, asgi_client, log_in, web_config


def test_password_hash_checks_the_password_and_carries_its_cost() -> None:
    stored = hash_password("s3cret-pass", log2_n=10)
    assert stored.startswith("scrypt:10:8:1:") and "$" not in stored
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-pasS", stored)
    assert hash_password("s3cret-pass", log2_n=10) != stored  # salted


def test_config_refuses_a_malformed_hash_and_short_api_tokens() -> None:
    with pytest.raises(ConfigError, match="not a Meterhub password hash"):
        load_config_text("web:\n  login:\n    password_hash: hunter2\n")
    with pytest.raises(ConfigError, match="at least 24 characters"):
        load_config_text("web:\n  login:\n    api_tokens: [short]\n")


def test_a_page_open_to_the_network_needs_a_password(monkeypatch) -> None:
    monkeypatch.delenv("METERHUB_WEB_PASSWORD_HASH", raising=False)
    check_startable(WebConfig(host="127.0.0.1"))  # the demo: this machine only
    with pytest.raises(StartRefused, match="no password is set"):
        check_startable(WebConfig(host="0.0.0.0"))
    check_startable(WebConfig(host="0.0.0.0", open_without_login=True))
    monkeypatch.setenv("METERHUB_WEB_PASSWORD_HASH", hash_password("x" * 10, log2_n=10))
    check_startable(WebConfig(host="0.0.0.0"))


def test_the_compose_web_container_starts_only_with_its_password_hash(monkeypatch) -> None:
    repo = Path(__file__).resolve().parents[2]
    web = yaml.safe_load((repo / "docker-compose.yml").read_text())["services"]["web"]
    assert "METERHUB_WEB_PASSWORD_HASH" in web["environment"]
    for name in web["environment"]:
        if not name.startswith(("METERHUB_CONFIG", "METERHUB_WEB_")):
            monkeypatch.setenv(name, "dummy-secret")
    config = load_config(repo / "docker" / "config.yml").config
    monkeypatch.delenv("METERHUB_WEB_PASSWORD_HASH", raising=False)
    with pytest.raises(StartRefused):
        check_startable(config.web)
    monkeypatch.setenv("METERHUB_WEB_PASSWORD_HASH", hash_password("x" * 12, log2_n=10))
    check_startable(config.web)
    monkeypatch.setenv("METERHUB_WEB_PASSWORD_HASH", "change-me")  # .env.example unedited
    with pytest.raises(ValueError, match="meterhub web hash-password"):
        check_startable(config.web)


def test_hash_password_command_prints_a_hash_the_config_takes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "web", "hash-password", "--stdin"],
        input="long enough password\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    stored = done.stdout.strip()
    assert verify_password("long enough password", stored)
    loaded = load_config_text(f"web:\n  login:\n    password_hash: {stored}\n").config
    assert loaded.web.login.effective_password_hash() == stored


async def test_only_healthz_and_the_login_page_answer_before_login(client) -> None:
    assert (await client.get("/healthz")).status_code in (200, 503)
    assert (await client.get("/login")).status_code == 200
    page = await client.get("/history?device=pln")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/history%3Fdevice%3Dpln"
    for path in ("/api/devices", "/api/docs", "/api/openapi.json", "/current/quarter"):
        answer = await client.get(path)
        assert answer.status_code in (401, 303), path
    answer = await client.get("/api/devices")
    assert answer.status_code == 401 and "log in first" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_login_sets_an_httponly_samesite_session_that_opens_the_api(client) -> None:
    answer = await log_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if SESSION_COOKIE in h)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await client.get("/api/devices")).status_code == 200
    overview = await client.get("/")
    assert overview.status_code == 200 and 'name="csrf-token"' in overview.text


async def test_a_browser_write_needs_the_csrf_token(client) -> None:
    await log_in(client)
    page = await client.get("/")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    refused = await client.post("/api/devices/pln/token", json={"token": "1"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = await client.post(
        "/api/devices/pln/token", json={"token": "1"}, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    # With the token the request reaches the route, which refuses the token itself.
    checked = await client.post(
        "/api/devices/pln/token", json={"token": "1"}, headers={"X-CSRF-Token": csrf}
    )
    assert checked.status_code == 400 and "20 digits" in checked.json()["detail"]


async def test_logout_ends_the_session_on_the_server(client) -> None:
    await log_in(client)
    page = await client.get("/")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    cookie = client.cookies[SESSION_COOKIE]
    answer = await client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    client.cookies.set(SESSION_COOKIE, cookie)  # a copied cookie is worth nothing now
    assert (await client.get("/api/devices")).status_code == 401


async def test_sessions_survive_a_restart_of_the_web_service(tmp_path) -> None:
    config = web_config(tmp_path / "data")
    async with asgi_client(config) as first:
        await log_in(first)
        cookie = first.cookies[SESSION_COOKIE]
    async with asgi_client(config) as second:
        second.cookies.set(SESSION_COOKIE, cookie)
        assert (await second.get("/api/devices")).status_code == 200
    stored = (tmp_path / "data" / "web" / "sessions.json").read_text()
    assert cookie not in stored  # only its hash is kept


async def test_api_tokens_open_the_api_without_csrf(client) -> None:
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    assert (await client.get("/api/devices", headers=bearer)).status_code == 200
    answer = await client.post("/api/devices/pln/token", json={"token": "12"}, headers=bearer)
    assert answer.status_code == 400  # past the auth: the token itself is refused
    bad = await client.get("/api/devices", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "unknown API token"
    basic = await client.get("/api/devices", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401 and "Bearer" in basic.json()["detail"]


async def test_repeated_failures_lock_the_address_out_even_for_the_right_password(client) -> None:
    for attempt in range(5):
        answer = await log_in(client, "wrong password")
        assert answer.status_code == 401, attempt
    assert "Locked out" in answer.text
    locked = await log_in(client, PASSWORD)
    assert locked.status_code == 429 and "too many failed logins" in locked.text
    assert (await client.get("/api/devices")).status_code == 401
    # Guessing API tokens counts against the same address; a valid token still passes.
    guess = await client.get("/api/devices", headers={"Authorization": "Bearer nope"})
    assert guess.status_code == 429 and int(guess.headers["retry-after"]) > 0
    right = await client.get("/api/devices", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert right.status_code == 200


async def test_login_form_needs_its_csrf_cookie_and_never_redirects_off_site(client) -> None:
    forged = await client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 403 and "expired" in forged.text
    page = await client.get("/login?next=//evil.example/steal")
    assert 'name="next" value="/"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = await client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token,
              "next": "https://evil.example/"},
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/"


async def test_login_off_serves_this_machine_only_and_refuses_cross_site_writes(
    open_client,
) -> None:
    assert (await open_client.get("/api/devices")).status_code == 200
    page = await open_client.get("/")
    assert page.status_code == 200 and 'id="login-off"' in page.text
    rebound = await open_client.get("/api/devices", headers={"Host": "attacker.example:8080"})
    assert rebound.status_code == 403 and "127.0.0.1" in rebound.json()["detail"]
    forged = await open_client.post(
        "/api/devices/pln/capture", headers={"Origin": "http://attacker.example"}
    )
    assert forged.status_code == 403 and "cross-site" in forged.json()["detail"]
    assert (await open_client.get("/login")).status_code == 303  # nothing to log in to


async def test_errors_on_pages_are_pages_and_on_the_api_json(open_client) -> None:
    page = await open_client.get("/meters/ghost")
    assert page.status_code == 404 and "unknown device" in page.text and "<html" in page.text
    api = await open_client.get("/api/devices/ghost/latest")
    assert api.status_code == 404 and api.json() == {"detail": "unknown device 'ghost'"}
    assert (await open_client.get("/capacity?device=pln")).status_code == 404


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
async def test_api_docs_are_behind_the_login(client, path) -> None:
    await log_in(client)
    answer = await client.get(path)
    assert answer.status_code == 200
    if path.endswith(".json"):
        schema = answer.json()
        assert "/api/devices/{device_id}/history" in schema["paths"]
        assert "HTTPBearer" in schema["components"]["securitySchemes"]


async def test_every_api_model_field_is_described(open_client) -> None:
    schema = (await open_client.get("/api/openapi.json")).json()
    undocumented = [
        f"{name}.{field}"
        for name, model in schema["components"]["schemas"].items()
        if not name.startswith(("HTTPValidationError", "ValidationError"))
        for field, spec in model.get("properties", {}).items()
        if "description" not in spec
    ]
    assert not undocumented, undocumented
