"""Quarter history and the web page's JSON shapes, fed by the simulated Fluvius meter."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.capture_gateway.p1_path import Capacity, reading_of
from services.core.config import MeterhubConfig
from services.database.capacity_store import (
    CapacityStore,
    current_month_peak,
    current_quarter,
    day_quarters,
    quarter_file,
)
from services.database.connection import connect
from services.database.schema import CAPACITY
from services.domain.capacity import quarter_id
from services.protocols.dsmr import parse_telegram, with_crc
from services.simulator.p1 import P1MeterModel
from tests.unit.test_p1 import DUTCH

BRUSSELS = ZoneInfo("Europe/Brussels")


def make_capacity(tmp_path, price: float | None = 45.0) -> Capacity:
    config = MeterhubConfig.model_validate(
        {"storage": {"data_dir": str(tmp_path)}, "capacity": {"price_eur_per_kw_year": price}}
    )
    return Capacity(config)


def run_meter(capacity: Capacity, start: datetime, minutes: int, step_s: int = 2):
    model = P1MeterModel(load_w=1500, rng=random.Random(8))
    states = []
    for second in range(0, minutes * 60 + 1, step_s):
        telegram = parse_telegram(model.telegram(start + timedelta(seconds=second)))
        states.append((telegram, capacity.update("p1", telegram)))
    return model, states


def test_fluvius_meter_quarters_land_in_the_web_shapes(tmp_path) -> None:
    capacity = make_capacity(tmp_path)
    start = datetime(2026, 1, 20, 16, 7, tzinfo=UTC)  # 17:07 local: mid-quarter
    _, states = run_meter(capacity, start, 40)
    db = capacity.store.db
    quarter = quarter_file(db, "p1", "2026/01/20/1715W.json")
    assert quarter is not None and set(quarter) == {
        "quarter_id", "consumed_power_avg", "begin_consumed_wh", "begin_produced_wh",
        "interval_secs", "consumed_power_interval_avgs", "produced_power_interval_avgs",
    }  # fmt: skip
    q_start = datetime(2026, 1, 20, 16, 15, tzinfo=UTC)
    # The counters at the quarter's start: between the telegrams either side of it.
    before = [t for t, _ in states if t.ts < q_start][-1]
    after = next(t for t, _ in states if t.ts >= q_start)
    for key, name in (("begin_consumed_wh", "energy_import_kwh"),
                      ("begin_produced_wh", "energy_export_kwh")):  # fmt: skip
        low, high = before.values[name] * 1000, after.values[name] * 1000
        assert low - 0.5 <= quarter[key] <= high + 0.5, key
    # The next quarter begins where this one's import ended.
    following = quarter_file(db, "p1", "2026/01/20/1730W.json")
    assert following["begin_consumed_wh"] - quarter["begin_consumed_wh"] == pytest.approx(
        capacity.store.db.execute(
            "SELECT energy_wh FROM capacity_quarters WHERE hhmm = '1715'"
        ).fetchone()[0],
        abs=1.5,
    )
    assert quarter["quarter_id"] == quarter_id(q_start, BRUSSELS)
    assert quarter["interval_secs"] == 5 and len(quarter["consumed_power_interval_avgs"]) == 180
    assert all(v is None or v >= 0 for v in quarter["consumed_power_interval_avgs"])
    assert all(v is None or v <= 0 for v in quarter["produced_power_interval_avgs"])
    # The meter's 1.4.0 at the quarter's last telegram, held to its end, is the average.
    last = [t for t, _ in states if q_start <= t.ts < q_start + timedelta(minutes=15)][-1]
    assert quarter["consumed_power_avg"] == pytest.approx(
        last.values["quarter_avg_power_w"], abs=60
    )
    running = current_quarter(db, "p1")
    assert running["quarter_id"] == quarter_id(datetime(2026, 1, 20, 16, 45, tzinfo=UTC), BRUSSELS)
    listing = day_quarters(db, "p1", 2026, 1, 20)
    assert listing["quarters"][:3] == [
        quarter_id(datetime(2026, 1, 20, 16, m, tzinfo=UTC), BRUSSELS) for m in (0, 15, 30)
    ]
    assert quarter_file(db, "p1", "2026/01/20/1715S.json") is None  # no summer time in January
    assert quarter_file(db, "p1", "../../etc/passwd") is None


def test_month_peak_and_billed_average_follow_the_meter(tmp_path) -> None:
    capacity = make_capacity(tmp_path, price=45.0)
    start = datetime(2026, 1, 20, 16, 0, tzinfo=UTC)
    model, states = run_meter(capacity, start, 20)
    telegram, state = states[-1]
    assert state is not None and state.month_peak_source == "meter"
    assert state.month_peak_power_w == telegram.values["month_peak_power_w"]
    peak = current_month_peak(capacity.store.db, "p1", telegram.ts, BRUSSELS)
    assert peak["peak"]["power"] == round(telegram.values["month_peak_power_w"])
    # 13 months of meter history + this month: the 12 latest, each at least 2.5 kW.
    history = {}
    for end, _, watts in model.history:
        local = (end - timedelta(seconds=1)).astimezone(BRUSSELS)
        history[f"{local.year:04d}-{local.month:02d}"] = watts
    months = sorted(history)[-11:]
    expected = [max(round(history[m]), 2500) for m in months]
    expected.append(max(telegram.values["month_peak_power_w"], 2500))
    assert state.months_averaged == 12
    assert state.billed_average_w == pytest.approx(sum(expected) / 12, abs=1)
    assert state.estimated_cost_eur_year == pytest.approx(
        state.billed_average_w / 1000 * 45, abs=0.1
    )


def test_prediction_flags_a_coming_peak(tmp_path) -> None:
    capacity = make_capacity(tmp_path)
    base = DUTCH[: DUTCH.index("!") + 1]
    t0 = datetime(2025, 7, 14, 13, 30, 0, tzinfo=UTC)

    def telegram(ts: datetime, kwh: float, kw: float):
        local = ts.astimezone(BRUSSELS).strftime("%y%m%d%H%M%S") + "S"
        body = (base.replace("250714153012S", local)
                .replace("1-0:1.8.1(002345.678*kWh)", f"1-0:1.8.1({kwh:010.3f}*kWh)")
                .replace("1-0:1.7.0(00.000*kW)", f"1-0:1.7.0({kw:06.3f}*kW)")
                .replace("1-0:2.7.0(01.830*kW)", "1-0:2.7.0(00.000*kW)"))  # fmt: skip
        return parse_telegram(with_crc(body))

    kwh, state = 2345.0, None
    for second in range(0, 301, 10):  # 1 kW for five minutes, then a 9 kW oven and kettle
        kw = 1.0 if second < 300 else 9.0
        parsed = telegram(t0 + timedelta(seconds=second), kwh, kw)
        state = capacity.update("nl", parsed)
        kwh += 1.0 * 10 / 3600
    assert state is not None and state.month_peak_source is None  # no Belgian registers
    assert state.quarter_avg_power_w == pytest.approx(1000, abs=15)
    assert state.predicted_quarter_power_w == pytest.approx((1000 * 5 + 9000 * 10) / 15, abs=20)
    assert state.new_peak_predicted  # above the 2.5 kW floor and any peak of the month
    reading = reading_of("nl", parsed, state)
    assert reading.values["quarter_avg_power_w"] == state.quarter_avg_power_w  # computed, added


def test_restart_keeps_the_computed_month_peak(tmp_path) -> None:
    path = tmp_path / "meterhub.sqlite3"
    store = CapacityStore(connect(path, "capture_gateway"), BRUSSELS)
    from services.domain.capacity import MonthPeak

    store.offer_peak("x", MonthPeak("2026-01", 3000.0, None, "computed"))
    store.offer_peak("x", MonthPeak("2026-01", 2000.0, None, "computed"))  # lower: ignored
    assert store.computed_peak("x", "2026-01").peak_w == 3000.0
    store.offer_peak("x", MonthPeak("2026-01", 2000.0, None, "meter"), replace=True)
    store.offer_peak("x", MonthPeak("2026-01", 1000.0, None, "meter"), replace=True)
    assert {(p.source, p.peak_w) for p in store.month_peaks("x")} == {
        ("computed", 3000.0),
        ("meter", 1000.0),
    }


def test_a_file_from_before_the_begin_counters_gets_them_added(tmp_path) -> None:
    path = tmp_path / "meterhub.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        CAPACITY.replace("    begin_consumed_wh REAL,       -- import counter at the start (Wh); "
                       "null: not known\n", "")
        .replace("    begin_produced_wh REAL,       -- export counter at the start (Wh); "
                 "null: not known\n", "")
    )  # fmt: skip
    assert "begin_consumed_wh" not in {
        r[1] for r in old.execute("PRAGMA table_info(capacity_quarters)")
    }
    old.close()
    capacity = make_capacity(tmp_path)
    run_meter(capacity, datetime(2026, 1, 20, 16, 0, tzinfo=UTC), 1)
    assert current_quarter(capacity.store.db, "p1")["begin_consumed_wh"] > 0
