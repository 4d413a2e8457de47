"""Frames pushed to the gateway: ESP32-CAMs on MQTT (``frame/raw``), HTTP uploads, a
watched directory; and a local camera through OpenCV reading a video file."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from services.core.messages import CaptureRequest
from tests.bus_helpers import Collector, running_bus
from tests.capture_helpers import brightness, make_jpeg, running_edge
from tests.conftest import make_config
from tests.fake_clock import ManualClock
from tests.image_helpers import FORMATS, bomb_png, encoded

START = datetime(2026, 11, 22, 4, 59, 30, tzinfo=UTC)
TOKEN = "esp32-upload-token-0123"


def on(topic: str):
    return lambda m: m.topic == topic


def reasons(collector: Collector, device: str) -> list[str]:
    return [
        json.loads(m.payload)["reason"]
        for m in collector.messages
        if m.topic == f"meterhub/{device}/rejected"
    ]


def png(value: int = 50) -> bytes:
    ok, buffer = cv2.imencode(".png", np.full((48, 64, 3), value, np.uint8))
    assert ok
    return buffer.tobytes()


async def test_mqtt_camera_flood_is_throttled_and_requested_frames_wait_their_turn(
    broker, tmp_path
):
    seen, clock = Collector(), ManualClock(START)
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "esp": {"kind": "camera"},
            "snap": {
                "kind": "camera",
                "capture": {"source": {"kind": "snapshot", "url": "http://127.0.0.1:9/capture"}},
            },
        },
        capture={"min_interval_s": 60, "max_frame_bytes": 20_000},
    )
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/#": seen}) as esp,
        running_edge(config, clock) as edge,
    ):
        status = edge.cameras["esp"].status
        own = {"ts": "2026-11-22T04:59:00Z", "frame_id": "cam-0001"}
        await esp.publish("meterhub/esp/frame/raw", make_jpeg(0), user_properties=own)
        for value in range(1, 20):  # a camera stuck in a loop
            await esp.publish("meterhub/esp/frame/raw", make_jpeg(value))
        asked = {"frame_id": "cam-0020", "request_id": "bot-ask-1"}
        await esp.publish("meterhub/esp/frame/raw", make_jpeg(20), user_properties=asked)
        await clock.sleepers(1)  # the requested frame, waiting for its turn
        first = await seen.wait_for(on("meterhub/esp/frame"))
        assert first.payload == make_jpeg(0) and first.user_properties == own
        assert status.throttled == 19 and status.published == 1
        clock.advance(60)
        answer = await seen.wait_for(lambda m: m.topic == "meterhub/esp/frame" and m is not first)
        assert answer.user_properties["request_id"] == "bot-ask-1"
        assert answer.payload == make_jpeg(20)
        # A redelivered picture (QoS 1 resend) is not read twice.
        clock.advance(60)
        await esp.publish("meterhub/esp/frame/raw", make_jpeg(20))
        await status.wait_until(lambda: status.duplicates == 1, 5)
        # Junk, oversize, strangers and cameras that are not MQTT ones are refused, saying why.
        await esp.publish("meterhub/esp/frame/raw", png())
        await esp.publish("meterhub/esp/frame/raw", make_jpeg(1, size=(1600, 1200)) * 2)
        await esp.publish("meterhub/ghost/frame/raw", make_jpeg(1))
        await esp.publish("meterhub/snap/frame/raw", make_jpeg(1))
        await esp.publish(
            "meterhub/esp/frame/raw", make_jpeg(2), user_properties={"request_id": "x" * 70}
        )
        await seen.wait_for(on("meterhub/snap/rejected"))
        await status.wait_until(lambda: status.rejected == 3, 5)
    assert reasons(seen, "esp")[0] == "not a JPEG (PNG)"
    assert "exceeds the cap of 20000 bytes" in reasons(seen, "esp")[1]
    assert "request_id must be 1-64" in reasons(seen, "esp")[2]
    assert reasons(seen, "ghost") == ["unknown device (not a camera in the config)"]
    assert reasons(seen, "snap") == ["device takes frames from its snapshot source, not over MQTT"]
    frames = [m for m in seen.messages if m.topic == "meterhub/esp/frame"]
    assert len(frames) == 2


@pytest.fixture
def upload_config(broker, tmp_path, monkeypatch):
    from services.core.config import load_config_text

    monkeypatch.setenv("CAM_TOKEN", TOKEN)
    text = f"""
