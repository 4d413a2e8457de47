"""Every service in one process with the simulator: readings flow from frame to web API."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import httpx
import pytest

from services.core.config import MeterhubConfig
from services.core.messages import CaptureRequest, Reading
from services.core.runtime import run_services
from services.core.runtime.bus import Bus
from services.core.runtime.health import Health
from services.registry import specs_for
from services.tools.broker_process import free_port
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

pytestmark = pytest.mark.slow


@dataclass
class Hub:
    config: MeterhubConfig
    observer: Bus
    everything: Collector
    http: httpx.AsyncClient


@pytest.fixture
async def hub(broker, tmp_path):
    web_port = free_port()
    config = make_config(
        broker,
        tmp_path / "data",
        web={"enabled": True, "host": "127.0.0.1", "port": web_port},
        devices={
            "pln": {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}},
            "p1": {"kind": "p1"},
        },
        simulator={
            "enabled": True,
            "meters": {
                "pln": {
                    "type": "prepaid_camera",
                    "balance_kwh": 127.0,
                    "frame_interval_s": 2,
                    "time_scale": 3600,
                },
                "p1": {"type": "p1", "interval_s": 0.5},
            },
        },
    )
    everything = Collector()
    stop = asyncio.Event()
    services = asyncio.create_task(
        run_services(config, specs_for("all", simulator_enabled=True), stop=stop, health=Health())
    )
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/#": everything}) as observer,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{web_port}", timeout=5) as http,
    ):
        yield Hub(config, observer, everything, http)
    stop.set()
    await asyncio.wait_for(services, 30)


def _reading_of(device: str):
    def matches(message) -> bool:
        return message.topic == f"meterhub/{device}/reading"

    return matches


async def _get_when_ready(http: httpx.AsyncClient, path: str, collector: Collector, device: str):
    """The API answers once storage has published the device's state: wait for that."""
    await collector.wait_for(lambda m: m.topic == f"meterhub/{device}/state", timeout=30)
    response = await http.get(path)
    response.raise_for_status()
    return response.json()


async def test_web_api_serves_the_balance_the_simulated_meter_shows(hub):
    everything, http = hub.everything, hub.http
    first = await everything.wait_for(_reading_of("pln"), timeout=30)
    reading = Reading.from_payload(first.payload)
    assert reading.source == "ocr" and reading.frame_id
    truth = (await http.get("/api/simulator/pln")).json()
    assert reading.values["token_balance_kwh"] == truth["frames"][reading.frame_id]["value"]

    latest = await _get_when_ready(http, "/api/devices/pln/latest", everything, "pln")
    balance = latest["values"]["token_balance_kwh"]
    truth = (await http.get("/api/simulator/pln")).json()
    assert balance["value"] == truth["frames"][balance["frame_id"]]["value"]
    assert balance["unit"] == "kWh"


async def test_capture_request_is_answered_with_its_request_id(hub):
    observer, everything = hub.observer, hub.everything
    request = CaptureRequest()
    await observer.publish("meterhub/pln/cmd/capture", request.to_payload())
    answer = await everything.wait_for(
        lambda m: (
            m.topic == "meterhub/pln/reading"
            and json.loads(m.payload).get("request_id") == request.request_id
        ),
        timeout=30,
    )
    assert Reading.from_payload(answer.payload).values["token_balance_kwh"] > 0


async def test_p1_telegrams_become_readings_and_every_contract_topic_appears(hub):
    everything, http = hub.everything, hub.http
    latest = await _get_when_ready(http, "/api/devices/p1/latest", everything, "p1")
    assert latest["values"]["energy_import_kwh"]["value"] > 0
    assert "power_w" in latest["values"]
    for suffix in (
        "pln/availability",
        "pln/frame",
        "pln/ocr",
        "pln/reading",
        "pln/state",
        "p1/telegram",
        "p1/reading",
        "p1/state",
        "service/storage/availability",
    ):
        await everything.wait_for(lambda m, s=suffix: m.topic == f"meterhub/{s}", timeout=30)
    devices = {d["id"]: d for d in (await http.get("/api/devices")).json()}
    assert set(devices) == {"pln", "p1"} and devices["p1"]["last_seen"]
    healthz = await http.get("/healthz")
    assert healthz.status_code == 200 and healthz.json()["status"] == "ok"


async def test_bad_input_is_rejected_with_a_reason_not_dropped(hub):
    observer, everything = hub.observer, hub.everything
    await observer.publish("meterhub/pln/frame", b"\xff\xd8 not really a jpeg")
    await observer.publish(
        "meterhub/p1/telegram", "/FLU5\\253770234_A\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!0000\r\n"
    )
    await observer.publish("meterhub/pln/reading", b'{"device": "pln", "oops": 1}')
    await observer.publish(
        "meterhub/ghost/reading",
        Reading(
            device="ghost", ts="2026-11-22T05:00:00Z", source="manual", values={"power_w": 1}
        ).to_payload(),
    )
    # Each bad input is answered by its own rejection (two for pln), in no fixed order.
    expected = [
        ("pln", lambda r: "JPEG" in r or "image" in r),
        ("pln", lambda r: "invalid reading" in r),
        ("p1", lambda r: "CRC" in r),
        ("ghost", lambda r: "unknown device" in r),
    ]
    for device, matches in expected:
        await everything.wait_for(
            lambda m, d=device, ok=matches: m.topic == f"meterhub/{d}/rejected"
            and ok(json.loads(m.payload)["reason"]),
            timeout=30,
        )
