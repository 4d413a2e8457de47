"""InfluxDB down for "minutes" while readings keep coming; then back.

tests/storage/test_outage.py proves sinks lose and double nothing across an outage and a
storage restart. This adds the long outage: with the sink's backoff scaled down
(0.05 s doubling to a 0.5 s cap instead of 1 s to 60 s), eight seconds down is as many
retries at the cap as the default settings make in eight minutes. Storage must keep
storing and publishing state meanwhile, say so in the log without flooding it, and
deliver the backlog once the sink answers again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.database.connection import connect
from services.registry import service_spec
from services.storage.outbox import Outbox
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.faults.helpers import eventually, reading
from tests.storage.servers import InfluxdProcess

OUTAGE_S = 8.0
RETRY = {"retry_initial_s": 0.05, "retry_max_s": 0.5, "timeout_s": 2}
RATE_PER_S = 50


@pytest.fixture
def influxd(tmp_path):
    server = InfluxdProcess(data_dir=tmp_path / "influxd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_sink_down_for_minutes_holds_nothing_else_up_and_catches_up(
    broker, influxd, tmp_path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="meterhub.storage.pump")
    influxd.create_database("meters")
    config = make_config(
        broker,
        tmp_path / "data",
        storage={
            "data_dir": str(tmp_path / "data"),
            "influxdb_v1": {"url": influxd.url, "database": "meters", **RETRY},
        },
    )
    stop, health = asyncio.Event(), Health()
    services = asyncio.create_task(
        run_services(config, [service_spec("storage")], stop=stop, health=health)
    )
    state = Collector()
    sent = 0
    try:
        await asyncio.wait_for(health.wait_connected("storage"), 15)
        async with running_bus(config.mqtt, "test-meter", {"meterhub/m1/state": state}) as meter:

            async def stream(seconds: float) -> None:
                nonlocal sent
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    await meter.publish("meterhub/m1/reading", reading(sent).to_payload())
                    sent += 1
                    await asyncio.sleep(1 / RATE_PER_S)  # the meters' pace, not synchronisation

            await stream(1.0)
            await asyncio.to_thread(influxd.stop)
            await stream(OUTAGE_S)
            # Down all along, storage stored and published the newest reading.
            await state.wait_for(lambda m: json.loads(m.payload)["power_w"] == sent - 1)
            back = time.monotonic()
            await asyncio.to_thread(influxd.start)
            await stream(1.0)
            count = await eventually(
                lambda: influxd.query("meters", "SELECT count(power_w) FROM meter_reading"),
                lambda series: bool(series) and series[0]["values"][0][1] >= sent,
                60,
            )
            caught_up_s = time.monotonic() - back
    finally:
        stop.set()
        await asyncio.wait_for(services, 30)
    assert count[0]["values"][0][1] == sent, "doubled or lost in the sink"
    warnings = [r for r in caplog.records if "sink unavailable" in r.getMessage()]
    # One on the way down, then one per 20 failed retries: the log is not flooded.
    retries_at_cap = OUTAGE_S / RETRY["retry_max_s"]
    assert 1 <= len(warnings) <= 1 + retries_at_cap / 20 + 1, len(warnings)
    assert any("sink back" in r.getMessage() for r in caplog.records)
    print(
        f"\nsink down {OUTAGE_S}s at a 0.5 s retry cap, {sent} readings, back in {caught_up_s:.1f}s"
    )


def test_a_sink_that_caught_up_gets_every_later_reading(tmp_path) -> None:
    """Once a sink has everything, the journal is empty; what comes next must still go."""
    db = connect(tmp_path / "store.sqlite3", "storage", autocommit=True)
    outbox = Outbox(db, {"influxdb": 10**9})

    def enqueue(first: int, count: int) -> None:
        db.execute("BEGIN IMMEDIATE")
        outbox.enqueue(
            [("m1", f"k{i:05d}", "p1", {"power_w": float(i)}) for i in range(first, first + count)]
        )
        db.execute("COMMIT")

    delivered: list[float] = []
    for first in (0, 3, 5):
        enqueue(first, 3 if first == 0 else 2)
        batch = outbox.peek("influxdb", 100)
        delivered += [q.values["power_w"] for q in batch]
        outbox.confirm("influxdb", batch[-1].seq, sent=len(batch))
    assert delivered == [float(i) for i in range(7)]
