"""The OCR worker against a real Mosquitto: frames in, readings or reasoned rejections out.

Frames are rendered by the simulator's own renderers and published the way the capture
gateway publishes them (``<dev>/frame`` with ``ts`` and ``frame_id`` properties). The
previous accepted value comes from a retained ``<dev>/state``, as storage leaves it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from services.core.config import MeterhubConfig
from services.core.config.simulator import FrameEffects
from services.core.contract import Channel
from services.core.messages import CaptureRequest, OcrResult, OcrRois, Reading, Rejected, new_id
from services.core.runtime import run_services
from services.core.runtime.bus import Bus
from services.core.runtime.health import Health
from services.core.runtime.runner import ServiceContext
from services.domain.device_models import DeviceModels
from services.ocr_worker import service as ocr_service
from services.ocr_worker.pipeline import FramePipeline
from services.ocr_worker.service import OcrWorker
from services.registry import service_spec
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
LCD_WINDOW = (110, 47, 420, 190)
KEYPAD = (150, 240, 260, 220)  # a display ROI on the wrong part of the meter


@dataclass
class Worker:
    config: MeterhubConfig
    observer: Bus
    seen: Collector

    async def send(self, payload: bytes, seconds: float = 0.0) -> str:
        frame_id = new_id()
        ts = (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
        await self.observer.publish(
            "meterhub/pln/frame", payload, user_properties={"ts": ts, "frame_id": frame_id}
        )
        return frame_id

    async def outcome(self, frame_id: str) -> Reading | Rejected:
        """The reading or the rejection the worker published for one frame."""

        def about(message) -> bool:
            if message.topic == "meterhub/pln/reading":
                return json.loads(message.payload).get("frame_id") == frame_id
            if message.topic == "meterhub/pln/rejected":
                return (json.loads(message.payload).get("reading") or {}).get(
                    "frame_id"
                ) == frame_id
            return False

        message = await self.seen.wait_for(about, timeout=30)
        model = Reading if message.topic.endswith("/reading") else Rejected
        return model.from_payload(message.payload)

    async def ocr_message(self, frame_id: str) -> OcrResult:
        message = await self.seen.wait_for(
            lambda m: (
                m.topic == "meterhub/pln/ocr" and json.loads(m.payload)["frame_id"] == frame_id
            )
        )
        return OcrResult.from_payload(message.payload)


@asynccontextmanager
async def ocr_worker(config: MeterhubConfig) -> AsyncIterator[Worker]:
    seen = Collector()
    async with running_bus(config.mqtt, "test-observer", {"meterhub/#": seen}) as observer:
        stop = asyncio.Event()
        services = asyncio.create_task(
            run_services(config, [service_spec("ocr_worker")], stop=stop)
        )
        await seen.wait_for(
            lambda m: (
                m.topic == "meterhub/service/ocr_worker/availability" and m.payload == b"online"
            )
        )
        try:
            yield Worker(config, observer, seen)
        finally:
            stop.set()
            await asyncio.wait_for(services, 30)


def pln_config(broker, tmp_path, **ocr) -> MeterhubConfig:
    return make_config(
        broker,
        tmp_path / "data",
        devices={"pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2, **ocr}}},
    )


def lcd(text: str, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    effects = FrameEffects(blur=0.6, noise=5, perspective=0.02, glare=0.2)
    return encode_jpeg(render_lcd_frame(text, 6, effects, rng))


async def test_implausible_readings_are_rejected_with_the_reason_and_a_top_up_is_flagged(
    broker, tmp_path
):
    config = pln_config(broker, tmp_path)
    async with running_bus(config.mqtt, "test-storage") as storage:
        state = {"ts": "2026-11-22T05:00:00Z", "token_balance_kwh": 127.0}
        await storage.publish("meterhub/pln/state", json.dumps(state), retain=True)
    async with ocr_worker(config) as worker:
        garbage = await worker.outcome(await worker.send(lcd("6789.00"), seconds=60))
        assert isinstance(garbage, Rejected) and garbage.source == "ocr"
        assert "more than a top-up" in garbage.reason
        assert garbage.reading["value"] == 6789.0  # what was read, kept for the record

        too_fast = await worker.outcome(await worker.send(lcd("117.00"), seconds=60))
        assert isinstance(too_fast, Rejected) and "fell too fast" in too_fast.reason

        token = await worker.outcome(await worker.send(lcd("147.00"), seconds=90))
        assert isinstance(token, Reading) and token.top_up == 20.0
        assert token.values == {"token_balance_kwh": 147.0}

        used = await worker.outcome(await worker.send(lcd("126.95"), seconds=3600))
        assert isinstance(used, Reading) and used.top_up is None

    readings = [m for m in worker.seen.messages if m.topic == "meterhub/pln/reading"]
    assert [Reading.from_payload(m.payload).values["token_balance_kwh"] for m in readings] == [
        147.0,
        126.95,
    ]


async def test_bad_frames_are_rejected_with_reasons_and_the_worker_reads_on(broker, tmp_path):
    config = pln_config(broker, tmp_path)
    good = lcd("127.03")
    bad = {
        "empty": (b"", "empty frame payload"),
        "truncated": (good[: len(good) // 2], "truncated"),
        "not a JPEG": (b"\x89PNG\r\n\x1a\n" + bytes(4000), "not a JPEG image (PNG)"),
        "50 MB": (b"\xff\xd8" + bytes(50 * 1024 * 1024 - 4) + b"\xff\xd9", "exceeds"),
    }
    async with ocr_worker(config) as worker:
        for payload, reason in bad.values():
            rejected = await worker.outcome(await worker.send(payload))
            assert isinstance(rejected, Rejected) and reason in rejected.reason
        reading = await worker.outcome(await worker.send(good))
        assert isinstance(reading, Reading) and reading.values["token_balance_kwh"] == 127.03


async def test_rois_marked_at_runtime_are_used_from_the_next_frame(broker, tmp_path):
    config = pln_config(broker, tmp_path, display_roi=list(KEYPAD))
    async with ocr_worker(config) as worker:
        refused = await worker.outcome(await worker.send(lcd("127.03")))
        assert isinstance(refused, Rejected)

        marked = OcrRois(display=LCD_WINDOW, updated=T0)
        await worker.observer.publish("meterhub/pln/ocr/rois", marked.to_payload(), retain=True)
        frame_id = await worker.send(lcd("127.03", seed=2))
        reading = await worker.outcome(frame_id)
        assert isinstance(reading, Reading) and reading.values["token_balance_kwh"] == 127.03
        assert (await worker.ocr_message(frame_id)).rois_updated == T0

        # Cleared in the web page: the config's (misplaced) display ROI applies again.
        cleared = OcrRois(updated=T0 + timedelta(minutes=1))
        await worker.observer.publish("meterhub/pln/ocr/rois", cleared.to_payload(), retain=True)
        assert isinstance(await worker.outcome(await worker.send(lcd("127.03"))), Rejected)

        # The file the web page writes is enough by itself (a worker beside the web page).
        newer = OcrRois(display=LCD_WINDOW, updated=T0 + timedelta(minutes=2))
        path = OcrRois.file(config.storage.data_dir, "pln")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(newer.to_payload())
        frame_id = await worker.send(lcd("127.03", seed=3))
        assert isinstance(await worker.outcome(frame_id), Reading)
        assert (await worker.ocr_message(frame_id)).rois_updated == newer.updated


async def test_the_annotated_image_shows_what_was_read(broker, tmp_path):
    config = pln_config(broker, tmp_path)
    async with ocr_worker(config) as worker:
        jpeg = lcd("127.03")
        frame_id = await worker.send(jpeg)
        assert isinstance(await worker.outcome(frame_id), Reading)
        ocr = await worker.ocr_message(frame_id)
    folder = config.storage.data_dir / "images" / "pln"
    assert (folder / "latest.jpg").read_bytes() == jpeg
    annotated = cv2.imdecode(
        np.frombuffer((folder / "annotated.jpg").read_bytes(), np.uint8), cv2.IMREAD_COLOR
    )
    raw = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert ocr.digits == "12703" and len(ocr.boxes) == 5
    for x, y, w, _ in ocr.boxes:  # every digit box is drawn where the ocr message says
        outline = annotated[y, x : x + w].astype(int) - raw[y, x : x + w]
        assert np.abs(outline).mean() > 30
    assert sorted(p.name for p in folder.iterdir()) == ["annotated.jpg", "latest.jpg", "recent"]
    # The frame is kept with what was read, for a correction typed later.
    assert sorted(p.name for p in (folder / "recent").iterdir()) == [
        f"{frame_id}.jpg",
        f"{frame_id}.json",
    ]
    record = json.loads((folder / "recent" / f"{frame_id}.json").read_bytes())
    assert record["digits"] == "12703" and len(record["boxes"]) == 5 and record["reason"] is None


async def test_frames_queued_while_the_worker_was_down_are_judged_against_the_state(
    broker, tmp_path
):
    """A persistent session hands over queued frames before any retained message; the
    worker must still know the previous accepted value when it judges the first one."""
    config = pln_config(broker, tmp_path)
    async with ocr_worker(config) as worker:  # joins $share/ocr with a persistent session
        first = await worker.outcome(await worker.send(lcd("127.03"), seconds=0))
        assert isinstance(first, Reading)
    async with running_bus(config.mqtt, "test-storage-and-camera") as outside:
        state = {"ts": "2026-11-22T05:00:00Z", "token_balance_kwh": 127.03}
        await outside.publish("meterhub/pln/state", json.dumps(state), retain=True)
        queued = new_id()
        await outside.publish(
            "meterhub/pln/frame",
            lcd("6789.00"),
            user_properties={"ts": "2026-11-22T05:01:00Z", "frame_id": queued},
        )
        await outside.flush(10)
    async with ocr_worker(config) as worker:
        garbage = await worker.outcome(queued)
        assert isinstance(garbage, Rejected) and "more than a top-up" in garbage.reason


async def test_rois_no_reader_could_use_are_refused_with_a_reason_and_never_applied(
    broker, tmp_path
):
    """Six 1x1 digit boxes once reached the classifier, which raised "not a digit image"
    in the worker's handler: no reading, no rejection, a silent meter."""
    config = pln_config(broker, tmp_path)
    async with ocr_worker(config) as worker:
        specks = OcrRois(digits=[(150 + 60 * i, 90, 1, 1) for i in range(6)], updated=T0)
        await worker.observer.publish("meterhub/pln/ocr/rois", specks.to_payload(), retain=True)
        refusal = await worker.seen.wait_for(lambda m: m.topic == "meterhub/pln/rejected")
        rejected = Rejected.from_payload(refusal.payload)
        assert rejected.source == "ocr"
        assert rejected.reason.startswith("ROIs ignored: digit 1 is 1x1 px, under the 8 px")
        assert json.loads(rejected.reading["rois"]) == json.loads(specks.to_payload())

        frame_id = await worker.send(lcd("127.03"))
        reading = await worker.outcome(frame_id)  # read as if none were marked
        assert isinstance(reading, Reading) and reading.values["token_balance_kwh"] == 127.03
        assert (await worker.ocr_message(frame_id)).rois_updated is None
    refusals = [m for m in worker.seen.messages if m.topic == "meterhub/pln/rejected"]
    assert len(refusals) == 1  # retained, heard on two connections: reported once


