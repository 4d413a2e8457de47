"""Teaching Meterhub a meter it cannot read, the whole way a user goes (issue: OCR that
learns from its users): the real OCR worker and storage on a real Mosquitto refuse every
photo of a meter whose look the shipped model does not know; the user types what each
display showed on the meter page; the page's Train button fine-tunes that meter's model;
the running worker then reads new photos of the meter, and the photos it refused before.

The fine-tune needs the ``train`` extra (PyTorch); without it the test is skipped (the
page's answer without it is tested in ``tests/web/test_device_models_api.py``)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from services.core.messages import Reading, Rejected, new_id
from services.ocr_training.display_frames import DisplayFrame, FixedMeter
from services.ocr_worker.pipeline import FramePipeline, Rois
from tests.conftest import make_config
from tests.integration.page_and_services import worker_storage_and_page

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="training needs the train extra: pip install -e '.[train]'",
)

START = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
BALANCE = "token_balance_kwh"
# DSEG fonts, light digits on a dark glass: the shipped model refuses every photo of it.
METER = FixedMeter(renderer="dseg", style="inverse", digits=6, decimals=2, seed=0)
TAUGHT, FRESH = 10, 10
STEP_KWH = 0.37  # used between two photos a minute apart


def _photos(first: int, count: int, seed: int) -> list[DisplayFrame]:
    rng = np.random.default_rng(seed)
    return [METER.photo(127.0 - STEP_KWH * k, rng) for k in range(first, first + count)]


async def test_a_meter_the_shipped_model_refuses_is_read_after_its_corrections(broker, tmp_path):
    taught, fresh = _photos(0, TAUGHT, seed=1), _photos(TAUGHT, FRESH, seed=2)
    cells = [list(box) for box in taught[0].cells]
    ocr = {"digits": METER.digits, "decimals": METER.decimals, "digit_rois": cells}
    config = make_config(broker, tmp_path / "data", devices={"pln": {"kind": "camera", "ocr": ocr}})
    async with worker_storage_and_page(config) as (seen, camera, page):
        minute = iter(range(10_000))

        async def outcome(photo: DisplayFrame) -> tuple[str, Reading | Rejected]:
            frame_id, at = new_id(), START + timedelta(minutes=next(minute))
            props = {"ts": at.isoformat().replace("+00:00", "Z"), "frame_id": frame_id}
            await camera.publish("meterhub/pln/frame", photo.jpeg, user_properties=props)

            def about(message) -> bool:
                if not message.topic.endswith(("/pln/reading", "/pln/rejected")):
                    return False
                body = json.loads(message.payload)
                return (body.get("reading") or body).get("frame_id") == frame_id

            message = await seen.wait_for(about, timeout=60)
            model = Reading if message.topic.endswith("/reading") else Rejected
            return frame_id, model.from_payload(message.payload)

        before = [await outcome(photo) for photo in taught]
        assert all(isinstance(result, Rejected) for _, result in before), before

        for (frame_id, _), photo in zip(before, taught, strict=True):
            answer = await page.post(
                "/api/devices/pln/corrections",
                json={"value": photo.value, "frame_id": frame_id},
            )
            assert answer.status_code == 202, answer.text
        await seen.wait_for(
            lambda m: (
                m.topic == "meterhub/pln/state"
                and json.loads(m.payload).get(BALANCE) == taught[-1].value
            )
        )
        assert len((await page.get("/api/devices/pln/training")).json()) == TAUGHT

        started = await page.post("/api/devices/pln/training/run")
        assert started.status_code == 202, started.text
        runs = page._transport.app.state.web.training  # the app behind the test client
        await asyncio.wait_for(runs.wait("pln"), 1800)
        status = (await page.get("/api/devices/pln/training/status")).json()
        assert status["state"] == "switched", status["lines"]
        models = (await page.get("/api/devices/pln/models")).json()
        assert models["active"]["active"] in models["files"]

        after = [(photo, (await outcome(photo))[1]) for photo in fresh]
        read = [(p, r) for p, r in after if isinstance(r, Reading)]
        assert all(r.values[BALANCE] == p.value for p, r in read), read  # never wrong
        assert len(read) >= FRESH // 2, [r for _, r in after]

    # The photos refused at first, read again as the worker reads (its data directory,
    # so the meter's own model, and the digit boxes marked).
    pipeline = FramePipeline(config.storage.data_dir, keep_images=False)
    again = [
        pipeline.process(
            "pln", photo.jpeg, config.devices["pln"].ocr, Rois(digits=photo.cells), None
        )
        for photo in taught
    ]
    assert all(
        o.read is None or o.read.value == p.value for o, p in zip(again, taught, strict=True)
    )
    assert sum(o.read is not None for o in again) >= TAUGHT // 2
