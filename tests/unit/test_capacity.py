"""Capacity-tariff arithmetic across quarter, day, month and DST edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.capacity import (
    CapacityTracker,
    MonthPeak,
    billed_average,
    month_of,
    previous_month,
    quarter_id,
    quarter_start,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def feed(
    tracker: CapacityTracker,
    start: datetime,
    seconds: int,
    watts,
    step: int = 1,
    counter_kwh: float = 1000.0,
    extra=None,
):
    """Readings every ``step`` s with import power ``watts(t)``; the counter integrates it."""
    updates, counter = [], counter_kwh
    for t in range(0, seconds + 1, step):
        ts = start + timedelta(seconds=t)
        if t:
            counter += watts(t - step) * step / 3600 / 1000
        values = {"energy_import_kwh": counter, "power_import_w": watts(t), **(extra or {})}
        update = tracker.update(ts, values)
        if update is not None:
            updates.append(update)
    return updates, counter


def closed(updates):
    return [u.closed for u in updates if u.closed is not None]


def test_quarters_are_fixed_and_local_even_in_the_repeated_dst_hour() -> None:
    # 26 Oct 2025: 02:00–03:00 local happens twice (CEST, then CET).
    summer, winter = utc(2025, 10, 26, 0, 50), utc(2025, 10, 26, 1, 50)
    assert quarter_start(summer, BRUSSELS) == utc(2025, 10, 26, 0, 45)
    assert quarter_start(winter, BRUSSELS) == utc(2025, 10, 26, 1, 45)
    first, second = (quarter_id(quarter_start(t, BRUSSELS), BRUSSELS) for t in (summer, winter))
    assert first != second
    assert first & 0xFF == 0x80 | (2 * 4 + 3) and second & 0xFF == 2 * 4 + 3  # 02:45 S and W
    assert first >> 8 == second >> 8 == (25 << 16 | 10 << 8 | 26)


def test_spring_forward_quarters_follow_each_other() -> None:
    # 29 Mar 2026: 02:00 CET jumps to 03:00 CEST; 01:45 CET and 03:00 CEST are adjacent.
    before, after = quarter_start(utc(2026, 3, 29, 0, 59), BRUSSELS), utc(2026, 3, 29, 1, 0)
    assert after - before == timedelta(minutes=15)
    assert quarter_id(after, BRUSSELS) & 0xFF == 0x80 | 12  # 03:00, summer time


def test_counter_average_is_exact_with_unaligned_readings() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 12, 9, 0)  # 10:00 local
    updates, _ = feed(tracker, start, 15 * 60 + 20, lambda t: 3600.0, step=7)
    (quarter,) = closed(updates)
    assert quarter.start == start and quarter.source == "counter" and quarter.complete
    assert quarter.average_w == pytest.approx(3600.0, rel=1e-9)
    assert quarter.energy_wh == pytest.approx(900.0, rel=1e-9)


def test_quarter_started_mid_way_is_incomplete_and_not_a_peak() -> None:
    tracker = CapacityTracker(BRUSSELS)
    updates, _ = feed(tracker, utc(2026, 1, 12, 9, 5), 11 * 60, lambda t: 5000.0)
    (quarter,) = closed(updates)
    assert not quarter.complete
    assert quarter.average_w == pytest.approx(5000.0, rel=1e-6)  # over the part it saw
    assert updates[-1].month_peak is None


def test_prediction_holds_present_power_to_the_end() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 12, 9, 0)
    updates, _ = feed(tracker, start, 5 * 60, lambda t: 1000.0 if t < 300 else 4000.0)
    last = updates[-1]  # at 5:00: 83.3 Wh so far, 4000 W for 10 more minutes
    assert last.quarter_avg_w == pytest.approx(1000.0, rel=1e-6)
    assert last.predicted_w == pytest.approx((1000 * 5 / 60 + 4000 * 10 / 60) * 4, rel=1e-6)


def test_meter_registers_win_over_the_counter() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 12, 9, 0)
    updates, _ = feed(
        tracker, start, 15 * 60 + 1, lambda t: 2000.0, extra={"quarter_avg_power_w": 2400.0}
    )
    (quarter,) = closed(updates)
    assert quarter.source == "meter"
    assert quarter.average_w == pytest.approx(2400.0, rel=1e-3)  # 1.4.0 held to the end


def test_month_peak_is_the_best_complete_quarter_and_resets_with_the_local_month() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 31, 22, 0)  # 23:00 local on 31 January
    updates, _ = feed(
        tracker, start, 75 * 60, lambda t: 6000.0 if 15 * 60 <= t < 30 * 60 else 1000.0, step=5
    )
    done = closed(updates)
    assert [q.start for q in done][:4] == [start + timedelta(minutes=15 * i) for i in range(4)]
    january = [u for u in updates if u.month == "2026-01" and u.month_peak]
    assert january[-1].month_peak.peak_w == pytest.approx(6000.0, rel=1e-6)
    assert january[-1].month_peak.occurred == utc(2026, 1, 31, 22, 30)
    february = [u for u in updates if u.month == "2026-02"]
    assert february[0].month_peak is None  # a new month starts with no peak
    assert february[-1].month_peak.peak_w == pytest.approx(1000.0, rel=1e-6)


def test_meter_month_peak_stamped_at_month_start_belongs_to_last_month() -> None:
    tracker = CapacityTracker(BRUSSELS)
    ts = utc(2026, 2, 1, 0, 0, 5)  # 01:00:05 local, 1 February
    update = tracker.update(
        ts, {"power_import_w": 500.0}, meter_peak=(utc(2026, 1, 31, 23, 0), 4100.0)
    )
    assert update is not None and update.month_peak is None
    update = tracker.update(
        ts + timedelta(seconds=1),
        {"power_import_w": 500.0},
        meter_peak=(utc(2026, 2, 1, 0, 15), 800.0),
    )
    assert update is not None and update.month_peak.peak_w == 800.0
    assert update.month_peak.source == "meter"


def test_replayed_reading_changes_nothing() -> None:
    tracker = CapacityTracker(BRUSSELS)
    assert tracker.update(utc(2026, 1, 1, 12), {"power_import_w": 1.0}) is not None
    assert tracker.update(utc(2026, 1, 1, 12), {"power_import_w": 1.0}) is None


def test_silence_longer_than_a_minute_leaves_the_quarter_incomplete() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 12, 9, 0)
    tracker.update(start, {"energy_import_kwh": 10.0, "power_import_w": 1000})
    tracker.update(start + timedelta(minutes=10), {"energy_import_kwh": 10.5})
    update = tracker.update(start + timedelta(minutes=17), {"energy_import_kwh": 10.7})
    assert update is not None and update.closed is not None
    assert not update.closed.complete and update.month_peak is None


def test_samples_are_five_second_averages_with_gaps() -> None:
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 1, 12, 9, 0)
    for second, (imp, exp) in {0: (100, 0), 2: (300, 0), 11: (0, 800)}.items():
        tracker.update(
            start + timedelta(seconds=second), {"power_import_w": imp, "power_export_w": exp}
        )
    consumed, produced = tracker.quarter.samples.averages()
    assert consumed == [200, None, 0] and produced == [0, None, -800]


def test_billed_average_floors_each_month_and_prefers_the_meter() -> None:
    peaks = [MonthPeak(f"2025-{m:02d}", 1000.0 * m, None, "meter") for m in range(1, 13)]
    peaks.append(MonthPeak("2025-12", 99999.0, None, "computed"))  # the meter's own wins
    peaks.append(MonthPeak("2026-01", 3100.0, None, "computed"))
    billed = billed_average(peaks, "2026-01", floor_w=2500, price_eur_per_kw_year=50.0)
    assert billed is not None and billed.months[0].month == "2025-02"
    months = [max(1000.0 * m, 2500) for m in range(2, 13)] + [3100.0]
    assert billed.average_w == pytest.approx(sum(months) / 12)
    assert billed.cost_eur_year == pytest.approx(sum(months) / 12 / 1000 * 50.0)


def test_billed_average_over_the_months_known() -> None:
    billed = billed_average(
        [MonthPeak("2026-01", 1200.0, None, "computed")], "2026-01", floor_w=2500
    )
    assert billed is not None and billed.average_w == 2500 and billed.cost_eur_year is None
    assert billed_average([], "2026-01", floor_w=2500) is None


def test_month_helpers() -> None:
    assert previous_month("2026-01") == "2025-12"
    assert month_of(utc(2026, 1, 31, 23, 30), BRUSSELS) == "2026-02"  # 00:30 local on 1 Feb


@settings(max_examples=60, deadline=None)
@given(
    watts=st.lists(st.floats(0, 9000), min_size=1, max_size=40),
    step=st.integers(1, 30),
    offset=st.integers(0, 899),
)
def test_counter_quarters_add_up_to_the_counter(watts, step, offset) -> None:
    """Whatever the power and reading rhythm, closed quarters split the energy without loss."""
    tracker = CapacityTracker(BRUSSELS)
    start = utc(2026, 10, 25, 0, 0) + timedelta(seconds=offset)  # across the DST change

    def power(t: int) -> float:
        return watts[(t // 60) % len(watts)]

    updates, end_counter = feed(tracker, start, 3 * 3600, power, step=step)
    done = closed(updates)
    energy = sum(q.energy_wh for q in done) + tracker.quarter.energy_wh
    first_full = done[0].energy_wh if done else 0.0
    assert energy == pytest.approx((end_counter - 1000.0) * 1000, rel=1e-6, abs=1e-6)
    assert all(q.complete for q in done[1:]) and first_full >= 0
