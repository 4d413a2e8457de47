"""A /cektoken burst through a real Mosquitto: the first reading of its photos answers,
a cycling display's other registers do not, and refusals answer once every photo is in."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from services.core.messages import OTHER_REGISTER, CaptureRequest, Rejected
from services.core.runtime.bus import Bus
from services.core.runtime.clock import SystemClock
from services.notifier.checks import BalanceChecker
from services.notifier.meters import MeterWatch
from tests.bus_helpers import running_bus
from tests.conftest import make_config

TS = "2026-11-22T05:00:00Z"


@asynccontextmanager
async def watching(config):
    bus = Bus(config.mqtt, "notifier-test")
    watch = MeterWatch(bus, SystemClock())
    watch.subscribe()
    task = asyncio.create_task(bus.run())
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        yield watch
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)


def refusal(request_id: str, reason: str) -> bytes:
    about = {"frame_id": reason, "request_id": request_id}
    return Rejected(device="pln", source="ocr", reason=reason, reading=about).to_payload()


def reading(request_id: str, value: float) -> bytes:
    return (
        f'{{"device": "pln", "ts": "{TS}", "source": "ocr", "request_id": "{request_id}", '
        f'"values": {{"token_balance_kwh": {value}}}}}'
    ).encode()


async def test_the_first_reading_of_a_burst_answers_past_other_registers(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    async with watching(config) as watch, running_bus(config.mqtt, "ocr") as ocr:
        answer = watch.expect_capture("pln", "r1", burst=3)
        await ocr.publish("meterhub/pln/rejected", refusal("r1", OTHER_REGISTER))
        await ocr.publish("meterhub/pln/reading", reading("r1", 127.03))
        await ocr.publish("meterhub/pln/rejected", refusal("r1", OTHER_REGISTER))
        got = await asyncio.wait_for(answer, 10)
    assert got.values == {"token_balance_kwh": 127.03}


async def test_a_burst_all_refused_answers_with_a_failure_before_another_register(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    async with watching(config) as watch, running_bus(config.mqtt, "ocr") as ocr:
        answer = watch.expect_capture("pln", "r2", burst=3)
        for reason in (OTHER_REGISTER, "glare hides part of digit 2", OTHER_REGISTER):
            await ocr.publish("meterhub/pln/rejected", refusal("r2", reason))
        got = await asyncio.wait_for(answer, 10)
    assert isinstance(got, Rejected) and got.reason == "glare hides part of digit 2"


def test_cektoken_asks_for_its_burst_and_at_least_confirm_frames(broker, tmp_path):
    devices = {
        "pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2}},
        "sure": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2, "confirm_frames": 5}},
    }
    config = make_config(broker, tmp_path / "data", devices=devices)
    checker = BalanceChecker(config, None, None, None, SystemClock())  # type: ignore[arg-type]
    assert (checker.burst("pln"), checker.burst("sure")) == (3, 5)
    assert CaptureRequest(burst=checker.burst("sure")).burst == 5
