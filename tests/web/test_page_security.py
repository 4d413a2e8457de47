"""Security headers on every response; pages and the API docs that work under their CSP
and load nothing from another origin."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from services.web.app import create_app
from services.web.headers import SECURITY_HEADERS
from tests.web.conftest import log_in, web_config

ASSET = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]*)"')
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>")
PAGES = ["/", "/meters/pln", "/history", "/capacity?device=p1", "/prepaid", "/health"]


def _assert_secured(answer: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (answer.request.url, name)


async def test_every_response_carries_the_security_headers(client) -> None:
    csp = SECURITY_HEADERS["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert SECURITY_HEADERS["x-frame-options"] == "DENY"
    assert SECURITY_HEADERS["x-content-type-options"] == "nosniff"
    for path in ("/healthz", "/login", "/static/app.js", "/api/devices", "/history", "/nowhere"):
        _assert_secured(await client.get(path))  # public, static, 401, 303 redirect, 404
    await log_in(client)
    for path in ("/", "/api/devices", "/api/devices/ghost/latest", "/api/docs"):
        _assert_secured(await client.get(path))


async def test_a_server_error_carries_the_security_headers_too(tmp_path: Path) -> None:
    app = create_app(web_config(tmp_path / "data", login=False))

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answer = await client.get("/boom")
    assert answer.status_code == 500
    _assert_secured(answer)


@pytest.mark.parametrize("path", PAGES)
async def test_pages_need_nothing_the_csp_refuses(open_client, path) -> None:
    """No inline script or style attribute (both blocked), every asset from this site."""
    page = await open_client.get(path)
    assert page.status_code == 200
    assert not INLINE_SCRIPT.search(page.text), "inline <script>"
    assert " style=" not in page.text and "<style" not in page.text
    for url in ASSET.findall(page.text):
        assert url.startswith(("/", "data:")) and not url.startswith("//"), url


async def test_api_docs_load_swagger_ui_from_this_site_only(client) -> None:
    await log_in(client)
    docs = await client.get("/api/docs")
    assert docs.status_code == 200
    assert not INLINE_SCRIPT.search(docs.text) and "cdn" not in docs.text.lower()
    assets = [url for url in ASSET.findall(docs.text) if not url.startswith("data:")]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        served = await client.get(url)
        assert served.status_code == 200, url
        kind = "javascript" if url.endswith(".js") else "css"
        assert kind in served.headers["content-type"], url
    init = (await client.get("/static/swagger-init.js")).text
    assert '"/api/openapi.json"' in init and "validatorUrl: null" in init
