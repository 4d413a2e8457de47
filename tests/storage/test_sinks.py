"""Readings reach each sink as the contract says, against real servers (and the Firebase fake)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from services.core.config.storage import FirebaseConfig, InfluxV1Config
from services.core.messages import CaptureRequest, Reading
from services.database.schedules import ChatStore
from services.database.sink_status import sink_status
from services.domain.timekeys import ts_key
from services.storage.outbox import QueuedReading
from services.storage.sinks.base import epoch_ns
from services.storage.sinks.firebase import FirebaseSink, push_key
from services.storage.sinks.influx import InfluxV1Sink
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.storage.conftest import FAST_RETRY, eventually, running_storage

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
DEVICES = {"m1": {"kind": "p1"}, "pln": {"kind": "camera"}}


def readings() -> list[Reading]:
    return [
        Reading(
            device="m1", ts=NOW, source="p1", values={"power_w": 512.0, "energy_import_kwh": 1000.5}
        ),
        Reading(
            device="m1",
            ts=NOW + timedelta(seconds=1, microseconds=250_000),
            source="p1",
            values={"power_w": 498.0},
        ),
        Reading(device="pln", ts=NOW, source="ocr", values={"token_balance_kwh": 127.0}),
        Reading(
            device="pln",
            ts=NOW + timedelta(minutes=10),
            source="ocr",
            values={"token_balance_kwh": 126.53},
        ),
    ]


async def publish_and_wait_stored(config, items: list[Reading]) -> None:
    """Publish ``items`` and wait until storage has published each device's newest state."""
    state = Collector()
    async with (
        running_bus(config.mqtt, "test-observer", {"meterhub/+/state": state}),
        running_bus(config.mqtt, "test-meter") as meter,
    ):
        for reading in items:
            await meter.publish(meter.topics.reading(reading.device), reading.to_payload())
        for device in {r.device for r in items}:
            newest_iso = (
                max(r.ts for r in items if r.device == device).isoformat().replace("+00:00", "Z")
            )
            await state.wait_for(
                lambda m, d=device, t=newest_iso: (
                    m.topic == f"meterhub/{d}/state" and json.loads(m.payload)["ts"] == t
                )
            )


async def test_readings_reach_influxdb_v1_with_tags_fields_and_reading_times(
    broker, influxd, tmp_path
):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "homeassistant", **FAST_RETRY}},
    )  # fmt: skip
    async with running_storage(config):
        await publish_and_wait_stored(config, readings())
        series = await eventually(
            lambda: influxd.query("homeassistant", "SELECT * FROM meter_reading GROUP BY *"),
            lambda s: sum(len(x["values"]) for x in s) == 4,
        )
    points = {
        (s["tags"]["device"], s["tags"]["source"], row[0]): dict(
            zip(s["columns"], row, strict=True)
        )
        for s in series
        for row in s["values"]
    }
    t0, t1 = epoch_ns(ts_key(NOW)), epoch_ns(ts_key(NOW + timedelta(seconds=1.25)))
    assert points[("m1", "p1", t0)]["power_w"] == 512.0
    assert points[("m1", "p1", t0)]["energy_import_kwh"] == 1000.5
    assert points[("m1", "p1", t1)]["power_w"] == 498.0  # sub-second time kept
    assert points[("pln", "ocr", t0)]["token_balance_kwh"] == 127.0
    # The database did not exist: the sink created it (create_database defaults to true).
    status = await eventually(lambda: _sinks(config), lambda s: s["influxdb_v1"]["sent"] == 4)
    assert status["influxdb_v1"]["waiting"] == 0 and status["influxdb_v1"]["dropped"] == 0


async def test_dlt645_reactive_power_factor_and_export_are_stored_and_sent(
    broker, influxd, tmp_path
):
    """What the CE-711 poll now reads beyond energy: in SQLite, the state and InfluxDB."""
    config = make_config(
        broker, tmp_path / "data", devices={"ce711": {"kind": "dlt645"}},
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "rs485", **FAST_RETRY}},
    )  # fmt: skip
    values = {"reactive_power_var": 395.0, "power_factor": 0.93,
              "reactive_energy_export_kvarh": 12.34, "power_w": 1000.0}  # fmt: skip
    ce711 = Reading(device="ce711", ts=NOW, source="dlt645", values=values)
    async with running_storage(config):
        await publish_and_wait_stored(config, [ce711])
        (series,) = await eventually(
            lambda: influxd.query("rs485", "SELECT * FROM meter_reading"), lambda s: len(s) == 1
        )
    point = dict(zip(series["columns"], series["values"][0], strict=True))
    assert {k: point[k] for k in values} == values
    with sqlite3.connect(config.storage.sqlite_path) as db:
        stored = dict(db.execute("SELECT quantity, value FROM latest WHERE device = 'ce711'"))
    assert stored == values