mqtt: {{host: {broker.host}, port: {broker.port}, reconnect_initial_s: 0.05}}
storage: {{data_dir: {tmp_path / "data"}}}
web: {{enabled: false}}
capture:
  http: {{port: 0}}
  min_interval_s: 0
  max_frame_bytes: 20000
devices:
  cam:
    kind: camera
    capture:
      source: {{kind: upload, token: "{{CAM_TOKEN}}"}}
  chatty:
    kind: camera
    capture:
      source: {{kind: upload, token: "{{CAM_TOKEN}}"}}
      min_interval_s: 3600
  esp: {{kind: camera}}
"""
    return load_config_text(text, "home.yml").config


async def test_upload_api_publishes_good_jpegs_and_refuses_the_rest_with_reasons(upload_config):
    seen = Collector()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    jpeg = {"Content-Type": "image/jpeg", **auth}
    async with (
        running_bus(upload_config.mqtt, "observer", {"meterhub/#": seen}),
        running_edge(upload_config) as edge,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.http_port}", timeout=5) as http,
    ):
        sent = await http.post(
            "/api/frames/cam",
            content=make_jpeg(1),
            headers=jpeg,
            params={"request_id": "web-42", "ts": "2026-11-22T04:59:00Z"},
        )
        assert sent.status_code == 202, sent.text
        frame = await seen.wait_for(on("meterhub/cam/frame"))
        assert frame.payload == make_jpeg(1)
        assert frame.user_properties["request_id"] == "web-42"
        assert frame.user_properties["frame_id"] == sent.json()["frame_id"]
        again = await http.post("/api/frames/cam", content=make_jpeg(1), headers=jpeg)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")

        refused = {
            "no token": await http.post("/api/frames/cam", content=make_jpeg(2)),
            "wrong token": await http.post(
                "/api/frames/cam", content=make_jpeg(2), headers={"Authorization": "Bearer nope"}
            ),
            "gif": await http.post("/api/frames/cam", content=b"GIF89a" + bytes(64), headers=auth),
            "oversize": await http.post("/api/frames/cam", content=b"\xff" * 30_000, headers=auth),
            "oversize, chunked": await http.post(
                "/api/frames/cam", content=_chunks(b"\xff\xd8\xff" + b"\x00" * 30_000), headers=auth
            ),
            "empty": await http.post("/api/frames/cam", content=b"", headers=auth),
            "not an uploader": await http.post(
                "/api/frames/esp", content=make_jpeg(2), headers=auth
            ),
        }
        status = {why: answer.status_code for why, answer in refused.items()}
        assert status == {
            "no token": 401,
            "wrong token": 401,
            "gif": 415,
            "oversize": 413,
            "oversize, chunked": 413,
            "empty": 400,
            "not an uploader": 404,
        }
        gif = "not an image format taken here (GIF; JPEG, PNG, BMP, WebP)"
        assert refused["gif"].json()["detail"] == gif
        assert "exceeds the cap of 20000 bytes" in refused["oversize"].json()["detail"]

        assert (
            await http.post("/api/frames/chatty", content=make_jpeg(3), headers=auth)
        ).status_code == 202
        flood = await http.post("/api/frames/chatty", content=make_jpeg(4), headers=auth)
        assert flood.status_code == 429 and int(flood.headers["Retry-After"]) > 3000
        await edge.cameras["cam"].status.wait_until(
            lambda: edge.cameras["cam"].status.rejected == 4, 5
        )
    cam_reasons = reasons(seen, "cam")
    assert cam_reasons[0] == gif and cam_reasons[3] == "empty frame"
    assert all("exceeds the cap" in r for r in cam_reasons[1:3])
    frames = [m.topic for m in seen.messages if m.topic.endswith("/frame")]
    assert frames == ["meterhub/cam/frame", "meterhub/chatty/frame"]


async def test_upload_api_takes_png_bmp_webp_and_jpeg_and_refuses_a_decompression_bomb(
    upload_config,
):
    seen = Collector()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        running_bus(upload_config.mqtt, "observer", {"meterhub/#": seen}),
        running_edge(upload_config) as edge,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.http_port}", timeout=5) as http,
    ):
        for value, name in enumerate(FORMATS, start=1):
            sent = await http.post(
                "/api/frames/cam", content=encoded(picture(40 * value), name), headers=auth
            )
            assert sent.status_code == 202, (name, sent.text)
            frame = await seen.wait_for(
                lambda m, sent=sent: m.user_properties.get("frame_id") == sent.json()["frame_id"]
            )
            assert frame.payload.startswith(b"\xff\xd8\xff"), name  # the bus carries JPEG
            assert abs(brightness(frame.payload) - 40 * value) < 3, name
        bomb = await http.post("/api/frames/cam", content=bomb_png(), headers=auth)
        words = "PNG of 20000x20000 pixels exceeds the cap of 40 megapixels"
        assert (bomb.status_code, bomb.json()["detail"]) == (413, words)
        await seen.wait_for(on("meterhub/cam/rejected"))
    assert reasons(seen, "cam") == [words]


def picture(value: int) -> np.ndarray:
    """80x60: small enough for the upload cap even as a BMP."""
    image = np.full((60, 80, 3), value, np.uint8)
    cv2.putText(image, "7", (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255,) * 3, 3)
    return image


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    """A body without Content-Length, so the cap must hold while reading."""
    for start in range(0, len(data), 4096):
        yield data[start : start + 4096]


async def test_watched_directory_sends_new_finished_images_only(broker, tmp_path):
    seen, clock = Collector(), ManualClock(START)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _write(inbox / "before-start.jpg", make_jpeg(99), mtime=1_794_000_000)
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "drum": {
                "kind": "camera",
                "capture": {"source": {"kind": "dirwatch", "path": str(inbox), "poll_s": 2}},
            }
        },
    )
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/#": seen}) as observer,
        running_edge(config, clock) as edge,
    ):
        status = edge.cameras["drum"].status

        async def scan(times: int = 1) -> None:
            for _ in range(times):
                await clock.sleepers(1)
                clock.advance(2)
            await clock.sleepers(1)

        await scan()
        assert status.published == 0 and status.state == "online"  # the old file is not sent
        _write(inbox / "pi-0001.png", png(80), mtime=1_795_000_000)
        await scan()  # seen once: maybe still being written
        assert status.published == 0
        await scan()
        frame = await seen.wait_for(on("meterhub/drum/frame"))
        assert frame.payload.startswith(b"\xff\xd8\xff") and abs(brightness(frame.payload) - 80) < 3
        assert frame.user_properties["ts"] == "2026-11-18T11:06:40Z"  # the file's time
        _write(inbox / "a.jpg", make_jpeg(5), mtime=1_795_000_100)
        _write(inbox / "b.jpg", make_jpeg(6), mtime=1_795_000_200)
        _write(inbox / ".partial.jpg", b"half")
        await scan(2)
        newest = await seen.wait_for(lambda m: m.payload == make_jpeg(6))
        assert status.extra["superseded"] == 1 and status.published == 2
        _write(inbox / "broken.jpg", b"this is no image", mtime=1_795_000_300)
        await scan(2)
        await seen.wait_for(on("meterhub/drum/rejected"))
        assert reasons(seen, "drum") == [
            "broken.jpg: not an image format taken here (starts with 74 68 69 73; "
            "JPEG, PNG, BMP, WebP)"
        ]
        # On request: the newest image there, even if it was sent before.
        await observer.publish(
            "meterhub/drum/cmd/capture", CaptureRequest(request_id="r1").to_payload()
        )
        asked = await seen.wait_for(lambda m: m.user_properties.get("request_id") == "r1")
        assert asked.payload == newest.payload  # broken.jpg is newer, but no image
        for name in os.listdir(inbox):
            (inbox / name).unlink()
        inbox.rmdir()
        await scan()
        await seen.wait_for(
            lambda m: m.topic == "meterhub/drum/availability" and m.payload == b"offline"
        )
        assert "cannot read" in status.last_error


async def test_watched_directory_takes_every_format_and_refuses_a_decompression_bomb(
    broker, tmp_path
):
    seen, clock = Collector(), ManualClock(START)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "drum": {
                "kind": "camera",
                "capture": {"source": {"kind": "dirwatch", "path": str(inbox), "poll_s": 2}},
            }
        },
    )
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/#": seen}),
        running_edge(config, clock) as edge,
    ):
        status = edge.cameras["drum"].status

        async def scan_twice() -> None:  # seen, then seen unchanged: taken
            for _ in range(2):
                await clock.sleepers(1)
                clock.advance(2)
            await clock.sleepers(1)

        for value, name in enumerate(FORMATS, start=1):
            _write(inbox / f"shot-{value}{FORMATS[name]}", encoded(picture(40 * value), name))
            await scan_twice()
            await status.wait_until(lambda value=value: status.published == value, 5)
            frame_id = status.last_frame_id
            frame = await seen.wait_for(
                lambda m, frame_id=frame_id: m.user_properties.get("frame_id") == frame_id
            )
            assert frame.payload.startswith(b"\xff\xd8\xff"), name
            assert abs(brightness(frame.payload) - 40 * value) < 3, name
        _write(inbox / "bomb.png", bomb_png())
        await scan_twice()
        await seen.wait_for(on("meterhub/drum/rejected"))
    assert reasons(seen, "drum") == [
        "bomb.png: PNG of 20000x20000 pixels exceeds the cap of 40 megapixels"
    ]
    assert status.published == len(FORMATS)


def _write(path: Path, data: bytes, mtime: float | None = None) -> None:
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    """Ten frames of rising brightness, as a camera whose exposure is still settling."""
    path = tmp_path / "camera.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    assert writer.isOpened()
    for index in range(10):
        writer.write(np.full((120, 160, 3), 10 + 20 * index, np.uint8))
    writer.release()
    return path


async def test_local_camera_through_opencv_drops_warmup_frames_and_reports_unplugged(
    broker, tmp_path, video_file
):
    seen = Collector()
    local = {"kind": "local", "warmup_frames": 3, "settle_s": 0}
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "drum": {"kind": "camera", "capture": {"source": {**local, "device": str(video_file)}}},
            "usb": {
                "kind": "camera",
                "capture": {"source": {**local, "device": str(tmp_path / "video97")}},
            },
        },
        capture={"retry": {"initial_s": 1, "give_up_s": 0.5}},
    )
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/#": seen}) as observer,
        running_edge(config) as edge,
    ):
        for device in ("drum", "usb"):
            await observer.publish(
                f"meterhub/{device}/cmd/capture",
                CaptureRequest(request_id=f"q-{device}").to_payload(),
            )
        frame = await seen.wait_for(on("meterhub/drum/frame"))
        rejected = await seen.wait_for(on("meterhub/usb/rejected"))
        assert frame.user_properties["request_id"] == "q-drum"
        assert (
            abs(brightness(frame.payload) - 70) < 5
        )  # the fourth frame: three warm-up frames dropped
        body = json.loads(rejected.payload)
        assert body["reading"]["request_id"] == "q-usb"
        assert "cannot open camera" in body["reason"] and "unplugged" in body["reason"]
        assert edge.cameras["usb"].status.state == "offline"
        assert edge.cameras["drum"].status.state == "online"


async def test_a_burst_asked_of_an_mqtt_camera_is_spread_into_single_requests(broker, tmp_path):
    seen, clock = Collector(), ManualClock(START)
    config = make_config(broker, tmp_path / "data", devices={"esp": {"kind": "camera"}})
    asks = "meterhub/esp/cmd/capture"
    async with (
        running_bus(config.mqtt, "observer", {asks: seen}) as bot,
        running_edge(config, clock),
    ):
        request = CaptureRequest(burst=3)
        await bot.publish(asks, request.to_payload())
        for count in (2, 3):  # the firmware took the first; the rest a second apart
            await clock.sleepers(1)
            clock.advance(1)
            await seen.wait_for(lambda m, n=count: len(seen.messages) == n)
    sent = [CaptureRequest.from_payload(m.payload) for m in seen.messages]
    assert {r.request_id for r in sent} == {request.request_id}
    assert [r.burst for r in sent] == [3, 1, 1]
