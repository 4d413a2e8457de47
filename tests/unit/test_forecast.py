"""Days left on a prepaid balance, from readings stored in a real SQLite file."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.core.messages import Reading
from services.database.reading_queries import ReadingQueries
from services.domain.forecast import forecast
from services.storage.store import ReadingStore

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def stored(
    tmp_path: Path, points: list[tuple[datetime, float]]
) -> tuple[ReadingStore, ReadingQueries]:
    path = tmp_path / "meterhub.sqlite3"
    store = ReadingStore(path)
    store.ingest(
        [
            Reading(device="pln", ts=t, source="ocr", values={"token_balance_kwh": v})
            for t, v in points
        ]
    )
    return store, ReadingQueries(path)


def test_a_partial_day_counts_by_its_hours_not_as_a_whole_day(tmp_path):
    # First day of readings: 0.2 kWh an hour for 15 hours, read every quarter hour.
    start = NOW - timedelta(hours=15)
    points = [(start + timedelta(minutes=15 * i), 100.0 - 0.05 * i) for i in range(61)]
    store, queries = stored(tmp_path, points)
    result = queries.days_left("pln", now=NOW)
    assert result is not None
    assert result.use_per_day == pytest.approx(4.8)  # not 3 kWh "per day" for 15 hours
    assert result.days_left == pytest.approx(97.0 / 4.8)
    assert result.span_days == pytest.approx(14.25 / 24)  # the first hour bucket anchors it
    assert result.uncertainty_days == pytest.approx(0.0, abs=1e-9)  # a steady rate
    # The retained state carries the same figure, rounded to a tenth of a day.
    state = store.state("pln")
    assert state["days_left"] == round(97.0 / 4.8, 1)
    assert state["days_left_uncertainty"] == 0.0


def test_top_ups_add_no_use_and_the_rate_spans_only_the_last_seven_days(tmp_path):
    points = [(NOW - timedelta(days=10) + timedelta(hours=h), 200.0 - 1.0 * h) for h in range(24)]
    # The last six days: 0.1 kWh an hour, with a 50 kWh token entered half-way.
    for h in range(6 * 24 + 1):
        value = 150.0 - 0.1 * h + (50.0 if h >= 72 else 0.0)
        points.append((NOW - timedelta(hours=6 * 24 - h), value))
    _, queries = stored(tmp_path, points)
    result = queries.days_left("pln", now=NOW)
    assert result is not None
    # The 24 kWh/day of ten days ago is out; the 0.1 kWh used in the top-up step is unseen.
    assert result.use_per_day == pytest.approx(14.3 / 6)
    assert result.balance == pytest.approx(150.0 - 14.4 + 50.0)
    assert result.span_days == pytest.approx(6.0)


def test_the_uncertainty_follows_the_day_to_day_spread_of_the_rate(tmp_path):
    # Six days alternating 2 and 4 kWh a day, read hourly: 3 a day on average.
    points, balance = [(NOW - timedelta(days=6), 100.0)], 100.0
    for h in range(1, 6 * 24 + 1):
        day = (h - 1) // 24
        balance -= (2.0 if day % 2 == 0 else 4.0) / 24
        points.append((NOW - timedelta(days=6) + timedelta(hours=h), balance))
    _, queries = stored(tmp_path, points)
    result = queries.days_left("pln", now=NOW)
    assert result is not None
    assert result.balance == pytest.approx(82.0)
    assert result.use_per_day == pytest.approx(3.0)
    assert result.days_left == pytest.approx(82.0 / 3.0)
    # Rates 2,4,2,4,2,4: variance 1, six days -> standard error sqrt(1/5) kWh/day.
    assert result.uncertainty_days == pytest.approx(82.0 * math.sqrt(1 / 5) / 9.0)


def test_no_forecast_without_enough_time_or_without_use(tmp_path):
    short = [(NOW - timedelta(hours=5) + timedelta(hours=h), 50.0 - h) for h in range(6)]
    store, queries = stored(tmp_path, short)
    assert queries.days_left("pln", now=NOW) is None  # five hours say little about a day
    assert "days_left" not in store.state("pln")
    assert queries.days_left("nobody") is None
    flat = forecast(
        50.0, [(NOW - timedelta(hours=12), NOW - timedelta(hours=6), 0.0),
               (NOW - timedelta(hours=6), NOW, 0.0)]
    )  # fmt: skip
    assert flat is not None and flat.days_left is None and flat.use_per_day == 0.0
