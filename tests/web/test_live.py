"""The web service on a real broker: live events, and what the page publishes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.core.config import MeterhubConfig
from services.core.messages import CaptureRequest, OcrRois, TokenSet
from services.core.runtime import run_services
from services.core.runtime.bus import Bus
from services.core.runtime.health import Health
from services.registry import service_spec
from services.tools.broker_process import free_port
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.web.conftest import API_TOKEN, DEVICES, PASSWORD_HASH
from tests.web.test_api import write_frame

WAIT_S = 10.0


@dataclass
class WebHub:
    config: MeterhubConfig
    bus: Bus
    heard: Collector
    http: httpx.AsyncClient
    stop: asyncio.Event
    running: asyncio.Task


@pytest.fixture
async def web(broker, tmp_path) -> AsyncIterator[WebHub]:
    port = free_port()
    config = make_config(
        broker,
        tmp_path / "data",
        devices=DEVICES,
        web={"enabled": True, "host": "127.0.0.1", "port": port,
             "login": {"password_hash": PASSWORD_HASH, "api_tokens": [API_TOKEN]}},
    )  # fmt: skip
    health, stop = Health(), asyncio.Event()
    running = asyncio.create_task(run_services(config, [service_spec("web")], stop=stop,
                                               health=health))  # fmt: skip
    heard = Collector()
    async with (
        running_bus(config.mqtt, "web-test", {"meterhub/#": heard}) as bus,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            timeout=WAIT_S,
        ) as http,
    ):
        await asyncio.wait_for(health.wait_connected("web"), WAIT_S)
        await _until_serving(http)
        yield WebHub(config, bus, heard, http, stop, running)
    stop.set()
    await asyncio.wait_for(running, 30)


async def _until_serving(http: httpx.AsyncClient) -> None:
    async def poll() -> None:
        while True:
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), WAIT_S)


class EventStream:
    """Server-sent events of /api/events, parsed as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, wanted: str | None = None) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            event, data = None, None
            async for line in self.lines:
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and event is not None:
                    if wanted is None or event == wanted:
                        return {"event": event, **data}
                    event, data = None, None
            raise AssertionError("stream ended")

        return await asyncio.wait_for(read(), WAIT_S)


async def test_events_start_with_retained_state_then_follow_the_bus(web) -> None:
    async with web.http.stream("GET", "/api/events") as first:
        assert first.headers["content-type"].startswith("text/event-stream")
        events = EventStream(first)
        await events.next("snapshot")
        await web.bus.publish("meterhub/p1/availability", "online", retain=True)
        await web.bus.publish("meterhub/service/storage/availability", "online", retain=True)
        assert (await events.next("availability"))["device"] == "p1"
        assert (await events.next("service"))["service"] == "storage"
        await web.bus.publish("meterhub/p1/state", json.dumps({"ts": "2026-11-24T10:00:00Z",
                                                                "power_w": 1234.0}))  # fmt: skip
        state = await events.next("state")
        assert state["device"] == "p1" and state["data"]["power_w"] == 1234.0
        await web.bus.publish("meterhub/pln/rejected", json.dumps(
            {"device": "pln", "ts": "2026-11-24T10:00:01Z", "source": "ocr",
             "reason": "glare hides part of digit 3", "reading": {"frame_id": "f9"}}))  # fmt: skip
        refused = await events.next("rejected")
        assert refused["data"]["reason"] == "glare hides part of digit 3"
    # A page opened later starts from everything known so far.
    async with web.http.stream("GET", "/api/events") as later:
        snapshot = await EventStream(later).next("snapshot")
    p1, pln = snapshot["devices"]["p1"], snapshot["devices"]["pln"]
    assert p1["availability"] == "online" and p1["state"]["power_w"] == 1234.0
    assert pln["last_frame"] == {"frame_id": "f9", "read": False,
                                 "reason": "glare hides part of digit 3",
                                 "ts": "2026-11-24T10:00:01Z"}  # fmt: skip
    assert snapshot["services"]["storage"] == "online"
    status = (await web.http.get("/api/status")).json()
    assert {"name": "storage", "availability": "online"} in status["services"]
    assert status["login"] == "on"


