"""Query parameters at the calendar's edges: a 400 that names the parameter and the
range allowed, never a server error (they overflowed in the arithmetic behind them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.web.params import BOUNDS_TEXT
from tests.web.conftest import asgi_client, web_config

EDGES = [
    ("/api/devices/pln/history", {"to": "0001-01-01T00:00:00Z", "every": "raw"}, "to"),
    ("/api/devices/pln/history.csv", {"to": "0001-01-01T00:00:00Z", "every": "raw"}, "to"),
    (
        "/api/devices/pln/history",
        {"from": "0001-01-01T00:00:00+14:00", "to": "0001-01-05T00:00:00+14:00", "every": "day"},
        "to",
    ),
    (
        "/api/devices/pln/history",
        {"from": "9999-12-30T23:59:59-14:00", "to": "9999-12-31T23:59:59-14:00", "every": "hour"},
        "to",
    ),
    ("/api/devices/pln/history", {"from": "9999-12-31", "every": "month"}, "from"),
    ("/api/devices/pln/history", {"to": "0001-01-01", "every": "day"}, "to"),
    ("/api/devices/p1/quarters", {"day": "0001-01-01"}, "day"),
    ("/api/devices/p1/quarters", {"day": "9999-12-31"}, "day"),
    ("/api/devices/p1/peaks", {"month": "0001-01"}, "month"),
    ("/api/devices/p1/peaks", {"month": "9999-12"}, "month"),
    ("/api/devices/p1/quarters/0001-01-01T00:00:00+14:00", {}, "start"),
    ("/api/devices/p1/quarters/9999-12-31T23:59:59-14:00", {}, "start"),
]


@pytest.mark.parametrize(("path", "params", "name"), EDGES)
async def test_the_calendars_edges_are_400s_naming_the_parameter(
    tmp_path: Path, path: str, params: dict[str, str], name: str
) -> None:
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        answer = await client.get(path, params=params)
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith(f"{name}: ") and BOUNDS_TEXT in detail


async def test_times_inside_the_bounds_still_answer(tmp_path: Path) -> None:
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        history = await client.get(
            "/api/devices/pln/history",
            params={"from": "1970-01-01T00:00:00Z", "to": "1970-01-02T00:00:00Z", "every": "hour"},
        )
        assert history.status_code == 200 and history.json()["points"] == []
        last_day = await client.get("/api/devices/p1/quarters", params={"day": "2199-12-31"})
        assert last_day.status_code == 200 and last_day.json()["quarters"] == []


async def test_a_long_bad_parameter_comes_back_as_an_excerpt(tmp_path: Path) -> None:
    async with asgi_client(web_config(tmp_path / "data", login=False)) as client:
        answer = await client.get("/api/devices/p1/quarters", params={"day": "x" * 5000})
    assert answer.status_code == 400
    assert "x" * 200 not in answer.text and "(5000 characters)" in answer.text
