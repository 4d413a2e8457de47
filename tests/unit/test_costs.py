"""Cost per day, month and last month on a real SQLite store: prices by period and date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.core.capacity_prices import DEFAULT_CAPACITY_EUR_PER_KW_YEAR
from services.core.config.prices import PricesConfig
from services.core.messages import Reading
from services.database.costs import CapacityPrice, capacity_cost, capacity_price, costs, price_on
from services.database.reading_queries import ReadingQueries
from services.storage.store import ReadingStore

BRUSSELS = ZoneInfo("Europe/Brussels")
JAKARTA = ZoneInfo("Asia/Jakarta")


def store_readings(tmp_path, zone, device: str, rows: list[tuple[datetime, dict]]):
    path = tmp_path / "meterhub.sqlite3"
    store = ReadingStore(path, zone=zone)
    store.ingest([Reading(device=device, ts=ts, source="p1", values=v) for ts, v in rows])
    store.close()
    return ReadingQueries(path)


def local(day: date, hour: int, zone) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)


def test_t1_t2_prices_and_a_price_change_keep_last_month_at_its_own_price(tmp_path):
    # Last month (October) at 0.30/0.20; from 1 November 0.40/0.25.
    prices = PricesConfig.model_validate(
        {
            "currency": "EUR",
            "history": [
                {"valid_from": "2026-11-01", "per_kwh": {"t1": 0.40, "t2": 0.25}},
                {"valid_from": "2026-10-01", "per_kwh": {"t1": 0.30, "t2": 0.20}},
            ],
        }
    )
    rows, t1, t2 = [], 100.0, 50.0
    # Each day 08:00 -> 20:00 local: 2 kWh T1; 20:00 -> next 08:00: 1 kWh T2.
    day = date(2026, 10, 30)
    while day <= date(2026, 11, 3):
        rows.append(
            (local(day, 8, BRUSSELS), {"energy_import_t1_kwh": t1, "energy_import_t2_kwh": t2})
        )
        t1 += 2
        rows.append(
            (local(day, 20, BRUSSELS), {"energy_import_t1_kwh": t1, "energy_import_t2_kwh": t2})
        )
        t2 += 1
        day += timedelta(days=1)
    queries = store_readings(tmp_path, BRUSSELS, "p1", rows)
    now = local(date(2026, 11, 3), 21, BRUSSELS)
    found = costs(queries, "p1", prices, BRUSSELS, now)
    # Today (3 Nov): the night's 1 kWh T2 (read at 08:00) and the day's 2 kWh T1.
    assert found.today.kwh == pytest.approx(3.0)
    assert found.today.amount == pytest.approx(2 * 0.40 + 0.25)
    # November 1..3: T1 3 x 2 kWh, T2 steps counted on 1, 2, 3 Nov (from the evenings before).
    assert found.this_month.amount == pytest.approx(3 * 2 * 0.40 + 3 * 1 * 0.25)
    # October 30 (first reading's day: no rise yet at 08:00), 31: at October's prices.
    assert found.last_month.amount == pytest.approx(2 * 2 * 0.30 + 1 * 0.20)
    assert found.last_month.unpriced_kwh == 0
    assert found.price is not None and found.price.valid_from == date(2026, 11, 1)
    queries.close()


def test_prepaid_cost_is_the_balance_fall_in_rupiah_and_a_top_up_costs_nothing(tmp_path):
    prices = PricesConfig.model_validate(
        {"currency": "IDR", "history": [{"valid_from": "2026-01-01", "per_kwh": {"all": 1444.7}}]}
    )
    day = date(2026, 11, 10)
    rows = [
        (local(day, 6, JAKARTA), {"token_balance_kwh": 20.0}),
        (local(day, 12, JAKARTA), {"token_balance_kwh": 17.5}),
        (local(day, 13, JAKARTA), {"token_balance_kwh": 67.5}),  # a 50 kWh token
        (local(day, 18, JAKARTA), {"token_balance_kwh": 66.0}),
    ]
    queries = store_readings(tmp_path, JAKARTA, "pln", rows)
    found = costs(
        queries,
        "pln",
        prices,
        JAKARTA,
        local(day, 19, JAKARTA),
        balance_quantity="token_balance_kwh",
    )
    assert found.currency == "IDR"
    assert found.today.kwh == pytest.approx(4.0)
    assert found.today.amount == pytest.approx(4.0 * 1444.7)
    assert found.last_month.amount == 0
    queries.close()


def test_use_before_the_first_price_is_unpriced_not_guessed(tmp_path):
    prices = PricesConfig.model_validate(
        {"history": [{"valid_from": "2026-11-02", "per_kwh": {"all": 0.3}}]}
    )
    rows = [
        (local(date(2026, 11, d), h, BRUSSELS), {"energy_import_kwh": 10.0 * d + h})
        for d in (1, 2)
        for h in (1, 5)
    ]
    queries = store_readings(tmp_path, BRUSSELS, "p1", rows)
    found = costs(queries, "p1", prices, BRUSSELS, local(date(2026, 11, 2), 6, BRUSSELS))
    # 1 Nov: 4 kWh unpriced; 2 Nov: 6 (Nov 1 05:00 -> Nov 2 01:00) + 4 kWh at 0.3.
    assert found.this_month.unpriced_kwh == pytest.approx(4.0)
    assert found.this_month.kwh == pytest.approx(10.0)
    assert found.this_month.amount == pytest.approx(10.0 * 0.3)
    queries.close()


def test_price_config_refuses_mixed_schemes_and_repeated_days():
    with pytest.raises(ValidationError, match="either one price"):
        PricesConfig.model_validate(
            {"history": [{"valid_from": "2026-01-01", "per_kwh": {"all": 0.3, "t1": 0.4}}]}
        )
    with pytest.raises(ValidationError, match="same day"):
        PricesConfig.model_validate(
            {"history": [{"valid_from": "2026-01-01"}, {"valid_from": "2026-01-01"}]}
        )
    with pytest.raises(ValidationError, match="grid_region"):
        PricesConfig.model_validate(
            {"grid_region": "brussel", "history": [{"valid_from": "2026-01-01"}]}
        )
    with pytest.raises(ValidationError):
        PricesConfig.model_validate(
            {"history": [{"valid_from": "2026-01-01", "per_kwh": {"all": -1}}]}
        )


def test_price_on_picks_the_entry_valid_that_day():
    prices = PricesConfig.model_validate(
        {"history": [{"valid_from": "2026-03-01"}, {"valid_from": "2026-01-01"}]}
    )
    assert price_on(prices.history, date(2025, 12, 31)) is None
    assert price_on(prices.history, date(2026, 2, 28)).valid_from == date(2026, 1, 1)
    assert price_on(prices.history, date(2026, 3, 1)).valid_from == date(2026, 3, 1)


def test_capacity_price_prefers_the_users_own_and_marks_a_region_default_unconfirmed():
    prices = PricesConfig.model_validate(
        {
            "grid_region": "imewo",
            "history": [
                {"valid_from": "2026-01-01", "per_kwh": {"all": 0.3}},
                {"valid_from": "2026-06-01", "capacity_per_kw_year": 52.0},
            ],
        }
    )
    default = capacity_price(prices, date(2026, 2, 1))
    assert default == CapacityPrice(DEFAULT_CAPACITY_EUR_PER_KW_YEAR["imewo"], False)
    assert capacity_price(prices, date(2026, 2, 1), configured=45.0) == CapacityPrice(45.0, True)
    assert capacity_price(prices, date(2026, 7, 1)) == CapacityPrice(52.0, True)
    plain = PricesConfig.model_validate({"history": [{"valid_from": "2026-01-01"}]})
    assert capacity_price(plain, date(2026, 2, 1)) is None


def test_capacity_cost_of_the_month_peak_and_of_a_quarter_that_would_beat_it():
    price = CapacityPrice(48.0, True)
    # A 4 kW peak: 4 kW / 12 months x 48 EUR/kW/year = 16 EUR over the year.
    cost = capacity_cost(price, month_peak_w=4000, predicted_w=5500, floor_w=2500, months=12)
    assert cost.month_peak_adds == pytest.approx(16.0)
    assert cost.quarter_would_add == pytest.approx(1.5 / 12 * 48)  # 1.5 kW over the peak
    below = capacity_cost(price, month_peak_w=4000, predicted_w=3000, floor_w=2500, months=12)
    assert below.quarter_would_add == 0
    # Under the floor the floor is billed; a quarter counts only above it.
    low = capacity_cost(price, month_peak_w=1000, predicted_w=3000, floor_w=2500, months=12)
    assert low.month_peak_adds == pytest.approx(2.5 / 12 * 48)
    assert low.quarter_would_add == pytest.approx(0.5 / 12 * 48)
    fresh = capacity_cost(price, month_peak_w=None, predicted_w=None, floor_w=2500, months=12)
    assert (fresh.month_peak_adds, fresh.quarter_would_add) == (None, None)


def test_a_priced_meters_state_carries_its_costs_rounded_to_the_currency(tmp_path):
    prices = PricesConfig.model_validate(
        {"currency": "IDR", "history": [{"valid_from": "2020-01-01", "per_kwh": {"all": 1444.7}}]}
    )
    store = ReadingStore(tmp_path / "m.sqlite3", prices={"pln": prices})
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)  # the store's zone: UTC
    result = store.ingest([
        Reading(device="pln", ts=midnight + (now - midnight) * f, source="ocr",
                values={"token_balance_kwh": v})
        for f, v in ((0.2, 20.0), (0.5, 18.5), (0.8, 17.25))
    ])  # fmt: skip
    state = result.states["pln"]
    assert state["cost_today"] == round(2.75 * 1444.7)
    assert state["cost_this_month"] == state["cost_today"] and state["cost_last_month"] == 0
    unpriced = store.ingest([Reading(device="p1", ts=now, source="p1", values={"power_w": 5.0})])
    assert "cost_today" not in unpriced.states["p1"]
    store.close()


def test_each_batch_queues_one_cost_point_per_priced_meter_for_the_sinks(tmp_path):
    prices = PricesConfig.model_validate(
        {"currency": "IDR", "history": [{"valid_from": "2020-01-01", "per_kwh": {"all": 1000.0}}]}
    )
    store = ReadingStore(tmp_path / "m.sqlite3", prices={"pln": prices}, sinks={"influx": 10**6})
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    batch = [
        Reading(device="pln", ts=midnight + (now - midnight) * f, source="ocr",
                values={"token_balance_kwh": v})
        for f, v in ((0.2, 20.0), (0.5, 18.5), (0.8, 17.25))
    ] + [Reading(device="p1", ts=now, source="p1", values={"power_w": 5.0})]  # fmt: skip
    state = store.ingest(batch).states["pln"]
    queued = store.outbox.peek("influx", 100)
    assert [q.measurement for q in queued] == ["meter_reading"] * 4 + ["meter_cost"]
    cost = queued[-1]
    assert (cost.device, cost.source, cost.ts_iso) == ("pln", "IDR", state["ts"])
    assert cost.values == {"today": 2750.0, "this_month": 2750.0, "last_month": 0.0}
    assert cost.values["today"] == state["cost_today"]
    store.close()
