"""The bus survives a broker restart mid-stream without losing a QoS 1 reading."""

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

READINGS = 300
RESTART_AFTER = 100


async def test_broker_restart_loses_no_reading(broker, tmp_path):
    config = make_config(broker, tmp_path / "data")
    stop, health = asyncio.Event(), Health()
    services = asyncio.create_task(
        run_services(config, [service_spec("storage")], stop=stop, health=health)
    )
    # Storage's session exists only once it has subscribed: readings before that have no
    # subscriber yet, which is not what this test is about.
    await asyncio.wait_for(health.wait_connected("storage"), 10)
    start = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    last_ts = (start + timedelta(seconds=READINGS - 1)).isoformat().replace("+00:00", "Z")
    state = Collector()
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/m1/state": state}) as observer,
        running_bus(config.mqtt, "test-meter") as meter,
    ):
        for i in range(READINGS):
            reading = Reading(
                device="m1",
                ts=start + timedelta(seconds=i),
                source="p1",
                values={"energy_import_kwh": 1000 + i * 0.001, "power_w": 400 + i},
            )
            await meter.publish(meter.topics.reading("m1"), reading.to_payload())
            if i == RESTART_AFTER:
                await meter.flush(10)
                await asyncio.to_thread(broker.stop)
                assert not broker.process
                # Published while the broker is down: held in the outbox, not lost.
            if i == RESTART_AFTER + 50:
                await asyncio.to_thread(broker.start)
        await state.wait_for(lambda m: json.loads(m.payload).get("ts") == last_ts, timeout=60)
        assert meter.stats.connects >= 2 and observer.stats.connects >= 2
    stop.set()
    await asyncio.wait_for(services, 20)

    with sqlite3.connect(config.storage.sqlite_path) as db:
        stored = db.execute("SELECT count(*) FROM readings WHERE quantity = 'power_w'").fetchone()[
            0
        ]
        powers = [
            row[0] for row in db.execute("SELECT value FROM readings WHERE quantity='power_w'")
        ]
    assert stored == READINGS, f"{READINGS - stored} readings lost"
    assert sorted(powers) == [400 + i for i in range(READINGS)]