async def test_capture_and_token_go_out_on_the_bus(web) -> None:
    capture = await web.http.post("/api/devices/pln/capture")
    assert capture.status_code == 202
    request_id = capture.json()["request_id"]
    asked = await web.heard.wait_for(lambda m: m.topic == "meterhub/pln/cmd/capture")
    assert CaptureRequest.from_payload(asked.payload).request_id == request_id

    sent = await web.http.post("/api/devices/pln/token", json={"token": "0020-0000 0000 0010 0126"})
    assert sent.status_code == 202 and sent.json()["token"] == "…0126"
    message = await web.heard.wait_for(lambda m: m.topic == "meterhub/pln/token/set")
    token = TokenSet.from_payload(message.payload)
    assert (token.token, token.source, token.request_id) == (
        "00200000000000100126", "web", sent.json()["request_id"],
    )  # fmt: skip


async def test_saved_rois_reach_the_file_and_the_retained_topic(web) -> None:
    data_dir = web.config.storage.data_dir
    write_frame(data_dir)
    digits = [[120 + 40 * i, 100, 36, 70] for i in range(6)]
    saved = await web.http.put(
        "/api/devices/pln/rois", json={"display": [100, 80, 400, 150], "digits": digits}
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    on_disk = OcrRois.from_payload(OcrRois.file(data_dir, "pln").read_bytes())
    assert on_disk.display == (100, 80, 400, 150) and [list(b) for b in on_disk.digits] == digits
    message = await web.heard.wait_for(lambda m: m.topic == "meterhub/pln/ocr/rois")
    assert OcrRois.from_payload(message.payload) == on_disk
    assert body["updated"] == json.loads(message.payload)["updated"]

    # A worker that connects later still gets them: the message is retained.
    late = Collector()
    async with running_bus(web.config.mqtt, "late-worker", {"meterhub/+/ocr/rois": late}):
        kept = await late.wait_for(lambda m: m.topic == "meterhub/pln/ocr/rois")
        assert kept.retain and OcrRois.from_payload(kept.payload) == on_disk

    cleared = await web.http.delete("/api/devices/pln/rois")
    assert cleared.json()["display"] is None and cleared.json()["digits"] == []
    assert OcrRois.from_payload(OcrRois.file(data_dir, "pln").read_bytes()).display is None


async def test_stopping_the_service_ends_open_event_streams(web) -> None:
    async with web.http.stream("GET", "/api/events") as response:
        events = EventStream(response)
        await events.next("snapshot")
        web.stop.set()
        await asyncio.wait_for(web.running, WAIT_S)  # not held open by the stream


JUNK = {
    "meterhub/pln/token/state": b'{"foo": 1}',
    "meterhub/pln/ocr/rois": b'{"display": "abc"}',
    "meterhub/pln/state": b'{"ts": "2026-11-24T10:00:00Z", "token_balance_kwh": "lots"}',
    "meterhub/p1/capacity": b"[1, 2, 3]",
    "meterhub/pln/ocr": b'{"frame_id": "f1", "boxes": [[1e99]]}',
    "meterhub/p1/availability": b"maybe",
}


async def test_junk_on_retained_topics_is_ignored_by_the_page_and_the_api(web) -> None:
    write_frame(web.config.storage.data_dir)
    async with web.http.stream("GET", "/api/events") as response:
        events = EventStream(response)
        await events.next("snapshot")
        for topic, payload in JUNK.items():
            await web.bus.publish(topic, payload, retain=True)
        # Published after the junk on the same connection: once it is here, so was the junk.
        await web.bus.publish("meterhub/drum/availability", "online", retain=True)
        # Nothing about a device comes before it (a service's own availability may).
        before = []
        while (event := await events.next()).get("device") != "drum":
            before.append(event)
        assert event["event"] == "availability"
        assert [e for e in before if "device" in e] == [], before
    prepaid = await web.http.get("/api/devices/pln/prepaid")
    assert prepaid.status_code == 200 and prepaid.json()["token_state"] is None
    annotated = await web.http.get("/api/devices/pln/image", params={"annotated": "true"})
    assert annotated.status_code == 200 and annotated.content.startswith(b"\xff\xd8")
    async with web.http.stream("GET", "/api/events") as later:
        snapshot = await EventStream(later).next("snapshot")
    pln, p1 = snapshot["devices"]["pln"], snapshot["devices"].get("p1", {})
    assert (pln["token_state"], pln["ocr_rois"], pln["state"], pln["ocr"]) == (None,) * 4
    assert p1.get("capacity") is None and p1.get("availability") is None
    devices = (await web.http.get("/api/devices")).json()
    assert {d["id"]: d["availability"] for d in devices}["p1"] is None
