"""Cost figures reach InfluxDB (and VictoriaMetrics) as ``meter_cost``, queued like readings."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime

from services.core.messages import Reading
from services.database.connection import connect
from services.domain.timekeys import ts_key
from services.storage.sinks.base import epoch_ns
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.storage.conftest import FAST_RETRY, eventually, running_storage
from tests.storage.test_sinks import _sinks, publish_and_wait_stored

PRICED = {
    "pln": {"kind": "camera", "prices": {"currency": "IDR", "history": [
        {"valid_from": "2020-01-01", "per_kwh": {"all": 1444.7}}]}},
    "m1": {"kind": "p1", "prices": {"history": [
        {"valid_from": "2020-01-01", "per_kwh": {"all": 0.3}}]}},
    "plain": {"kind": "p1"},
}  # fmt: skip
FIELDS = {"today": "cost_today", "this_month": "cost_this_month", "last_month": "cost_last_month"}


def todays_readings() -> list[Reading]:
    """Use today (the store's zone: UTC): 2.75 kWh of token on pln, 4 kWh imported on m1."""
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    at = [midnight + (now - midnight) * f for f in (0.2, 0.5, 0.8)]
    return [
        *(Reading(device="pln", ts=t, source="ocr", values={"token_balance_kwh": v})
          for t, v in zip(at, (20.0, 18.5, 17.25), strict=True)),
        *(Reading(device="m1", ts=t, source="p1", values={"energy_import_kwh": v})
          for t, v in zip(at, (1000.0, 1001.5, 1004.0), strict=True)),
        Reading(device="plain", ts=at[0], source="p1", values={"power_w": 100.0}),
    ]  # fmt: skip


def newest_cost_points(influxd, database: str) -> dict[tuple[str, str], dict]:
    """(device, currency) -> the newest ``meter_cost`` point, by its columns."""
    series = influxd.query(database, "SELECT * FROM meter_cost GROUP BY *")
    return {
        (s["tags"]["device"], s["tags"]["currency"]): dict(
            zip(s["columns"], max(s["values"]), strict=True)
        )
        for s in series
    }


async def _stored_states(config, items: list[Reading]) -> dict[str, dict]:
    """Publish ``items``; the newest retained state of each device once all are stored."""
    states = Collector()
    async with running_bus(config.mqtt, "test-states", {"meterhub/+/state": states}):
        await publish_and_wait_stored(config, items)
        newest = {}
        for device in {r.device for r in items}:
            # Storage may commit the items in several batches, each with its own state.
            at = max(r.ts for r in items if r.device == device)
            message = await states.wait_for(
                lambda m, d=device, t=at: (
                    m.topic == f"meterhub/{d}/state"
                    and datetime.fromisoformat(json.loads(m.payload)["ts"]) == t
                )
            )
            newest[device] = json.loads(message.payload)
    return newest


def _expected(state: dict) -> dict[str, float]:
    return {field: state[key] for field, key in FIELDS.items()}


async def test_costs_reach_influxdb_and_victoriametrics_tagged_by_device_and_currency(
    broker, influxd, victoria, tmp_path
):
    config = make_config(
        broker, tmp_path / "data", devices=PRICED,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "money", **FAST_RETRY},
                 "influxdb": {"url": victoria.url, "org": "home", "bucket": "b", "token": "t",
                              **FAST_RETRY}},
    )  # fmt: skip
    items = todays_readings()
    async with running_storage(config):
        states = await _stored_states(config, items)
        points = await eventually(
            lambda: newest_cost_points(influxd, "money"),
            lambda p: (
                {k: _values(v) for k, v in p.items()}
                == {
                    ("pln", "IDR"): _expected(states["pln"]),
                    ("m1", "EUR"): _expected(states["m1"]),
                }
            ),
        )
        exported = await eventually(
            lambda: victoria.export("meter_cost.*"),
            lambda e: {x["metric"]["device"] for x in e} == {"pln", "m1"} and len(e) == 6,
        )
    # The figures themselves: each day's use at its price, rounded to the currency.
    assert _values(points[("pln", "IDR")]) == {
        "today": round(2.75 * 1444.7), "this_month": round(2.75 * 1444.7), "last_month": 0.0,
    }  # fmt: skip
    assert points[("m1", "EUR")]["today"] == 1.2
    # At the newest reading's time: a replay overwrites the point, never adds one.
    newest = max(r.ts for r in items if r.device == "pln")
    assert points[("pln", "IDR")]["time"] == epoch_ns(ts_key(newest))
    assert ("plain", "EUR") not in points  # no prices, no cost
    newest_sample = {
        (x["metric"]["__name__"], x["metric"]["device"], x["metric"]["currency"]): x["values"][-1]
        for x in exported
    }
    assert newest_sample[("meter_cost_today", "m1", "EUR")] == 1.2
    assert newest_sample[("meter_cost_today", "pln", "IDR")] == round(2.75 * 1444.7)


def _values(point: dict) -> dict[str, float]:
    return {field: point[field] for field in FIELDS}


async def test_cost_points_wait_in_the_queue_while_influxdb_is_down_and_arrive_after(
    broker, influxd, tmp_path
):
    config = make_config(
        broker, tmp_path / "data", devices=PRICED,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "money", **FAST_RETRY}},
    )  # fmt: skip
    await asyncio.to_thread(influxd.stop)
    async with running_storage(config):
        states = await _stored_states(config, todays_readings())
        with sqlite3.connect(config.storage.sqlite_path) as db:
            queued = dict(
                db.execute("SELECT measurement, count(*) FROM outbox GROUP BY measurement")
            )
        assert queued["meter_reading"] == 7 and queued["meter_cost"] >= 2  # one per batch
        down = await eventually(lambda: _sinks(config), lambda s: s["influxdb_v1"]["last_error"])
        assert down["influxdb_v1"]["waiting"] == sum(queued.values())

        await asyncio.to_thread(influxd.start)
        done = await eventually(
            lambda: _sinks(config), lambda s: s["influxdb_v1"]["waiting"] == 0, timeout=60
        )
    assert done["influxdb_v1"]["sent"] == sum(queued.values())
    assert done["influxdb_v1"]["dropped"] == done["influxdb_v1"]["refused"] == 0
    points = newest_cost_points(influxd, "money")
    assert _values(points[("pln", "IDR")]) == _expected(states["pln"])
    assert _values(points[("m1", "EUR")]) == _expected(states["m1"])


def test_an_outbox_from_before_costs_gets_its_measurement_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, device TEXT NOT NULL, "
            "ts TEXT NOT NULL, source TEXT NOT NULL, vals TEXT NOT NULL, size INTEGER NOT NULL)"
        )
        old.execute("INSERT INTO outbox VALUES (1, 'm1', 'x', 'p1', '{}', 10)")
    db = connect(path, "storage", autocommit=True)
    assert db.execute("SELECT measurement FROM outbox").fetchone()[0] == "meter_reading"
    db.close()
