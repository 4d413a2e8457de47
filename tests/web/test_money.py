"""The money API on stores written by their real owners (storage, the gateway's quarters)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.core.capacity_prices import DEFAULT_CAPACITY_EUR_PER_KW_YEAR
from services.core.messages import Reading
from services.database.capacity_store import CapacityStore
from services.database.connection import connect
from services.domain.capacity import SAMPLES, ClosedQuarter, quarter_start
from services.storage.store import ReadingStore
from tests.web.conftest import DEVICES, asgi_client, web_config

BRUSSELS = ZoneInfo("Europe/Brussels")
PRICED = {
    **DEVICES,
    "p1": {
        "kind": "p1",
        "prices": {
            "grid_region": "west",
            "history": [{"valid_from": "2020-01-01", "per_kwh": {"t1": 0.40, "t2": 0.25}}],
        },
    },
    "pln": {
        **DEVICES["pln"],
        "prices": {
            "currency": "IDR",
            "history": [{"valid_from": "2020-01-01", "per_kwh": {"all": 1444.7}}],
        },
    },
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def local_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(BRUSSELS).date(), datetime.min.time(), BRUSSELS)


async def test_cost_of_a_p1_meter_today_and_what_its_month_peak_adds(data_dir) -> None:
    now = datetime.now(UTC)
    midnight = local_midnight(now)
    # Today since local midnight: 3 kWh T1 and 2 kWh T2, in three readings.
    counters = [(0.0, 0.0), (1.0, 2.0), (3.0, 2.0)]
    moments = [midnight + (now - midnight) * f for f in (0.1, 0.5, 0.9)]
    store = ReadingStore(data_dir / "meterhub.sqlite3", zone=BRUSSELS)
    store.ingest([
        Reading(device="p1", ts=ts, source="p1",
                values={"energy_import_t1_kwh": 100 + t1, "energy_import_t2_kwh": 50 + t2})
        for ts, (t1, t2) in zip(moments, counters, strict=True)
    ])  # fmt: skip
    store.close()
    # This month's peak quarter: 6 kW (the gateway's store).
    start = quarter_start(now, BRUSSELS)
    quarters = CapacityStore(connect(data_dir / "meterhub.sqlite3", "capture_gateway"), BRUSSELS)
    quarters.save_closed(
        "p1", ClosedQuarter(start, 6000.0, 1500.0, True, "counter", [6000] * SAMPLES, [0] * SAMPLES)
    )
    quarters.db.close()
    config = web_config(
        data_dir, login=False, devices=PRICED, storage={"data_dir": str(data_dir),
                                                        "timezone": "Europe/Brussels"},
        capacity={},
    )  # fmt: skip
    async with asgi_client(config) as client:
        answer = await client.get("/api/devices/p1/cost")
        unpriced = await client.get("/api/devices/drum/cost")
        unknown = await client.get("/api/devices/nope/cost")
    assert answer.status_code == 200, answer.text
    money = answer.json()
    assert money["currency"] == "EUR" and money["timezone"] == "Europe/Brussels"
    assert money["today"]["kwh"] == pytest.approx(5.0)
    assert money["today"]["amount"] == pytest.approx(3 * 0.40 + 2 * 0.25)
    assert money["this_month"]["amount"] >= money["today"]["amount"]
    assert money["last_month"] == {"amount": 0.0, "kwh": 0.0, "unpriced_kwh": 0.0}
    assert money["price"] == {"valid_from": "2020-01-01", "per_kwh": {"t1": 0.40, "t2": 0.25}}
    capacity = money["capacity"]
    west = DEFAULT_CAPACITY_EUR_PER_KW_YEAR["west"]
    assert capacity["confirmed"] is False and capacity["region"] == "west"
    assert capacity["currency"] == "EUR" and money["decimals"] == 2
    assert capacity["price_per_kw_year"] == west
    assert capacity["month_peak_w"] == 6000.0
    assert capacity["month_peak_adds"] == pytest.approx(6.0 / 12 * west)
    assert unpriced.status_code == 404 and "no prices" in unpriced.json()["detail"]
    assert unknown.status_code == 404


async def test_cost_of_a_prepaid_meter_is_its_balance_fall_in_rupiah(data_dir) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)  # storage zone: UTC
    store = ReadingStore(data_dir / "meterhub.sqlite3")
    store.ingest([
        Reading(device="pln", ts=midnight + (now - midnight) * f, source="ocr",
                values={"token_balance_kwh": v})
        for f, v in ((0.2, 20.0), (0.4, 18.5), (0.6, 68.5), (0.8, 68.0))
    ])  # fmt: skip
    store.close()
    config = web_config(data_dir, login=False, devices=PRICED)
    async with asgi_client(config) as client:
        money = (await client.get("/api/devices/pln/cost")).json()
    assert money["currency"] == "IDR" and money["decimals"] == 0 and money["capacity"] is None
    assert money["today"]["kwh"] == pytest.approx(2.0)  # the 50 kWh token is no use
    assert money["today"]["amount"] == pytest.approx(2.0 * 1444.7)
