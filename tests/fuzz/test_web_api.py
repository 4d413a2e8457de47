"""Every web route with whatever a browser, a script or an attacker puts in its URL or body.

The real app (login off, loopback: what the demo serves; the login itself is tested in
tests/web/test_auth.py) over a store with some readings. Any answer is fine but a
server error: bad input gets a 4xx with a reason, and 503 is allowed where the app
has no bus to publish on.
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # starlette's note that it prefers another httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from services.core.messages import Reading
from services.core.runtime import IncomingMessage
from services.core.topics import Topics
from services.storage.store import ReadingStore
from services.web.app import create_app
from services.web.live import LIVE_KINDS
from tests.fuzz.strategies import BAD_BYTES, JSON_VALUES, QUERY_TIMES
from tests.web.conftest import DEVICES, web_config
from tests.web.test_api import write_frame

STREAMS = {"/api/events"}  # server-sent events never end; tests/web/test_live.py has them
NO_BUS = 503
DEVICE_IDS = [*DEVICES, "ghost"]
WEB_SETTINGS = {
    "max_examples": 100,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
}


def _routes(routes) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[APIRoute]]]:
    data = tmp_path_factory.mktemp("web")
    config = web_config(data / "data", login=False)
    store = ReadingStore(config.storage.sqlite_path)
    now = datetime.now(UTC).replace(microsecond=0)
    store.ingest(
        [
            Reading(device="pln", ts=now - timedelta(hours=i), source="ocr",
                    values={"token_balance_kwh": 100.0 - i})
            for i in range(48)
        ]
        + [
            Reading(device="p1", ts=now - timedelta(minutes=15 * i), source="p1",
                    values={"energy_import_kwh": 1000.0 - i, "power_w": 400.0 + i})
            for i in range(96)
        ]
    )  # fmt: skip
    store.close()
    write_frame(config.storage.data_dir)  # so the annotated frame is drawn, not a 404
    app = create_app(config)
    routes = [r for r in _routes(app.routes) if r.path not in STREAMS]
    with TestClient(app, base_url="http://127.0.0.1:8080", client=("127.0.0.1", 50000)) as client:
        yield client, routes


TEXT = st.one_of(
    st.sampled_from(DEVICE_IDS),
    st.text(max_size=24),
    st.text(alphabet=string.digits + "-:TZ.", max_size=25),
    st.sampled_from(["2026-11", "2026-11-22", "2026-11-22T05:00:00Z", "..", "%00", "-1", "1e99"]),
    st.integers(-(10**12), 10**12).map(str),
    QUERY_TIMES,
)
# Every parameter that names a time, a day or a month, by route.
TIME_ROUTES = {
    "/api/devices/{device_id}/history": ("from", "to"),
    "/api/devices/{device_id}/history.csv": ("from", "to"),
    "/api/devices/{device_id}/quarters": ("day",),
    "/api/devices/{device_id}/quarters/{start}": ("start",),
    "/api/devices/{device_id}/peaks": ("month",),
}
EVERY = st.sampled_from(["raw", "minute", "1m", "15m", "quarter", "1h", "day", "1d", "1mo"])


def _url(route: APIRoute, values: dict[str, str]) -> str:
    path = route.path
    for param in route.dependant.path_params:
        # An empty segment would be another route; path parameters are never empty.
        path = path.replace("{" + param.name + "}", quote(values[param.name] or "x", safe=""))
    return path


@settings(**WEB_SETTINGS)
@given(data=st.data())
def test_no_url_gets_a_server_error(web, data) -> None:
    client, routes = web
    route = data.draw(st.sampled_from([r for r in routes if "GET" in r.methods]))
    params = route.dependant.path_params + route.dependant.query_params
    values = {p.name: data.draw(TEXT, label=p.name) for p in params}
    query = {
        p.name: values[p.name] for p in route.dependant.query_params if data.draw(st.booleans())
    }
    response = client.get(_url(route, values), params=query, follow_redirects=False)
    # A 503 a route documents (it needs the bus, which this app has not) is its answer.
    documented = response.status_code == 503 and 503 in route.responses
    assert response.status_code < 500 or documented, (route.path, values, response.text[:300])
    if response.status_code >= 400:
        assert response.text.strip(), "a refusal without a reason"


@settings(**WEB_SETTINGS)
@given(data=st.data())
def test_no_request_body_gets_a_server_error(web, data) -> None:
    client, routes = web
    writes = [r for r in routes if r.methods & {"POST", "PUT", "DELETE"} and r.path != "/login"]
    route = data.draw(st.sampled_from(writes))
    values = {p.name: data.draw(TEXT, label=p.name) for p in route.dependant.path_params}
    method = data.draw(st.sampled_from(sorted(route.methods & {"POST", "PUT", "DELETE"})))
    body = data.draw(
        st.one_of(
            JSON_VALUES.map(lambda v: {"json": v}),
            st.binary(max_size=200).map(lambda b: {"content": b}),
            st.fixed_dictionaries(
                {"token": TEXT, "request_id": TEXT},
                optional={"display": JSON_VALUES, "digits": JSON_VALUES},
            ).map(lambda v: {"json": v}),
        )
    )
    response = client.request(method, _url(route, values), follow_redirects=False, **body)
    # A 5xx the route documents (the bus missing, the train extra not installed) is its answer.
    documented = response.status_code in route.responses or response.status_code == NO_BUS
    assert response.status_code < 500 or documented, (
        route.path, method, body, response.text[:300],
    )  # fmt: skip


def test_the_fuzzed_routes_include_the_api(web) -> None:
    _, routes = web
    paths = {r.path for r in routes}
    assert {"/api/devices/{device_id}/history", "/api/devices/{device_id}/token"} <= paths


def test_a_body_that_is_not_utf8_is_refused_not_a_server_error(web) -> None:
    client, _ = web
    response = client.put("/api/devices/pln/rois", content=b"\x80\xff\xd8 an image?")
    assert response.status_code == 422
    assert response.json()["detail"]


@settings(**WEB_SETTINGS)
@given(data=st.data())
def test_no_time_parameter_gets_a_server_error(web, data) -> None:
    """Times out to the calendar's edges in every parameter that takes one."""
    client, _ = web
    path = data.draw(st.sampled_from(sorted(TIME_ROUTES)))
    device = "pln" if "history" in path else "p1"
    url = path.replace("{device_id}", device)
    query = {}
    for name in TIME_ROUTES[path]:
        if name == "start":
            url = url.replace("{start}", quote(data.draw(QUERY_TIMES, label=name), safe=""))
        elif data.draw(st.booleans()):
            query[name] = data.draw(QUERY_TIMES, label=name)
    if "history" in path:
        query["every"] = data.draw(EVERY, label="every")
    response = client.get(url, params=query, follow_redirects=False)
    assert response.status_code < 500, (url, query, response.text[:300])
    assert response.status_code in (200, 400, 404), (url, query, response.text[:300])


LIVE_TOPICS = [Topics("meterhub").device(kind, "pln") for kind in LIVE_KINDS] + [
    "meterhub/service/storage/availability",
]


@settings(**WEB_SETTINGS)
@given(topic=st.sampled_from(LIVE_TOPICS), payload=st.one_of(BAD_BYTES, st.just(b"")))
def test_no_live_message_breaks_the_pages_that_read_it(web, topic, payload) -> None:
    """Whatever arrives on a topic the page follows (retained junk included), the routes
    that read the live state answer without a server error."""
    client, _ = web
    hub = client.app.state.web.hub
    client.portal.call(hub.on_message, IncomingMessage(topic, payload, qos=1, retain=True))
    for url in ("/api/devices/pln/prepaid", "/api/devices/pln/image?annotated=true",
                "/api/devices", "/api/status"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, (topic, payload, url, response.text[:300])
