"""Storage keeps a persistent session: what arrives while it is away is stored on return."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta

from services.core.messages import Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

START = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def _reading(i: int) -> Reading:
    return Reading(
        device="m1",
        ts=START + timedelta(seconds=i),
        source="p1",
        values={"energy_import_kwh": 100 + i / 1000},
    )


async def _run_storage_until(config, done) -> None:
    """Run the storage service, connected and subscribed, until ``done()`` returns."""
    stop, health = asyncio.Event(), Health()
    task = asyncio.create_task(run_services(config, [service_spec("storage")], stop=stop, health=health))
    try:
        await asyncio.wait_for(health.wait_connected("storage"), 10)
        await done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def _stored(config) -> list[float]:
    with sqlite3.connect(config.storage.sqlite_path) as db:
        return [row[0] for row in db.execute("SELECT value FROM readings ORDER BY ts")]


async def test_readings_published_while_storage_is_down_are_stored_when_it_returns(
    broker, tmp_path
):
    config = make_config(broker, tmp_path / "data")
    state = Collector()
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/m1/state": state}),
        running_bus(config.mqtt, "test-meter") as meter,
    ):
        async def first_reading_stored() -> None:
            # The broker keeps a session only once storage has subscribed for the first time.
            await meter.publish("meterhub/m1/reading", _reading(0).to_payload())
            await state.wait_for(lambda m: b"05:00:00Z" in m.payload)

        await _run_storage_until(config, first_reading_stored)

        for i in range(1, 51):  # storage is stopped: the broker queues these in its session
            await meter.publish("meterhub/m1/reading", _reading(i).to_payload())
        assert await meter.flush(10)
        # A redelivered reading (same device, ts, source) must not be stored twice.
        await meter.publish("meterhub/m1/reading", _reading(7).to_payload())

        last = (START + timedelta(seconds=50)).isoformat().replace("+00:00", "Z")
        await _run_storage_until(
            config, lambda: state.wait_for(lambda m: json.loads(m.payload)["ts"] == last)
        )
    assert _stored(config) == [100 + i / 1000 for i in range(51)]


async def test_state_is_flat_json_of_latest_values(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    state = Collector()
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/m1/state": state}),
        running_bus(config.mqtt, "test-meter") as meter,
    ):

        async def publish_and_wait() -> None:
            await meter.publish(
                "meterhub/m1/reading",
                Reading(
                    device="m1",
                    ts=START,
                    source="p1",
                    values={"power_w": 512.0, "voltage_l1_v": 231.2},
                ).to_payload(),
            )
            # An older reading arriving late must not overwrite newer values.
            await meter.publish(
                "meterhub/m1/reading",
                Reading(
                    device="m1",
                    ts=START - timedelta(minutes=1),
                    source="p1",
                    values={"power_w": 1.0},
                ).to_payload(),
            )
            await meter.publish(
                "meterhub/m1/reading",
                Reading(
                    device="m1",
                    ts=START + timedelta(seconds=1),
                    source="p1",
                    values={"gas_m3": 42.5},
                ).to_payload(),
            )
            await state.wait_for(lambda m: "gas_m3" in json.loads(m.payload))

        await _run_storage_until(config, publish_and_wait)
    latest = json.loads(state.messages[-1].payload)
    assert latest == {
        "ts": "2026-11-22T05:00:01Z",
        "power_w": 512.0,
        "voltage_l1_v": 231.2,
        "gas_m3": 42.5,
    }