class BrokenModel:
    """A digit classifier with a bug: a failure no check foresaw."""

    def predict(self, crops):
        raise RuntimeError("weights do not fit")


async def test_an_unforeseen_failure_is_a_rejection_naming_it_not_a_silent_meter(broker, tmp_path):
    digits = [[150 + 60 * i, 90, 50, 100] for i in range(6)]
    config = pln_config(broker, tmp_path, digit_rois=digits)
    seen = Collector()
    bus = Bus(config.mqtt, "ocr-under-test")
    worker = OcrWorker(
        config, bus, FramePipeline(config.storage.data_dir, lambda kind: BrokenModel())
    )
    worker.followed.synced.set()  # no retained state to wait for
    bus.on(Channel.FRAME, worker.on_frame)
    running = asyncio.create_task(bus.run())
    try:
        async with running_bus(config.mqtt, "test-observer", {"meterhub/pln/#": seen}) as camera:
            await asyncio.wait_for(bus.connected.wait(), 10)
            frame = lcd("127.03")
            await camera.publish("meterhub/pln/frame", frame, user_properties={"frame_id": "f1"})
            message = await seen.wait_for(lambda m: m.topic == "meterhub/pln/rejected")
    finally:
        await bus.stop()
        await asyncio.wait_for(running, 10)
    rejected = Rejected.from_payload(message.payload)
    assert rejected.reason == "OCR failed on this frame: RuntimeError: weights do not fit"
    assert rejected.reading["frame_id"] == "f1"


