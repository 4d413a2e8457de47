"""Request bodies: capped per route, never read for a caller without a credential, and
refusals that repeat only a short excerpt of the input.

The app is driven at the ASGI level where it matters what it *reads*: ``receive`` counts
the chunks it hands out, so "refused without reading the rest" is checked, not assumed.
One test does the same over a real socket to a real uvicorn server, sending the headers
of a 30 MB upload and no body at all: an answer proves nothing waited for the body.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from services.bench.web_stall import BenchServer, bench_config, upload
from services.web.app import create_app
from services.web.body_limits import BODY_LIMITS, DEFAULT_BODY_LIMIT, body_limit
from services.web.echo import EXCERPT_CHARS
from tests.web.conftest import API_TOKEN, asgi_client, web_config

CHUNK = 64 * 1024
UPLOAD = 30 * 1024 * 1024
WAIT_S = 10.0
ROIS = "/api/devices/pln/rois"
TOKEN = "/api/devices/pln/token"


@dataclass
class Answer:
    status: int
    body: bytes
    chunks_read: int
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    size: int = UPLOAD,
    declare: bool = True,
) -> Answer:
    """One request of ``size`` bytes of body, in 64 KiB chunks handed out on demand."""
    total = -(-size // CHUNK)
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < total:
            read += 1
            return {"type": "http.request", "body": b"x" * CHUNK, "more_body": read < total}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = {"host": "127.0.0.1:8080", **headers}
    if declare:
        raw["content-length"] = str(size)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in raw.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080), "state": {},
    }  # fmt: skip
    await asyncio.wait_for(app(scope, receive, send), WAIT_S)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], body, read, found)


BEARER = {"authorization": f"Bearer {API_TOKEN}", "content-type": "application/json"}


@pytest.fixture
def app(tmp_path: Path) -> Any:
    """Login on, with an API token."""
    return create_app(web_config(tmp_path / "data"))


async def test_a_declared_body_over_the_cap_is_refused_before_any_of_it_is_read(app) -> None:
    answer = await call(app, "PUT", ROIS, headers=BEARER)
    assert answer.status == 413, answer.body
    assert answer.chunks_read == 0
    assert "4096 bytes" in answer.json()["detail"]


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_cap(app) -> None:
    answer = await call(app, "PUT", ROIS, headers=BEARER, declare=False)
    assert answer.status == 413, answer.body
    assert answer.chunks_read == 1  # the first 64 KiB chunk already passes 4 KiB
    token = await call(app, "POST", TOKEN, headers=BEARER, declare=False)
    assert token.status == 413 and token.chunks_read == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/json"},
        {"authorization": "Bearer not-the-token", "content-type": "application/json"},
        {"cookie": "meterhub_session=forged", "content-type": "application/json"},
    ],
    ids=["nothing", "wrong token", "unknown session"],
)
async def test_without_a_credential_the_body_is_never_read(app, headers) -> None:
    for declare in (True, False):
        answer = await call(app, "PUT", ROIS, headers=headers, declare=declare)
        assert answer.status == 401, answer.body
        assert answer.chunks_read == 0


async def test_a_page_without_a_session_redirects_without_reading_the_body(app) -> None:
    answer = await call(app, "POST", "/logout", headers={}, declare=False)
    assert answer.status == 303 and answer.headers["location"].startswith("/login")
    assert answer.chunks_read == 0


async def test_the_login_form_is_read_without_a_credential_but_capped(app) -> None:
    answer = await call(
        app, "POST", "/login", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.status == 413 and answer.chunks_read == 0


def test_every_route_has_a_cap_and_the_table_is_small() -> None:
    assert body_limit("PUT", ROIS) == 4 * 1024
    assert body_limit("POST", TOKEN) == 1024
    assert body_limit("POST", "/api/devices/pln/capture") == DEFAULT_BODY_LIMIT
    assert body_limit("PUT", "/api/devices/pln/rois/extra") == DEFAULT_BODY_LIMIT
    assert all(limit <= 16 * 1024 for _, _, limit in BODY_LIMITS)


async def test_bodies_within_the_cap_still_work(tmp_path: Path) -> None:
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        answer = await client.post(TOKEN, json={"token": "1234"})
        assert answer.status_code == 400  # read and judged: too short, not too large
        assert "20 digits" in answer.json()["detail"]


async def test_a_validation_error_repeats_only_an_excerpt_of_the_input(tmp_path: Path) -> None:
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        long_token = "7" * 900  # inside the token route's cap, far over the field's 64
        answer = await client.post(TOKEN, json={"token": long_token})
        assert answer.status_code == 422
        assert long_token not in answer.text
        assert len(answer.text) < 2 * EXCERPT_CHARS + 300
        assert "(900 characters)" in answer.json()["detail"][0]["input"]

        boxes = {"display": [1, 2, 3, 4], "digits": "9" * 3000}
        rois = await client.put(ROIS, json=boxes)
        assert rois.status_code == 422 and "9" * (EXCERPT_CHARS + 1) not in rois.text


# --- a real server over a real socket ---------------------------------------------------
@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[int]:
    """uvicorn on a socket bound here first: connections wait in its backlog, so nothing
    has to poll for the server to be up."""
    listening = socket.create_server(("127.0.0.1", 0))
    served = uvicorn.Server(
        uvicorn.Config(create_app(web_config(tmp_path / "data")), log_level="warning",
                       lifespan="off")
    )  # fmt: skip
    serving = asyncio.create_task(served.serve(sockets=[listening]))
    yield listening.getsockname()[1]
    served.should_exit = True
    await asyncio.wait_for(serving, WAIT_S)
    listening.close()


async def _headers_only(port: int, headers: str) -> int:
    """Send the head of a 30 MB PUT and nothing else; the status line that comes back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"PUT {ROIS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json"
            f"\r\nContent-Length: {UPLOAD}\r\n{headers}\r\n".encode()
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), WAIT_S)
        return int(status.split()[1])
    finally:
        writer.close()


async def test_a_real_server_answers_a_30_mb_upload_without_waiting_for_its_body(server) -> None:
    assert await _headers_only(server, "") == 401
    assert await _headers_only(server, f"Authorization: Bearer {API_TOKEN}\r\n") == 413


async def test_a_public_file_is_served_to_a_caller_without_a_credential(app) -> None:
    """The file response listens for the client leaving: it must wait, not spin."""
    answer = await call(app, "GET", "/static/meterhub.css", headers={}, size=0)
    assert answer.status == 200 and answer.body


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_whole_uploads_sent_at_full_speed_get_their_answer(tmp_path: Path, chunked) -> None:
    """The benchmark's uploader against its real server: the body keeps coming after the
    answer, and the answer still arrives (``meterhub bench web-stall`` times the rest)."""
    with BenchServer(bench_config(tmp_path / "data"), capped=True) as server:
        size = 2 * 1024 * 1024
        assert upload(server.port, size, token=True, chunked=chunked) == "413"
        assert upload(server.port, size, token=False, chunked=chunked) == "401"
