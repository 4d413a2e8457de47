"""A person's correction through a real Mosquitto into SQLite: the wrong reading is
replaced by a manual one, the change is logged, the roll-ups and the state follow."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta

from services.core.messages import Correction, Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.integration.page_and_services import worker_storage_and_page
from tests.integration.test_ocr_worker import lcd

START = datetime(2026, 11, 22, 5, 0, 10, tzinfo=UTC)
KWH = "energy_import_kwh"


def _reading(seconds: int, value: float, frame_id: str) -> Reading:
    return Reading(
        device="m1",
        ts=START + timedelta(seconds=seconds),
        source="ocr",
        values={KWH: value},
        frame_id=frame_id,
    )


async def _with_storage(config, body) -> None:
    stop, health = asyncio.Event(), Health()
    task = asyncio.create_task(
        run_services(config, [service_spec("storage")], stop=stop, health=health)
    )
    try:
        await asyncio.wait_for(health.wait_connected("storage"), 10)
        await body()
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def _rows(config, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(config.storage.sqlite_path) as db:
        return [tuple(row) for row in db.execute(sql, args)]


async def test_a_correction_replaces_a_wrong_reading_in_the_open(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    state, rejected = Collector(), Collector()
    watch = {"meterhub/m1/state": state, "meterhub/m1/rejected": rejected}
    async with (
        running_bus(config.mqtt, "test-observer", watch),
        running_bus(config.mqtt, "test-web") as web,
    ):

        async def body() -> None:
            await web.publish("meterhub/m1/reading", _reading(0, 12345.6, "f0").to_payload())
            await web.publish("meterhub/m1/reading", _reading(20, 99999.9, "f1").to_payload())
            await state.wait_for(lambda m: json.loads(m.payload).get(KWH) == 99999.9)
            correction = Correction(
                device="m1",
                ts=START + timedelta(seconds=21),  # the page's idea of the time; the frame decides
                quantity=KWH,
                value=12345.7,
                frame_id="f1",
                who="ana",
                via="web",
            )
            await web.publish("meterhub/m1/correction", correction.to_payload())
            await state.wait_for(lambda m: json.loads(m.payload).get(KWH) == 12345.7)
            # Redelivered: changes nothing, logs nothing twice.
            await web.publish("meterhub/m1/correction", correction.to_payload())
            bad = correction.model_copy(update={"value": -1.0, "at": datetime.now(UTC)})
            await web.publish("meterhub/m1/correction", bad.to_payload())
            await rejected.wait_for(lambda m: b"never negative" in m.payload)

        await _with_storage(config, body)

    wrong_ts = "2026-11-22T05:00:30.000000Z"
    assert _rows(config, "SELECT ts, source, value FROM readings ORDER BY ts") == [
        ("2026-11-22T05:00:10.000000Z", "ocr", 12345.6),
        (wrong_ts, "manual", 12345.7),
    ]
    assert _rows(
        config, "SELECT ts, frame_id, old_value, old_source, new_value, who, via FROM corrections"
    ) == [(wrong_ts, "f1", 99999.9, "ocr", 12345.7, "ana", "web")]
    assert _rows(config, "SELECT source, value FROM latest WHERE quantity = ?", KWH) == [
        ("manual", 12345.7)
    ]
    for period in ("minute", "quarter", "hour", "day", "month"):
        [(n, high, rise, fall, last)] = _rows(
            config,
            "SELECT n, max, rise, fall, last FROM rollups WHERE period = ?",
            period,
        )
        assert (n, high, last, fall) == (2, 12345.7, 12345.7, 0.0), period
        assert abs(rise - 0.1) < 1e-6, period


async def test_a_refused_frame_corrected_becomes_a_manual_reading(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    state = Collector()
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/m1/state": state}),
        running_bus(config.mqtt, "test-bot") as bot,
    ):

        async def body() -> None:
            await bot.publish("meterhub/m1/reading", _reading(0, 500.0, "f0").to_payload())
            await state.wait_for(lambda m: json.loads(m.payload).get(KWH) == 500.0)
            correction = Correction(
                device="m1",
                ts=START + timedelta(minutes=3),
                quantity=KWH,
                value=500.4,
                frame_id="refused-1",
                who="chat 42",
                via="telegram",
            )
            await bot.publish("meterhub/m1/correction", correction.to_payload())
            await state.wait_for(lambda m: json.loads(m.payload).get(KWH) == 500.4)

        await _with_storage(config, body)

    assert _rows(config, "SELECT source, value FROM readings ORDER BY ts") == [
        ("ocr", 500.0),
        ("manual", 500.4),
    ]
    assert _rows(config, "SELECT old_value, old_source, new_value, via FROM corrections") == [
        (None, None, 500.4, "telegram")
    ]
    [(rise,)] = _rows(config, "SELECT rise FROM rollups WHERE period = 'day'")
    assert abs(rise - 0.4) < 1e-6


async def test_a_refused_frame_corrected_on_the_web_page_is_stored_and_kept_for_training(
    broker, tmp_path
):
    """Web API -> bus -> storage, with the real OCR worker refusing the frame first."""
    config = make_config(
        broker,
        tmp_path / "data",
        devices={"pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2}}},
    )
    async with worker_storage_and_page(config) as (seen, camera, page):

        async def send(seconds: int, text: str, frame_id: str) -> None:
            ts = (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
            props = {"ts": ts, "frame_id": frame_id}
            await camera.publish("meterhub/pln/frame", lcd(text), user_properties=props)

        await send(0, "127.00", "good")
        await seen.wait_for(
            lambda m: (
                m.topic == "meterhub/pln/state"
                and json.loads(m.payload).get("token_balance_kwh") == 127.0
            )
        )
        await send(60, "6789.00", "wrong")  # judged against the state: refused
        await seen.wait_for(
            lambda m: m.topic == "meterhub/pln/rejected" and b'"wrong"' in m.payload
        )
        too_long = await page.post("/api/devices/pln/corrections", json={"value": 1e9})
        assert too_long.status_code == 422 and "6 digits" in too_long.text
        answer = await page.post(
            "/api/devices/pln/corrections", json={"value": 126.95, "frame_id": "wrong"}
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["example"] == "wrong"
        await seen.wait_for(
            lambda m: (
                m.topic == "meterhub/pln/state"
                and json.loads(m.payload).get("token_balance_kwh") == 126.95
            )
        )
        [example] = (await page.get("/api/devices/pln/training")).json()
        image = await page.get("/api/devices/pln/training/wrong/image")
        assert image.headers["content-type"] == "image/jpeg"
        on_disk = config.storage.data_dir / "training" / "pln"
        assert (on_disk / "wrong.jpg").read_bytes() == image.content == lcd("6789.00")
        assert example["read_as"] == "678900" and example["kind"] == "lcd7"
        assert len(example["boxes"]) == 6 and example["label"] == "012695"
        assert "more than a top-up" in example["reason"] and example["via"] == "web"
        assert (await page.delete("/api/devices/pln/training/wrong")).status_code == 204
        assert (await page.get("/api/devices/pln/training")).json() == []
        assert not (on_disk / "wrong.jpg").exists()
    assert _rows(config, "SELECT source, value, frame_id FROM readings ORDER BY ts") == [
        ("ocr", 127.0, "good"),
        ("manual", 126.95, "wrong"),
    ]
    assert _rows(config, "SELECT old_value, new_value, who, via, example FROM corrections") == [
        (None, 126.95, "local page", "web", "wrong")
    ]
