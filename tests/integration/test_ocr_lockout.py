"""No lock-outs, against a real Mosquitto with storage and the OCR worker running.

A counter at 12345.6 kWh once had 99999.9 stored (a misread let through): from then on
every right frame "went backwards". Frames that agree with each other over two minutes
replace the stored value, with ``corrected_from``; fewer frames, a shorter span or a
single outlier never do. Time is the frames' own ``ts`` property, so nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.core.config import MeterhubConfig
from services.core.messages import Correction, Reading, Rejected
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.integration.test_ocr_worker import T0, Worker, lcd

QUANTITY = "energy_import_kwh"


def counter_config(broker, tmp_path) -> MeterhubConfig:
    ocr = {"digits": 6, "decimals": 1, "quantity": QUANTITY}
    return make_config(broker, tmp_path / "data", devices={"pln": {"kind": "camera", "ocr": ocr}})


@asynccontextmanager
async def services(config: MeterhubConfig, *names: str) -> AsyncIterator[None]:
    """The services, connected and subscribed, until the block ends."""
    stop, health = asyncio.Event(), Health()
    specs = [service_spec(name) for name in names]
    running = asyncio.create_task(run_services(config, specs, stop=stop, health=health))
    try:
        for name in names:
            await asyncio.wait_for(health.wait_connected(name), 10)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


@asynccontextmanager
async def storage_and_worker(
    config: MeterhubConfig, stored_before: tuple[float, ...] = ()
) -> AsyncIterator[Worker]:
    """Storage and the worker, restarted after storing ``stored_before`` (a minute apart,
    the last a minute before the first frame): the worker judges its first frame against
    the retained state it waits for at start."""
    seen = Collector()
    async with running_bus(config.mqtt, "test-observer", {"meterhub/#": seen}) as observer:
        worker = Worker(config, observer, seen)
        async with services(config, "storage", "ocr_worker"):
            for n, value in enumerate(stored_before):
                await store(worker, value, seconds=60.0 * (n - len(stored_before)))
        async with services(config, "storage", "ocr_worker"):
            yield worker


async def stored(worker: Worker, value: float) -> None:
    """Storage has published ``value`` as the device's state."""
    await worker.seen.wait_for(
        lambda m: m.topic == "meterhub/pln/state" and json.loads(m.payload).get(QUANTITY) == value
    )


async def store(worker: Worker, value: float, seconds: float, source: str = "ocr") -> None:
    ts = T0.timestamp() + seconds
    reading = Reading(
        device="pln",
        ts=T0.fromtimestamp(ts, T0.tzinfo),
        source=source,  # type: ignore[arg-type]
        values={QUANTITY: value},
    )
    await worker.observer.publish("meterhub/pln/reading", reading.to_payload())
    await stored(worker, value)


async def frame(worker: Worker, text: str, seconds: float, seed: int) -> Reading | Rejected:
    return await worker.outcome(await worker.send(lcd(text, seed=seed), seconds=seconds))


async def test_frames_that_agree_over_two_minutes_replace_a_wrong_stored_value(broker, tmp_path):
    # 99999.9: the misread that locks the meter out.
    config = counter_config(broker, tmp_path)
    async with storage_and_worker(config, stored_before=(12345.6, 99999.9)) as worker:
        # Three agreeing frames, but within a minute: refused, saying how far they got.
        for n, seconds in enumerate((0, 30, 60)):
            refused = await frame(worker, "12345.7", seconds, seed=n)
            assert isinstance(refused, Rejected), refused
            assert "counter went backwards" in refused.reason
        assert "3 frames in a row agree over 60 s; 3 over 120 s replace" in refused.reason

        # A single outlier (also refused) breaks the run; alone it never unlocks either.
        outlier = await frame(worker, "54321.0", 70, seed=9)
        assert isinstance(outlier, Rejected) and "in a row" not in outlier.reason
        lone = await frame(worker, "12345.7", 400, seed=8)
        assert isinstance(lone, Rejected) and "in a row" not in lone.reason
        outlier = await frame(worker, "54321.0", 700, seed=7)
        assert isinstance(outlier, Rejected) and "in a row" not in outlier.reason

        # Three agreeing frames (one counter step up on the way) over two minutes: accepted.
        assert isinstance(await frame(worker, "12345.7", 800, seed=3), Rejected)
        assert isinstance(await frame(worker, "12345.7", 860, seed=4), Rejected)
        jumped = await frame(worker, "12345.8", 920, seed=5)
        assert isinstance(jumped, Reading), jumped
        assert jumped.values == {QUANTITY: 12345.8} and jumped.corrected_from == 99999.9
        await stored(worker, 12345.8)

        # From now on a normal reading: no correction, no alert.
        normal = await frame(worker, "12345.9", 980, seed=6)
        assert isinstance(normal, Reading) and normal.corrected_from is None
        raw = next(
            json.loads(m.payload)
            for m in worker.seen.messages
            if m.topic == "meterhub/pln/reading"
            and json.loads(m.payload)["frame_id"] == normal.frame_id
        )
        assert "corrected_from" not in raw  # left out when unset, as devices send it


