"""Gateway-driven cameras against real local HTTP servers: the ESP32-CAM's /capture, its
LED, schedules on a moved clock, failures with backoff, /autocapture, request ids."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np
import pytest

from services.core.config.simulator import FrameEffects
from services.core.messages import CaptureRequest, Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from tests.bus_helpers import Collector, running_bus
from tests.capture_helpers import FakeEsp32Cam, make_jpeg, running_edge
from tests.conftest import make_config
from tests.fake_clock import ManualClock

START = datetime(2026, 11, 22, 4, 59, 30, tzinfo=UTC)  # 11:59:30 in Jakarta


def snapshot_config(broker, tmp_path, cameras: dict[str, dict[str, Any]], **capture: Any):
    devices = {
        name: {"kind": "camera", "capture": {"source": {"kind": "snapshot", **src}, **extra}}
        for name, (src, extra) in ((n, _split(c)) for n, c in cameras.items())
    }
    section = {"retry": {"initial_s": 1, "max_s": 8, "give_up_s": 5}, **capture}
    return make_config(broker, tmp_path / "data", devices=devices, capture=section)


def _split(camera: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    extra = {k: camera.pop(k) for k in ("triggers", "min_interval_s") if k in camera}
    return camera, extra


def on(topic: str):
    return lambda m: m.topic == topic


async def test_capture_request_is_answered_with_a_frame_carrying_its_request_id(broker, tmp_path):
    seen = Collector()
    with FakeEsp32Cam() as cam:
        config = snapshot_config(broker, tmp_path, {"pln": {"url": f"{cam.url}/capture"}})
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/#": seen}) as observer,
            running_edge(config),
        ):
            request = CaptureRequest()
            await observer.publish("meterhub/pln/cmd/capture", request.to_payload())
            frame = await seen.wait_for(on("meterhub/pln/frame"))
            assert frame.user_properties["request_id"] == request.request_id
            assert frame.payload == make_jpeg(1) and cam.captures == 1
            ts = datetime.fromisoformat(frame.user_properties["ts"])
            assert abs((datetime.now(UTC) - ts).total_seconds()) < 30
            await seen.wait_for(on("meterhub/pln/availability"))
            late = Collector()  # a subscriber that comes later still learns the state
            async with running_bus(config.mqtt, "late", {"meterhub/pln/availability": late}):
                kept = await late.wait_for(lambda m: True)
            assert kept.payload == b"online" and kept.retain
            # A Home Assistant button sends a bare word: still a shot, with an id of its own.
            await observer.publish("meterhub/pln/cmd/capture", b"PRESS")
            second = await seen.wait_for(
                lambda m: m.topic == "meterhub/pln/frame" and m is not frame
            )
            assert second.user_properties["request_id"] not in ("", request.request_id)
            await observer.publish("meterhub/pln/cmd/capture", b'{"request_id": 5}')
            rejected = await seen.wait_for(on("meterhub/pln/rejected"))
            assert "invalid cmd/capture" in json.loads(rejected.payload)["reason"]


async def test_a_burst_request_is_answered_with_that_many_frames_carrying_its_request_id(
    broker, tmp_path
):
    seen = Collector()
    with FakeEsp32Cam() as cam:
        config = snapshot_config(broker, tmp_path, {"pln": {"url": f"{cam.url}/capture"}})
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/pln/frame": seen}) as observer,
            running_edge(config),
        ):
            request = CaptureRequest(burst=3)
            await observer.publish("meterhub/pln/cmd/capture", request.to_payload())
            await seen.wait_for(lambda m: len(seen.messages) == 3)
    props = [m.user_properties for m in seen.messages]
    assert {p["request_id"] for p in props} == {request.request_id}
    assert len({p["frame_id"] for p in props}) == 3 and cam.captures == 3
    assert [m.payload for m in seen.messages] == [make_jpeg(n) for n in (1, 2, 3)]


async def test_led_is_lit_for_the_shot_settings_sent_once_and_stale_frame_dropped(broker, tmp_path):
    seen = Collector()
    source = {
        "flash": {"intensity": 200},
        "controls": {"aec": 1, "ae_level": 2},
        "warmup_shots": 1,
    }
    with FakeEsp32Cam() as cam:
        config = snapshot_config(
            broker, tmp_path, {"pln": {"url": f"{cam.url}/capture", **source}}, min_interval_s=0
        )
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/pln/frame": seen}) as observer,
            running_edge(config),
        ):
            for count in (1, 2):
                await observer.publish("meterhub/pln/cmd/capture", CaptureRequest().to_payload())
                await seen.wait_for(lambda m, c=count: len(seen.messages) >= c)
    # Warm-up: two fetches per shot, the second kept (the first may predate the LED).
    assert [m.payload for m in seen.messages] == [make_jpeg(2), make_jpeg(4)]
    assert cam.led_during_capture == [200, 200, 200, 200]
    led = ("led_intensity", "200"), ("led_intensity", "0")
    assert cam.controls == [("aec", "1"), ("ae_level", "2"), *led, *led]
    assert cam._led == 0  # switched off after the shot


async def test_minute_schedule_shoots_each_minute_and_drops_an_unchanged_picture(broker, tmp_path):
    seen = Collector()
    clock = ManualClock(START)
    same_picture = FakeEsp32Cam(frames=lambda n: make_jpeg(1 if n < 3 else 9))
    with same_picture as cam:
        config = snapshot_config(
            broker,
            tmp_path,
            {
                "drum": {
                    "url": f"{cam.url}/capture",
                    "triggers": [{"kind": "interval", "every_s": 60}],
                }
            },
        )
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/drum/frame": seen}),
            running_edge(config, clock) as edge,
        ):
            status = edge.cameras["drum"].status
            await clock.sleepers(1)  # the schedule (the worker waits for work, not time)
            clock.advance(30)  # 12:00:00 → first shot
            first = await seen.wait_for(lambda m: True)
            assert first.user_properties["ts"] == "2026-11-22T05:00:00Z"
            await clock.sleepers(1)
            clock.advance(clock.next_wake_in())  # 12:01: the same picture again
            await status.wait_until(lambda: status.duplicates == 1, 5)
            assert cam.captures == 2
            await clock.sleepers(1)
            clock.advance(clock.next_wake_in())  # 12:02: the meter moved
            third = await seen.wait_for(lambda m: m.payload == make_jpeg(9))
            assert third.user_properties["ts"] == "2026-11-22T05:02:00Z"
            assert len(seen.messages) == 2 and status.published == 2


async def test_a_chatty_schedule_is_held_to_the_minimum_interval(broker, tmp_path):
    seen = Collector()
    clock = ManualClock(START)
    every_second = {"triggers": [{"kind": "interval", "every_s": 1}], "min_interval_s": 5}
    with FakeEsp32Cam() as cam:
        config = snapshot_config(
            broker, tmp_path, {"pln": {"url": f"{cam.url}/capture", **every_second}}
        )
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/pln/frame": seen}),
            running_edge(config, clock) as edge,
        ):
            await clock.sleepers(1)
            clock.advance(1)  # 11:59:31: first shot
            await seen.wait_for(lambda m: True)
            await clock.sleepers(1)
            # Five more ticks: the worker waits out the interval; ticks meanwhile coalesce.
            for tick in range(5):
                clock.advance(1)
                await clock.sleepers(2 if tick < 4 else 1)
            await seen.wait_for(lambda m: len(seen.messages) == 2)
    assert [m.user_properties["ts"] for m in seen.messages] == [
        "2026-11-22T04:59:31Z",
        "2026-11-22T04:59:36Z",
    ]
    assert seen.messages[1].payload == make_jpeg(2) and cam.captures == 2
    assert edge.cameras["pln"].status.published == 2


async def test_failing_camera_is_offline_retried_with_backoff_and_others_keep_working(
    broker, tmp_path
):
    seen = Collector()
    clock = ManualClock(START)
    with FakeEsp32Cam(status=500) as broken, FakeEsp32Cam() as good:
        config = snapshot_config(
            broker,
            tmp_path,
            {"pln": {"url": f"{broken.url}/capture"}, "drum": {"url": f"{good.url}/capture"}},
            retry={"initial_s": 1, "max_s": 8, "give_up_s": 60},
            min_interval_s=0,
        )
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/#": seen}) as observer,
            running_edge(config, clock) as edge,
        ):
            request = CaptureRequest()
            await observer.publish("meterhub/pln/cmd/capture", request.to_payload())
            offline = await seen.wait_for(on("meterhub/pln/availability"))
            assert offline.payload == b"offline"
            status = edge.cameras["pln"].status
            assert "answered HTTP 500" in status.last_error and status.failures == 1
            # The other camera is served while this one waits out its backoff.
            await observer.publish("meterhub/drum/cmd/capture", CaptureRequest().to_payload())
            await seen.wait_for(on("meterhub/drum/frame"))
            waits = []
            for failures in (2, 3):
                await clock.sleepers(1)  # the worker, waiting out its backoff
                waits.append(clock.next_wake_in())
                clock.advance(waits[-1])
                await status.wait_until(lambda f=failures: status.failures == f, 5)
            assert 0.8 <= waits[0] <= 1.0 and 1.6 <= waits[1] <= 2.0  # doubling, with jitter
            broken.status = 200  # plugged back in
            await clock.sleepers(1)
            clock.advance(clock.next_wake_in())
            frame = await seen.wait_for(on("meterhub/pln/frame"))
            assert frame.user_properties["request_id"] == request.request_id
            await seen.wait_for(
                lambda m: m.topic == "meterhub/pln/availability" and m.payload == b"online"
            )
            assert status.failures == 0 and status.state == "online"
            assert broken.captures == 1  # only the successful attempt reached /capture


async def test_a_request_that_keeps_failing_is_answered_with_the_reason(broker, tmp_path):
    seen = Collector()
    clock = ManualClock(START)
    with FakeEsp32Cam(hang=threading.Event()) as cam:
        config = snapshot_config(
            broker, tmp_path, {"pln": {"url": f"{cam.url}/capture", "timeout_s": 0.3}}
        )
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/pln/#": seen}) as observer,
            running_edge(config, clock),
        ):
            request = CaptureRequest()
            await observer.publish("meterhub/pln/cmd/capture", request.to_payload())
            # Backoff 1 s then 2 s (less jitter): the third failure comes past give_up_s.
            for _ in range(2):
                await clock.sleepers(1)
                clock.advance(clock.next_wake_in())
            rejected = await seen.wait_for(on("meterhub/pln/rejected"))
    body = json.loads(rejected.payload)
    assert body["reading"]["request_id"] == request.request_id
    assert body["reason"].startswith("capture failed: snapshot") and "timed out" in body["reason"]
    assert not any(m.topic.endswith("/frame") for m in seen.messages)


async def test_autocapture_call_of_the_prepaid_sketch_takes_a_shot(broker, tmp_path):
    seen = Collector()
    with FakeEsp32Cam() as cam:
        pln = {"url": f"{cam.url}/capture", "triggers": [{"kind": "autocapture"}]}
        config = snapshot_config(broker, tmp_path, {"pln": pln}, http={"port": 0})
        async with (
            running_bus(config.mqtt, "observer", {"meterhub/pln/frame": seen}),
            running_edge(config) as edge,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.http_port}", timeout=5) as http,
        ):
            answer = await http.get("/autocapture")
            assert answer.status_code == 202, answer.text
            request_id = answer.json()["requested"]["pln"]
            frame = await seen.wait_for(lambda m: True)
            assert frame.user_properties["request_id"] == request_id
            assert (await http.get("/autocapture?device=drum")).status_code == 404
            sources = (await http.get("/api/sources")).json()
            assert sources["pln"]["state"] == "online" and sources["pln"]["published"] == 1


@pytest.mark.slow
async def test_request_id_goes_from_cmd_capture_through_ocr_to_the_reading(broker, tmp_path):
    image = render_lcd_frame("127.45", 6, FrameEffects(), np.random.default_rng(1))
    seen = Collector()
    with FakeEsp32Cam(frames=lambda n: encode_jpeg(image)) as cam:
        config = snapshot_config(broker, tmp_path, {"pln": {"url": f"{cam.url}/capture"}})
        stop = asyncio.Event()
        specs = [service_spec("capture_gateway"), service_spec("ocr_worker")]
        health = Health()
        task = asyncio.create_task(run_services(config, specs, stop=stop, health=health))
        try:
            async with running_bus(config.mqtt, "bot", {"meterhub/pln/reading": seen}) as bot:
                await asyncio.wait_for(health.wait_connected("capture_gateway"), 10)
                request = CaptureRequest()
                await bot.publish("meterhub/pln/cmd/capture", request.to_payload())
                answer = await seen.wait_for(
                    lambda m: json.loads(m.payload)["request_id"] == request.request_id
                )
            reading = Reading.from_payload(answer.payload)
            assert reading.values["token_balance_kwh"] == 127.45 and reading.frame_id
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
