"""The store and its queries on a real SQLite file: idempotency, roll-ups, queues, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.core.config.storage import StorageConfig
from services.core.messages import Reading
from services.database.reading_queries import ReadingQueries
from services.storage.store import ReadingStore

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def reading(at: datetime, device: str = "m1", source: str = "p1", **values: float) -> Reading:
    return Reading(device=device, ts=at, source=source, values=values)


def make(tmp_path: Path, **kwargs) -> tuple[ReadingStore, ReadingQueries]:
    path = tmp_path / "meterhub.sqlite3"
    return ReadingStore(path, **kwargs), ReadingQueries(path)


def test_redelivered_readings_are_stored_and_queued_once(tmp_path):
    store, queries = make(tmp_path, sinks={"influxdb": 10**9})
    first = [reading(T0 + timedelta(seconds=i), energy_import_kwh=10 + i) for i in range(5)]
    assert store.ingest(first).stored == 5
    again = store.ingest([*first[2:], reading(T0 + timedelta(seconds=9), energy_import_kwh=20)])
    assert (again.stored, again.duplicates) == (1, 3)
    assert [q.values for q in store.outbox.peek("influxdb", 100)] == [
        {"energy_import_kwh": 10 + i} for i in (0, 1, 2, 3, 4)
    ] + [{"energy_import_kwh": 20}]
    day = queries.consumption("m1", every="day")
    assert [d["used"] for d in day] == [10.0]  # 10 -> 14 -> 20, the replay added nothing
    assert len(queries.history("m1", "energy_import_kwh", every="raw")) == 6


def test_state_and_latest_keep_the_newest_even_when_an_older_reading_arrives_late(tmp_path):
    store, queries = make(tmp_path)
    half = T0 + timedelta(milliseconds=500)
    result = store.ingest([reading(half, power_w=2.0)])
    assert result.states == {"m1": {"ts": "2026-11-22T05:00:00.500000Z", "power_w": 2.0}}
    # Whole second, half a second older: as text "...:00Z" sorts after "...:00.5Z".
    late = store.ingest([reading(T0, power_w=1.0, gas_m3=3.0)])
    assert late.states["m1"]["power_w"] == 2.0 and late.states["m1"]["gas_m3"] == 3.0
    latest = queries.latest("m1")
    assert latest["values"]["power_w"]["value"] == 2.0
    assert latest["values"]["gas_m3"]["ts"] == "2026-11-22T05:00:00Z"
    assert queries.last_seen() == {"m1": "2026-11-22T05:00:00.500000Z"}


def test_days_and_months_follow_the_configured_zone(tmp_path):
    store, queries = make(tmp_path, zone=BRUSSELS)
    # 22:30Z is 23:30 in Brussels (winter); 23:30Z is already the next local day.
    evening = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    store.ingest(
        [
            reading(evening - timedelta(hours=1), energy_import_kwh=100.0),
            reading(evening, energy_import_kwh=101.5),
            reading(evening + timedelta(hours=1), energy_import_kwh=104.0),
        ]
    )
    days = queries.consumption("m1", every="day")
    assert [(d["ts"], d["used"]) for d in days] == [
        ("2026-11-29T23:00:00Z", 1.5),
        ("2026-11-30T23:00:00Z", 2.5),  # increase 22:30Z -> 23:30Z counts in the later day
    ]
    months = queries.consumption("m1", every="1mo")
    assert [m["ts"] for m in months] == ["2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z"]
    with pytest.raises(ValueError, match="not a counter"):
        queries.consumption("m1", "power_w")


def test_hourly_history_of_a_gauge_has_avg_min_max(tmp_path):
    store, queries = make(tmp_path)
    store.ingest([reading(T0 + timedelta(minutes=m), power_w=p) for m, p in ((1, 100), (20, 300))])
    store.ingest([reading(T0 + timedelta(minutes=59), power_w=200)])  # a later batch, same hour
    (hour,) = queries.history("m1", "power_w", every="1h")
    assert (hour["ts"], hour["n"], hour["avg"], hour["min"], hour["max"], hour["last"]) == (
        "2026-11-22T05:00:00Z", 3, 200.0, 100.0, 300.0, 200.0,
    )  # fmt: skip
    quarters = queries.history("m1", "power_w", every="quarter", start=T0, end="2026-11-22T06:00Z")
    assert [q["ts"][11:16] for q in quarters] == ["05:00", "05:15", "05:45"]
    with pytest.raises(ValueError, match="every must be one of"):
        queries.history("m1", "power_w", every="fortnight")


def test_daily_use_of_a_balance_ignores_top_ups_and_forecasts_days_left(tmp_path):
    store, queries = make(tmp_path)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    values = [(yesterday, 127.0), (yesterday + timedelta(hours=5), 120.0)]
    values += [(yesterday + timedelta(hours=6), 170.0), (yesterday + timedelta(hours=20), 165.0)]
    values += [(today + timedelta(minutes=1), 164.0)]
    store.ingest([reading(t, source="ocr", token_balance_kwh=v) for t, v in values])
    use = queries.daily_use("m1", days=7)
    assert [(d["used"], d["topped_up"]) for d in use] == [(12.0, 50.0), (1.0, 0.0)]
    forecast = queries.days_left("m1", now=today + timedelta(minutes=1))
    # 13 kWh fell over 24 h 1 min of readings; the 50 kWh top-up counts for nothing.
    assert forecast.balance == 164.0
    assert forecast.use_per_day == pytest.approx(13.0 * 1440 / 1441)
    assert forecast.days_left == pytest.approx(164.0 / forecast.use_per_day)
    # The retained state carries the same forecast for Home Assistant's "Days left".
    assert store.state("m1")["days_left"] == round(forecast.days_left, 1)
    store.ingest([reading(today, power_w=5.0, device="p1meter")])
    assert "days_left" not in store.state("p1meter")  # no balance, no forecast


def test_quarter_history_and_month_peak_use_each_quarters_final_average(tmp_path):
    store, queries = make(tmp_path, zone=BRUSSELS)
    q1 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    running = [(1, 3000.0), (7, 2000.0), (14, 1500.0), (16, 800.0), (29, 2500.0), (31, 100.0)]
    store.ingest(
        [reading(q1 + timedelta(minutes=m), quarter_avg_power_w=w) for m, w in running]
        + [reading(q1 + timedelta(minutes=30), month_peak_power_w=2600.0)]
    )
    quarters = queries.quarter_history("m1")
    assert [(q["ts"][11:16], q["avg_power_w"]) for q in quarters] == [
        ("09:00", 1500.0), ("09:15", 2500.0), ("09:30", 100.0),
    ]  # fmt: skip
    # The early 3000 W of the first quarter was a running average, not a quarter's result.
    assert queries.month_peaks("m1") == [
        {
            "month": "2026-10-31T23:00:00Z",
            "peak_w": 2500.0,
            "peak_quarter": "2026-11-22T09:15:00Z",
            "meter_peak_w": 2600.0,
        }
    ]


def test_a_sinks_queue_over_its_cap_drops_the_oldest_and_counts_them(tmp_path):
    store, queries = make(tmp_path, sinks={"slow": 20_000, "fast": 10**9})
    for batch in range(10):
        store.ingest(
            [
                reading(T0 + timedelta(seconds=batch * 100 + i), energy_import_kwh=batch * 100 + i)
                for i in range(100)
            ]
        )
    slow, fast = store.outbox.peek("slow", 10_000), store.outbox.peek("fast", 10_000)
    assert len(fast) == 1000
    status = {s["sink"]: s for s in queries.sinks()}
    assert status["slow"]["dropped"] > 0
    assert status["slow"]["dropped"] + len(slow) == 1000
    assert status["slow"]["waiting"] == len(slow) and status["slow"]["waiting_bytes"] <= 20_000
    assert [q.values["energy_import_kwh"] for q in slow] == list(range(1000 - len(slow), 1000))
    assert status["fast"]["dropped"] == 0
    # Once both sinks confirmed, the journal is empty.
    store.outbox.confirm("slow", slow[-1].seq, sent=len(slow))
    store.outbox.confirm("fast", fast[-1].seq, sent=len(fast))
    assert store.outbox.peek("slow", 10) == [] and store.outbox.peek("fast", 10) == []
    assert store._db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert {s["sink"]: s["sent"] for s in queries.sinks()} == {"fast": 1000, "slow": len(slow)}


def test_retention_deletes_old_raw_rows_and_minutes_but_keeps_coarse_rollups(tmp_path):
    store, queries = make(tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    old, recent = now - timedelta(days=40), now - timedelta(days=1)
    store.ingest([reading(old, gas_m3=1.0), reading(recent, gas_m3=2.0)])
    deleted = store.prune(raw_days=30, minute_days=30)
    assert deleted == 2  # one raw row, one per-minute roll-up
    assert [r["value"] for r in queries.history("m1", "gas_m3", every="raw")] == [2.0]
    assert len(queries.history("m1", "gas_m3", every="minute")) == 1
    assert len(queries.history("m1", "gas_m3", every="hour")) == 2


def test_by_default_a_year_of_minute_rollups_is_kept(tmp_path):
    """Seed 001's users look back a year at minute resolution; raw rows go after 30 days."""
    defaults = StorageConfig()
    store, queries = make(tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    ages = (364, 100, 1)
    store.ingest([reading(now - timedelta(days=d), gas_m3=float(d)) for d in ages])
    store.prune(defaults.raw_retention_days, defaults.minute_retention_days)
    minutes = queries.history("m1", "gas_m3", every="minute")
    assert [m["last"] for m in minutes] == [364.0, 100.0, 1.0]
    assert [r["value"] for r in queries.history("m1", "gas_m3", every="raw")] == [1.0]


def test_changing_the_time_zone_rebuilds_rollups_from_raw_rows(tmp_path):
    path = tmp_path / "meterhub.sqlite3"
    evening = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    store = ReadingStore(path)
    store.ingest([reading(evening, gas_m3=1.0), reading(evening + timedelta(hours=1), gas_m3=2.0)])
    store.close()
    assert [d["ts"] for d in ReadingQueries(path).consumption("m1", "gas_m3")] == [
        "2026-11-30T00:00:00Z"
    ]
    ReadingStore(path, zone=BRUSSELS).close()
    days = ReadingQueries(path).consumption("m1", "gas_m3")
    assert [(d["ts"], d["used"]) for d in days] == [
        ("2026-11-29T23:00:00Z", 0.0),
        ("2026-11-30T23:00:00Z", 1.0),
    ]