async def test_with_confirm_frames_a_value_is_published_once_frames_in_a_row_agree(
    broker, tmp_path
):
    config = pln_config(broker, tmp_path, confirm_frames=3)
    async with ocr_worker(config) as worker:
        waiting = [await worker.send(lcd("127.03", seed=n), seconds=n) for n in (1, 2)]
        await worker.send(b"", seconds=3)  # refused: the run starts again after it
        again = [await worker.send(lcd("127.03", seed=n), seconds=n) for n in (4, 5)]
        falling = await worker.send(lcd("127.02", seed=6), seconds=6)  # a balance falls
        reading = await worker.outcome(falling)
        assert isinstance(reading, Reading) and reading.values["token_balance_kwh"] == 127.02

    # Messages reach the observer in the order the worker published them: the frames
    # before were decided by then, and waiting ones were neither read nor refused.
    answered = {
        (json.loads(m.payload).get("frame_id") or json.loads(m.payload)["reading"]["frame_id"])
        for m in worker.seen.messages
        if m.topic in ("meterhub/pln/reading", "meterhub/pln/rejected")
    }
    assert not answered & {*waiting, *again}
    assert len(answered) == 2  # the empty frame's rejection and the confirmed reading


async def test_a_broken_device_model_switched_to_mid_run_never_silences_the_meter(broker, tmp_path):
    """active.json is checked per frame: a model file that cannot be loaded, switched to
    while the worker runs, is logged and the shipped model reads on."""
    config = pln_config(broker, tmp_path)
    store = DeviceModels(config.storage.data_dir)
    async with ocr_worker(config) as worker:
        first = await worker.outcome(await worker.send(lcd("127.03")))
        assert isinstance(first, Reading)
        store.activate("pln", "lcd", store.add("pln", "lcd", b"not a model"), why="test")
        after = await worker.outcome(await worker.send(lcd("126.95"), seconds=3600))
        assert isinstance(after, Reading) and after.values["token_balance_kwh"] == 126.95