async def test_a_manual_reading_ends_a_lock_out_at_once(broker, tmp_path):
    config = counter_config(broker, tmp_path)
    async with storage_and_worker(config, stored_before=(99999.9,)) as worker:
        for n, seconds in enumerate((0, 60)):
            assert isinstance(await frame(worker, "12345.7", seconds, seed=n), Rejected)

        # A person typed what the display shows: frames that agree with it are readings,
        # and the run begun before it can no longer override it.
        await store(worker, 12346.0, seconds=90, source="manual")
        third = await frame(worker, "12345.7", 130, seed=2)
        assert isinstance(third, Rejected) and "in a row" not in third.reason
        after = await frame(worker, "12346.0", 150, seed=3)
        assert isinstance(after, Reading) and after.corrected_from is None


async def test_a_correction_typed_on_the_page_ends_a_lock_out_at_once(broker, tmp_path):
    config = counter_config(broker, tmp_path)
    async with storage_and_worker(config, stored_before=(99999.9,)) as worker:
        for n, seconds in enumerate((0, 60)):
            assert isinstance(await frame(worker, "12345.7", seconds, seed=n), Rejected)

        # What the web page and the bot publish; storage keeps it as a manual reading.
        correction = Correction(
            device="pln",
            ts=T0.fromtimestamp(T0.timestamp() + 90, T0.tzinfo),
            quantity=QUANTITY,
            value=12346.0,
            who="test",
            via="web",
        )
        await worker.observer.publish("meterhub/pln/correction", correction.to_payload())
        await stored(worker, 12346.0)
        after = await frame(worker, "12346.0", 150, seed=3)
        assert isinstance(after, Reading) and after.corrected_from is None


async def test_a_move_within_the_limits_is_a_normal_reading_never_a_jump(broker, tmp_path):
    config = counter_config(broker, tmp_path)
    async with storage_and_worker(config, stored_before=(12345.6,)) as worker:
        # 5 kWh in 21 minutes is within 25 kWh/h: accepted at once, no corrected_from.
        moved = await frame(worker, "12350.6", 1200, seed=1)
        assert isinstance(moved, Reading) and moved.corrected_from is None
        assert not [m for m in worker.seen.messages if m.topic == "meterhub/pln/rejected"]


async def test_another_register_of_a_cycling_display_neither_breaks_nor_extends_a_run(
    broker, tmp_path
):
    ocr = {"digits": 6, "decimals": 1, "quantity": QUANTITY, "cycling": True}
    config = make_config(broker, tmp_path / "data", devices={"pln": {"kind": "camera", "ocr": ocr}})
    async with storage_and_worker(config, stored_before=(12345.6, 99999.9)) as worker:
        assert isinstance(await frame(worker, "12345.7", 0, seed=1), Rejected)
        date = await frame(worker, "04.12.26", 30, seed=2)  # between them: not counted
        assert isinstance(date, Rejected) and date.reason == "showing another register"
        second = await frame(worker, "12345.7", 60, seed=3)
        assert isinstance(second, Rejected) and "2 frames in a row agree over 60 s" in second.reason
        assert isinstance(await frame(worker, "900", 90, seed=4), Rejected)
        jumped = await frame(worker, "12345.7", 120, seed=5)
        assert isinstance(jumped, Reading) and jumped.corrected_from == 99999.9
