"""A correction reaches InfluxDB 1.x (a real influxd) as a manual point at the frame's time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.core.messages import Correction, Reading
from services.domain.timekeys import ts_key
from services.storage.sinks.base import epoch_ns
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.storage.conftest import FAST_RETRY, eventually, running_storage

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


async def test_a_corrected_reading_reaches_influxdb_as_a_manual_point(broker, influxd, tmp_path):
    config = make_config(
        broker, tmp_path / "data", devices={"pln": {"kind": "camera"}},
        storage={"data_dir": str(tmp_path / "data"),
                 "influxdb_v1": {"url": influxd.url, "database": "meters", **FAST_RETRY}},
    )  # fmt: skip
    state = Collector()
    async with (
        running_storage(config),
        running_bus(config.mqtt, "test-observer", {"meterhub/pln/state": state}),
        running_bus(config.mqtt, "test-web") as web,
    ):
        wrong = Reading(
            device="pln", ts=NOW, source="ocr", values={"token_balance_kwh": 678.9}, frame_id="f1"
        )
        await web.publish("meterhub/pln/reading", wrong.to_payload())
        await state.wait_for(lambda m: json.loads(m.payload).get("token_balance_kwh") == 678.9)
        correction = Correction(
            device="pln", ts=NOW, quantity="token_balance_kwh", value=127.0, frame_id="f1",
            who="ana", via="web",
        )  # fmt: skip
        await web.publish("meterhub/pln/correction", correction.to_payload())
        series = await eventually(
            lambda: influxd.query("meters", "SELECT * FROM meter_reading GROUP BY *"),
            lambda s: any(x["tags"]["source"] == "manual" for x in s),
        )
    manual = next(s for s in series if s["tags"]["source"] == "manual")
    row = dict(zip(manual["columns"], manual["values"][0], strict=True))
    assert row["time"] == epoch_ns(ts_key(NOW)) and row["token_balance_kwh"] == 127.0