async def test_other_registers_of_a_cycling_display_neither_break_nor_extend_a_confirm_run(
    broker, tmp_path
):
    config = pln_config(broker, tmp_path, confirm_frames=3, cycling=True)
    async with ocr_worker(config) as worker:
        frames = [lcd("127.03", 1), lcd("04.12.26", 2), lcd("127.03", 3), lcd("900", 4)]
        sent = [await worker.send(frame, seconds=n) for n, frame in enumerate(frames)]
        date, tariff = (await worker.outcome(sent[1])), (await worker.outcome(sent[3]))
        last = await worker.send(lcd("127.03", 5), seconds=5)
        reading = await worker.outcome(last)

    for refused in (date, tariff):
        assert isinstance(refused, Rejected) and refused.reason == "showing another register"
        assert not refused.is_failure and refused.reading["layout"]
    assert isinstance(reading, Reading) and reading.values["token_balance_kwh"] == 127.03
    answered = {
        (json.loads(m.payload).get("frame_id") or json.loads(m.payload)["reading"]["frame_id"])
        for m in worker.seen.messages
        if m.topic in ("meterhub/pln/reading", "meterhub/pln/rejected")
    }
    assert answered == {sent[1], sent[3], last}  # the first two balance frames waited


async def test_a_burst_on_a_cycling_simulated_meter_is_answered_with_the_balance(broker, tmp_path):
    config = make_config(
        broker,
        tmp_path / "data",
        devices={"pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2, "cycling": True}}},
        simulator={
            "enabled": True,
            "meters": {
                "pln": {
                    "type": "prepaid_camera",
                    "balance_kwh": 127.0,
                    "frame_interval_s": 3600,
                    "cycling": True,
                }
            },
        },
    )
    seen = Collector()
    async with running_bus(config.mqtt, "test-observer", {"meterhub/#": seen}) as observer:
        stop = asyncio.Event()
        specs = [service_spec("ocr_worker"), service_spec("simulator")]
        services = asyncio.create_task(run_services(config, specs, stop=stop))
        try:
            for name in ("ocr_worker", "simulator"):
                await seen.wait_for(
                    lambda m, n=name: (
                        m.topic == f"meterhub/service/{n}/availability" and m.payload == b"online"
                    )
                )
            request = CaptureRequest(burst=3)
            await observer.publish("meterhub/pln/cmd/capture", request.to_payload())

            def answers(message) -> list[Reading | Rejected]:
                found: list[Reading | Rejected] = []
                for m in seen.messages:
                    if m.topic == "meterhub/pln/reading":
                        found.append(Reading.from_payload(m.payload))
                    elif m.topic == "meterhub/pln/rejected":
                        found.append(Rejected.from_payload(m.payload))
                return [
                    a
                    for a in found
                    if (a.request_id if isinstance(a, Reading) else a.reading.get("request_id"))
                    == request.request_id
                ]

            await seen.wait_for(lambda m: len(answers(m)) == 3, timeout=30)
        finally:
            stop.set()
            await asyncio.wait_for(services, 30)
    readings = [a for a in answers(None) if isinstance(a, Reading)]
    refused = [a for a in answers(None) if isinstance(a, Rejected)]
    assert len(readings) == 1 and 126.0 < readings[0].values["token_balance_kwh"] <= 127.0
    assert [r.reason for r in refused] == ["showing another register"] * 2
    assert not any(r.is_failure for r in refused)


async def test_a_burst_is_answered_by_its_first_reading_only(broker, tmp_path):
    async with ocr_worker(pln_config(broker, tmp_path)) as worker:
        ts = T0.isoformat().replace("+00:00", "Z")
        for n in range(3):
            properties = {"ts": ts, "frame_id": f"b{n}", "request_id": "burst-1"}
            await worker.observer.publish(
                "meterhub/pln/frame", lcd("127.03", seed=n), user_properties=properties
            )
        after = await worker.outcome(await worker.send(lcd("127.03", seed=9), seconds=1))
        assert isinstance(after, Reading)  # the burst's frames were all judged before it
    answers = [
        json.loads(m.payload)["frame_id"]
        for m in worker.seen.messages
        if m.topic == "meterhub/pln/reading"
        and json.loads(m.payload).get("request_id") == "burst-1"
    ]
    assert answers == ["b0"]


async def test_the_follow_session_failing_fails_the_worker_so_it_is_restarted(
    broker, tmp_path, monkeypatch
):
    """The second connection is part of the service, not a loose task dying unseen."""
    config = pln_config(broker, tmp_path)

    class BrokenFollowBus(Bus):
        async def run(self) -> None:
            raise RuntimeError("follow session broke")

    monkeypatch.setattr(ocr_service, "Bus", BrokenFollowBus)
    ctx = ServiceContext(config, Bus(config.mqtt, "ocr_worker"), Health())
    with pytest.raises(ExceptionGroup) as raised:
        await asyncio.wait_for(ocr_service.main(ctx), 30)
    assert raised.group_contains(RuntimeError, match="follow session broke")
