"""Sinks down, storage restarted in between, sinks back: every reading arrives exactly once."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta

from services.core.messages import Reading
from services.database.sink_status import sink_status
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.storage.conftest import FAST_RETRY, eventually, publish_many, running_storage

READINGS = 10_000
RESTART_AT = 5_000
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def _reading(i: int) -> Reading:
    return Reading(
        device="m1",
        ts=START + timedelta(milliseconds=500 * i),
        source="p1",
        values={"power_w": float(i), "energy_import_kwh": 1000 + i / 1000},
    )


def _messages(first: int, end: int) -> list[tuple[str, bytes]]:
    return [("meterhub/m1/reading", _reading(i).to_payload()) for i in range(first, end)]


def _iso(i: int) -> str:
    return _reading(i).model_dump(mode="json")["ts"]


def _status(config) -> dict[str, dict]:
    with sqlite3.connect(config.storage.sqlite_path) as db:
        return {s["sink"]: s for s in sink_status(db)}


async def test_sink_outage_and_storage_restart_lose_and_double_nothing(
    broker, influxd, victoria, tmp_path
):
    config = make_config(
        broker,
        tmp_path / "data",
        storage={
            "data_dir": str(tmp_path / "data"),
            "influxdb_v1": {"url": influxd.url, "database": "meters", **FAST_RETRY},
            "influxdb": {
                "url": victoria.url, "org": "home", "bucket": "meters", "token": "t",
                **FAST_RETRY,
            },
        },
    )  # fmt: skip
    influxd.create_database("meters")
    await asyncio.to_thread(influxd.stop)
    await asyncio.to_thread(victoria.stop)
    state = Collector()

    def stored(i: int):
        return lambda m: json.loads(m.payload)["ts"] == _iso(i)

    async with running_bus(config.mqtt, "test-observer", {"meterhub/m1/state": state}):
        async with running_storage(config):
            await publish_many(config.mqtt, _messages(0, RESTART_AT))
            await state.wait_for(stored(RESTART_AT - 1), timeout=60)
        # Storage is down: the broker keeps the rest in storage's session.
        await publish_many(config.mqtt, _messages(RESTART_AT, READINGS))
        async with running_storage(config) as health:
            await state.wait_for(stored(READINGS - 1), timeout=60)
            # The backlog came in one connection: its flood did not time out a call.
            assert health.buses["storage"].stats.connects == 1
            waiting = _status(config)
            assert {s: waiting[s]["waiting"] for s in waiting} == {
                "influxdb": READINGS, "influxdb_v1": READINGS,
            }  # fmt: skip
            assert all(waiting[s]["last_error"] for s in waiting)  # the outage is visible

            await asyncio.gather(
                asyncio.to_thread(influxd.start), asyncio.to_thread(victoria.start)
            )
            done = await eventually(
                lambda: _status(config),
                lambda s: all(x["sent"] == READINGS for x in s.values()),
                timeout=60,
            )
    assert all(x["waiting"] == 0 and x["dropped"] == 0 and x["refused"] == 0 for x in done.values())

    (counted,) = influxd.query("meters", "SELECT count(power_w), sum(power_w) FROM meter_reading")
    assert counted["values"][0][1:] == [READINGS, sum(range(READINGS))]
    # VictoriaMetrics keeps duplicate samples: a doubled write would show here.
    exported = {x["metric"]["__name__"]: x for x in victoria.export()}
    power = exported["meter_reading_power_w"]
    assert len(power["values"]) == READINGS
    assert sorted(power["values"]) == [float(i) for i in range(READINGS)]
    assert len(set(power["timestamps"])) == READINGS
    assert len(exported["meter_reading_energy_import_kwh"]["values"]) == READINGS
    with sqlite3.connect(config.storage.sqlite_path) as db:
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        assert (
            db.execute("SELECT count(*) FROM readings WHERE quantity = 'power_w'").fetchone()[0]
            == READINGS
        )