async def test_readings_reach_victoriametrics_through_the_influxdb_v2_client(
    broker, victoria, tmp_path
):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb": {"url": victoria.url, "org": "home", "bucket": "meters",
                              "token": "secret", **FAST_RETRY}},
    )  # fmt: skip
    async with running_storage(config):
        await publish_and_wait_stored(config, readings())
        exported = await eventually(
            victoria.export, lambda e: sum(len(x["values"]) for x in e) == 5
        )
    samples = {
        (x["metric"]["__name__"], x["metric"]["device"], x["metric"]["source"]): list(
            zip(x["timestamps"], x["values"], strict=True)
        )
        for x in exported
    }
    ms = int(NOW.timestamp() * 1000)
    assert samples[("meter_reading_power_w", "m1", "p1")] == [(ms, 512.0), (ms + 1250, 498.0)]
    assert samples[("meter_reading_energy_import_kwh", "m1", "p1")] == [(ms, 1000.5)]
    assert samples[("meter_reading_token_balance_kwh", "pln", "ocr")] == [
        (ms, 127.0), (ms + 600_000, 126.53),
    ]  # fmt: skip


async def test_firebase_gets_latest_history_and_the_legacy_prepaid_layout(
    broker, firebase_fake, tmp_path
):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "firebase": {"database_url": firebase_fake.database_url,
                              "legacy": {"device": "pln"}, **FAST_RETRY}},
    )  # fmt: skip
    async with running_storage(config):
        await publish_and_wait_stored(config, readings())
        history = await eventually(
            lambda: firebase_fake.get("meters/pln/history") or {}, lambda h: len(h) == 2
        )
        await eventually(
            lambda: firebase_fake.get("meters/m1/history") or {}, lambda h: len(h) == 2
        )
    latest = firebase_fake.get("meters/pln/latest")
    assert "days_left" not in latest  # ten minutes of readings forecast nothing yet
    assert latest == {
        "ts": (NOW + timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
        "token_balance_kwh": 126.53,
    }
    assert [entry["token_balance_kwh"] for _, entry in sorted(history.items())] == [127.0, 126.53]
    assert all(len(key) == 20 for key in history)  # shaped like push keys, in time order
    m1 = firebase_fake.get("meters/m1/latest")
    assert m1["power_w"] == 498.0 and m1["energy_import_kwh"] == 1000.5
    # What the prepaid setup's existing consumers read:
    assert firebase_fake.get("ncr_token/terakhir") == {"angka": "126.53"}
    riwayat = firebase_fake.get("ncr_token/riwayat")
    assert [entry["angka"] for _, entry in sorted(riwayat.items())] == ["127", "126.53"]
    assert {auth for _, _, auth in firebase_fake.requests} == {"Bearer owner"}


def _queued(seq: int, at: datetime, **values: float) -> QueuedReading:
    return QueuedReading(seq, "m1", ts_key(at), "p1", values)


async def test_the_original_sketch_gets_its_jadwal_and_its_trigger_is_honoured(
    broker, firebase_fake, tmp_path
):
    """The prepaid sketch reads /jadwal and sets trigger_otomatis: the bot's schedules go
    out, a trigger becomes a capture request and is cleared, the last check is stamped."""
    data = tmp_path / "data"
    config = make_config(
        broker, data, devices=DEVICES,
        storage={"data_dir": str(data),
                 "firebase": {"database_url": firebase_fake.database_url, "meters": False,
                              "legacy": {"device": "pln", "poll_s": 0.05}, **FAST_RETRY}},
    )  # fmt: skip
    chats = ChatStore(config.storage.sqlite_path)  # the bot's own tables, as it keeps them
    await chats.ensure_chat(1001, "id", ["23:59", "12:00"])
    await chats.ensure_chat(1002, "en", ["12:00"])
    captures = Collector()
    async with (
        running_bus(config.mqtt, "test-camera", {"meterhub/pln/cmd/capture": captures}),
        running_storage(config),
    ):
        slots = {"jam1": 12, "menit1": 0, "jam2": 23, "menit2": 59}
        await eventually(lambda: firebase_fake.get("jadwal"), lambda j: j == slots)
        await chats.set_times(1001, [])  # one time left: the second slot is off
        await chats.set_times(1002, ["06:30"])
        await eventually(
            lambda: firebase_fake.get("jadwal"),
            lambda j: j == {"jam1": 6, "menit1": 30, "jam2": -1, "menit2": -1},
        )
        assert captures.messages == []
        firebase_fake._set("ncr_token/trigger_otomatis", True)  # the sketch's clock matched
        asked = await captures.wait_for(lambda m: True, timeout=10)
        assert CaptureRequest.from_payload(asked.payload).request_id
        assert firebase_fake.get("ncr_token/trigger_otomatis") is False
        await publish_and_wait_stored(config, readings())
        await eventually(lambda: firebase_fake.get("ncr_token/terakhir_cek"), lambda t: t)
    assert len(captures.messages) == 1  # one picture per trigger
    assert firebase_fake.get("ncr_token/terakhir") == {"angka": "126.53"}
    newest = (NOW + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert firebase_fake.get("ncr_token/terakhir_cek") == newest


async def test_a_replayed_batch_adds_no_point_to_influxdb_or_firebase(influxd, firebase_fake):
    batch = [_queued(i, NOW + timedelta(seconds=i), power_w=100.0 + i) for i in range(1, 51)]
    influx = InfluxV1Sink("influxdb_v1", InfluxV1Config(url=influxd.url, database="replay"))

    async def state(device: str) -> dict[str, object]:
        return {"ts": batch[-1].ts_iso, "power_w": 150.0}

    firebase = FirebaseSink(
        "firebase", FirebaseConfig(database_url=firebase_fake.database_url), state
    )
    for sink in (influx, firebase):
        await sink.start()
        await sink.write(batch)
        await sink.write(batch)  # as after a crash between the write and its confirmation
        await sink.close()
    (series,) = influxd.query("replay", "SELECT count(power_w) FROM meter_reading")
    assert series["values"][0][1] == 50
    history = firebase_fake.get("meters/m1/history")
    assert sorted(history) == sorted(push_key(q) for q in batch) and len(history) == 50


async def test_a_reading_the_sink_refuses_is_set_aside_and_the_rest_is_written(
    broker, influxd, tmp_path
):
    # power_w already exists as a string field in this shard: InfluxDB refuses float power_w.
    influxd.create_database("typed")
    assert (
        influxd.write(
            "typed", f'meter_reading,device=m1,source=p1 power_w="x" {epoch_ns(ts_key(NOW))}'
        ).status_code
        == 204
    )
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "typed", **FAST_RETRY}},
    )  # fmt: skip
    items = [
        Reading(
            device="m1",
            ts=NOW + timedelta(seconds=i),
            source="p1",
            values={"energy_import_kwh": 10.0 + i},
        )
        for i in range(1, 6)
    ]
    items.insert(
        2,
        Reading(device="m1", ts=NOW + timedelta(seconds=30), source="p1", values={"power_w": 5.0}),
    )
    async with running_storage(config):
        await publish_and_wait_stored(config, items)
        status = await eventually(
            lambda: _sinks(config),
            lambda s: s["influxdb_v1"]["sent"] + s["influxdb_v1"]["refused"] == 6,
        )
    assert (status["influxdb_v1"]["sent"], status["influxdb_v1"]["refused"]) == (5, 1)
    assert "field type conflict" in status["influxdb_v1"]["last_error"]
    (series,) = influxd.query("typed", "SELECT count(energy_import_kwh) FROM meter_reading")
    assert series["values"][0][1] == 5


def _sinks(config) -> dict[str, dict]:
    with sqlite3.connect(config.storage.sqlite_path) as db:
        return {s["sink"]: s for s in sink_status(db)}


async def test_sink_status_reports_errors_while_it_is_down(broker, tmp_path):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": "http://127.0.0.1:9", "database": "x", **FAST_RETRY}},
    )  # fmt: skip
    async with running_storage(config):
        await publish_and_wait_stored(config, readings()[:2])
        status = await eventually(lambda: _sinks(config), lambda s: s["influxdb_v1"]["last_error"])
    assert status["influxdb_v1"]["waiting"] == 2 and status["influxdb_v1"]["sent"] == 0
