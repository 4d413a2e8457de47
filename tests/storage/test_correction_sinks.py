"""A correction reaches the sinks: the point it replaced is taken out (InfluxDB 1.x, a
real influxd; Firebase through the SDK against the local fake) and the manual point is
written at the frame's time; fields of a point that were not corrected stay. On
VictoriaMetrics, which cannot delete a point, the retraction holds nothing up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.core.messages import Correction, Reading
from services.domain.timekeys import ts_key
from services.storage.outbox import QueuedReading
from services.storage.sinks.base import epoch_ns
from services.storage.sinks.firebase import push_key
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.storage.conftest import FAST_RETRY, eventually, running_storage

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
DEVICES = {"pln": {"kind": "camera"}, "m1": {"kind": "p1"}}
WRONG_OCR = Reading(
    device="pln", ts=NOW, source="ocr", values={"token_balance_kwh": 678.9}, frame_id="f1"
)
# One P1 telegram's point: only its energy register is corrected, its power stays.
WRONG_P1 = Reading(
    device="m1", ts=NOW, source="p1", values={"energy_import_kwh": 9999.0, "power_w": 480.0}
)
AFTER = Reading(  # a later reading, queued after the corrections: nothing held it up
    device="pln", ts=NOW + timedelta(minutes=1), source="ocr", values={"token_balance_kwh": 126.9}
)


def _correction(device: str, quantity: str, value: float) -> Correction:
    return Correction(
        device=device, ts=NOW, quantity=quantity, value=value, who="ana", via="web",
        frame_id="f1" if device == "pln" else None,
    )  # fmt: skip


async def _correct_both(config, sink_has_everything) -> None:
    """The wrong readings, their corrections, then one more reading, through storage."""
    state = Collector()
    async with (
        running_storage(config),
        running_bus(config.mqtt, "test-observer", {"meterhub/+/state": state}),
        running_bus(config.mqtt, "test-web") as web,
    ):
        for wrong in (WRONG_OCR, WRONG_P1):
            await web.publish(f"meterhub/{wrong.device}/reading", wrong.to_payload())
        await state.wait_for(lambda m: json.loads(m.payload).get("energy_import_kwh") == 9999.0)
        await state.wait_for(lambda m: json.loads(m.payload).get("token_balance_kwh") == 678.9)
        for correction in (
            _correction("pln", "token_balance_kwh", 127.0),
            _correction("m1", "energy_import_kwh", 1000.5),
        ):
            await web.publish(f"meterhub/{correction.device}/correction", correction.to_payload())
        await state.wait_for(lambda m: json.loads(m.payload).get("energy_import_kwh") == 1000.5)
        await web.publish("meterhub/pln/reading", AFTER.to_payload())
        await sink_has_everything()


def _rows(series: list[dict]) -> dict[tuple[str, str], list[dict]]:
    return {
        (s["tags"]["device"], s["tags"]["source"]): [
            {k: v for k, v in zip(s["columns"], values, strict=True) if v is not None}
            for values in s["values"]
        ]
        for s in series
    }


async def test_influxdb_loses_the_wrong_points_and_gets_the_manual_ones(broker, influxd, tmp_path):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "meters", **FAST_RETRY}},
    )  # fmt: skip

    def query() -> list[dict]:
        return influxd.query("meters", "SELECT * FROM meter_reading GROUP BY *")

    async def done() -> None:
        await eventually(query, lambda s: len(_rows(s).get(("pln", "ocr"), [])) == 1
                         and _rows(s)[("pln", "ocr")][0]["token_balance_kwh"] == 126.9)  # fmt: skip

    await _correct_both(config, done)
    at, later = epoch_ns(ts_key(NOW)), epoch_ns(ts_key(AFTER.ts))
    assert _rows(query()) == {
        ("pln", "manual"): [{"time": at, "token_balance_kwh": 127.0}],
        ("pln", "ocr"): [{"time": later, "token_balance_kwh": 126.9}],
        ("m1", "manual"): [{"time": at, "energy_import_kwh": 1000.5}],
        ("m1", "p1"): [{"time": at, "power_w": 480.0}],  # the uncorrected field stays
    }


async def test_firebase_history_loses_the_wrong_entries(broker, firebase_fake, tmp_path):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "firebase": {"database_url": firebase_fake.database_url,
                              "legacy": {"device": "pln"}, **FAST_RETRY}},
    )  # fmt: skip

    async def done() -> None:
        await eventually(
            lambda: firebase_fake.get("meters/pln/latest") or {},
            lambda latest: latest.get("token_balance_kwh") == 126.9,
        )

    await _correct_both(config, done)
    history = {
        device: sorted(
            (entry["source"], {k: v for k, v in entry.items() if k not in ("ts", "source")})
            for entry in (firebase_fake.get(f"meters/{device}/history") or {}).values()
        )
        for device in ("pln", "m1")
    }
    assert history == {
        "pln": [("manual", {"token_balance_kwh": 127.0}), ("ocr", {"token_balance_kwh": 126.9})],
        "m1": [("manual", {"energy_import_kwh": 1000.5}), ("p1", {"power_w": 480.0})],
    }
    wrong_key = push_key(QueuedReading(0, "pln", ts_key(NOW), "ocr", {}))
    riwayat = firebase_fake.get("ncr_token/riwayat")
    assert wrong_key not in riwayat
    assert sorted(entry["angka"] for entry in riwayat.values()) == ["126.9", "127"]


async def test_victoriametrics_cannot_delete_a_point_and_goes_on(broker, victoria, tmp_path):
    config = make_config(
        broker, tmp_path / "data", devices=DEVICES,
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb": {"url": victoria.url, "org": "home", "bucket": "b", "token": "t",
                              **FAST_RETRY}},
    )  # fmt: skip

    def samples() -> dict[tuple[str, str, str], list[float]]:
        return {
            (x["metric"]["__name__"], x["metric"]["device"], x["metric"]["source"]): x["values"]
            for x in victoria.export()
        }

    async def done() -> None:
        await eventually(
            samples,
            lambda s: 126.9 in s.get(("meter_reading_token_balance_kwh", "pln", "ocr"), []),
        )

    await _correct_both(config, done)
    found = samples()
    assert found[("meter_reading_token_balance_kwh", "pln", "manual")] == [127.0]
    assert found[("meter_reading_energy_import_kwh", "m1", "manual")] == [1000.5]
