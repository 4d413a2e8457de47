"""Capacity tariff (Flanders): fixed quarter-hour demand, month peak, the billed 12-month average.

Rules as the regulator states them and users report them:
- quarters are fixed (:00, :15, :30, :45 local time), never sliding;
- a quarter's demand is the average import power over it (all phases together);
- the month peak is the highest quarter of the month (local month);
- the bill uses the average of the last 12 month peaks (this month included), each at
  least 2.5 kW.

The meter's own registers win where it sends them (1-0:1.4.0 running quarter average,
1-0:1.6.0 month peak, 0-0:98.1.0 the 13 past month peaks); otherwise everything is
computed from the import counter, interpolated at the quarter boundaries. While a quarter
runs, its final average is predicted from the energy so far plus the present power held
to the end, so an alert can fire before a new peak is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

QUARTER = timedelta(minutes=15)
QUARTER_H = 0.25
SAMPLE_S = 5  # width of the per-quarter power samples the web page draws
SAMPLES = int(QUARTER.total_seconds()) // SAMPLE_S
MAX_GAP = timedelta(seconds=60)  # a longer silence leaves the quarter incomplete
EPSILON = timedelta(seconds=1)


def quarter_start(ts: datetime, tz: ZoneInfo) -> datetime:
    """Start (UTC) of the fixed local quarter holding ``ts``; fold keeps the DST hour apart."""
    local = ts.astimezone(tz)
    floored = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    return floored.astimezone(UTC)


def month_of(ts: datetime, tz: ZoneInfo) -> str:
    local = ts.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    index = year * 12 + number - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def quarter_id(start: datetime, tz: ZoneInfo) -> int:
    """The web page's quarter id: yy, month, day, quarter of the day (+0x80 in summer time)."""
    local = start.astimezone(tz)
    slot = local.hour * 4 + local.minute // 15 + (0x80 if local.dst() else 0)
    return (((local.year - 2000) << 8 | local.month) << 8 | local.day) << 8 | slot


@dataclass(frozen=True)
class MonthPeak:
    month: str  # local 'YYYY-MM'
    peak_w: float
    occurred: datetime | None
    source: str  # 'meter' (1-0:1.6.0 / 0-0:98.1.0) or 'computed'


@dataclass
class Samples:
    """Per 5-second slot: sums and counts of import (≥ 0) and export (≤ 0) power."""

    consumed: list[tuple[float, int]] = field(default_factory=lambda: [(0.0, 0)] * SAMPLES)
    produced: list[tuple[float, int]] = field(default_factory=lambda: [(0.0, 0)] * SAMPLES)

    def add(self, slot: int, import_w: float, export_w: float) -> None:
        total, count = self.consumed[slot]
        self.consumed[slot] = (total + import_w, count + 1)
        total, count = self.produced[slot]
        self.produced[slot] = (total - export_w, count + 1)

    def averages(self) -> tuple[list[int | None], list[int | None]]:
        """Up to the last slot with data; ``None`` for slots without (as the page expects)."""
        last = max((i for i, (_, n) in enumerate(self.consumed) if n), default=-1)

        def mean(cells: list[tuple[float, int]]) -> list[int | None]:
            return [round(t / n) if n else None for t, n in cells[: last + 1]]

        return mean(self.consumed), mean(self.produced)


@dataclass
class Quarter:
    start: datetime
    energy_wh: float = 0.0  # import energy counted in this quarter (counter method)
    complete: bool = False  # the counter covered the quarter from its start
    counted_from: datetime | None = None  # where counting began, when not at the start
    meter_avg_w: float | None = None  # last 1-0:1.4.0 seen in this quarter
    last_ts: datetime | None = None
    last_import_w: float = 0.0
    samples: Samples = field(default_factory=Samples)
    # Import/export counters (Wh) at the quarter's start: interpolated across the boundary,
    # else the first value seen in the quarter (the P1 monitor's begin_*_wh).
    begin_consumed_wh: float | None = None
    begin_produced_wh: float | None = None

    @property
    def end(self) -> datetime:
        return self.start + QUARTER

    def energy_so_far_wh(self, at: datetime) -> float:
        if self.meter_avg_w is not None:
            return self.meter_avg_w * (at - self.start).total_seconds() / 3600
        return self.energy_wh

    def average_w(self, at: datetime) -> float:
        """Average import over the part of the quarter that has passed (and was seen)."""
        since = self.start if self.meter_avg_w is not None else self.counted_from or self.start
        elapsed_h = (at - since).total_seconds() / 3600
        return self.energy_so_far_wh(at) / elapsed_h if elapsed_h > 0 else 0.0

    def predicted_w(self, at: datetime, import_w: float) -> float:
        remaining_h = max((self.end - at).total_seconds(), 0.0) / 3600
        return (self.energy_so_far_wh(at) + import_w * remaining_h) / QUARTER_H

    @property
    def source(self) -> str:
        return "meter" if self.meter_avg_w is not None else "counter"


@dataclass(frozen=True)
class ClosedQuarter:
    start: datetime
    average_w: float
    energy_wh: float
    complete: bool
    source: str
    consumed: list[int | None]
    produced: list[int | None]
    begin_consumed_wh: float | None = None
    begin_produced_wh: float | None = None


@dataclass(frozen=True)
class CapacityUpdate:
    ts: datetime
    quarter: Quarter
    quarter_avg_w: float
    predicted_w: float
    month: str
    month_peak: MonthPeak | None
    closed: ClosedQuarter | None
    sample_done: bool  # a 5-second slot was completed: time to save the running quarter


@dataclass
class CapacityTracker:
    """One meter's running quarter and month peak, fed one reading at a time (in time order)."""

    tz: ZoneInfo
    quarter: Quarter | None = None
    month: str | None = None
    computed_peak: MonthPeak | None = None  # best complete quarter of ``month``
    meter_peak: MonthPeak | None = None
    _counter: tuple[datetime, float] | None = None  # last (ts, import kWh)
    _export: tuple[datetime, float] | None = None  # last (ts, export kWh)
    _slot: int = -1

    def update(
        self,
        ts: datetime,
        values: dict[str, float],
        meter_peak: tuple[datetime, float] | None = None,
    ) -> CapacityUpdate | None:
        """Feed one reading; None if it is older than what was seen (replays change nothing)."""
        if self.quarter is not None and self.quarter.last_ts and ts <= self.quarter.last_ts:
            return None
        import_w = _import_w(values)
        start = quarter_start(ts, self.tz)
        counter = values.get("energy_import_kwh")
        closed = None
        export = values.get("energy_export_kwh")
        rolled = self.quarter is None or start != self.quarter.start
        if rolled:
            closed = self._roll(start, ts, counter)
        elif counter is not None and self._counter is not None:
            self.quarter.energy_wh += max(counter - self._counter[1], 0.0) * 1000
        quarter = self.quarter
        assert quarter is not None
        if rolled:
            quarter.begin_consumed_wh = _begin_wh(self._counter, ts, counter, start)
            quarter.begin_produced_wh = _begin_wh(self._export, ts, export, start)
        if quarter.begin_consumed_wh is None and counter is not None:
            quarter.begin_consumed_wh = counter * 1000
        if quarter.begin_produced_wh is None and export is not None:
            quarter.begin_produced_wh = export * 1000
        if counter is not None:
            self._counter = (ts, counter)
        if export is not None:
            self._export = (ts, export)
        if "quarter_avg_power_w" in values:
            quarter.meter_avg_w = values["quarter_avg_power_w"]
        quarter.last_ts, quarter.last_import_w = ts, import_w
        slot = min(int((ts - quarter.start).total_seconds()) // SAMPLE_S, SAMPLES - 1)
        quarter.samples.add(slot, import_w, _export_w(values))
        sample_done, self._slot = slot != self._slot and self._slot >= 0, slot
        month = month_of(start, self.tz)
        if self.month != month:
            self.month, self.computed_peak, self.meter_peak = month, None, None
        # The meter stamps its peak with the quarter's end: 00:00 on the 1st is last month's.
        if meter_peak is not None and month_of(meter_peak[0] - EPSILON, self.tz) == month:
            self.meter_peak = MonthPeak(month, meter_peak[1], meter_peak[0], "meter")
        return CapacityUpdate(
            ts=ts,
            quarter=quarter,
            quarter_avg_w=quarter.average_w(ts),
            predicted_w=quarter.predicted_w(ts, import_w),
            month=month,
            month_peak=self.meter_peak or self.computed_peak,
            closed=closed,
            sample_done=sample_done or closed is not None,
        )

    def _roll(self, start: datetime, ts: datetime, counter: float | None) -> ClosedQuarter | None:
        """A new quarter began: close the old one, the counter's step split at the boundary."""
        old, new, closed = self.quarter, Quarter(start), None
        if old is not None and old.last_ts is not None:
            if counter is not None and self._counter is not None:
                seen, before = self._counter
                gap, step_wh = ts - seen, max(counter - before, 0.0) * 1000
                if gap > timedelta(0):
                    old.energy_wh += step_wh * ((old.end - seen) / gap)
                    new.energy_wh = step_wh * ((ts - start) / gap)
                new.complete = gap <= MAX_GAP
                old.complete = old.complete and old.end - seen <= MAX_GAP
            closed = self._close(old)
        if not new.complete and counter is not None:
            new.counted_from = ts  # nothing known before this reading
            new.energy_wh = 0.0
            new.complete = ts == start
        self.quarter, self._slot = new, -1
        return closed

    def _close(self, old: Quarter) -> ClosedQuarter:
        if old.meter_avg_w is not None and old.last_ts is not None:
            average = old.predicted_w(old.last_ts, old.last_import_w)
            energy, complete = average * QUARTER_H, True
        else:
            seen_h = (old.end - (old.counted_from or old.start)).total_seconds() / 3600
            energy, complete = old.energy_wh, old.complete
            average = energy / seen_h if seen_h > 0 else 0.0
        consumed, produced = old.samples.averages()
        closed = ClosedQuarter(
            old.start, average, energy, complete, old.source, consumed, produced,
            old.begin_consumed_wh, old.begin_produced_wh,
        )  # fmt: skip
        if complete:
            month = month_of(old.start, self.tz)
            best = self.computed_peak
            if best is None or best.month != month or average > best.peak_w:
                self.computed_peak = MonthPeak(month, average, old.end, "computed")
        return closed


def _begin_wh(
    before: tuple[datetime, float] | None, ts: datetime, kwh: float | None, start: datetime
) -> float | None:
    """A counter (Wh) at ``start``, interpolated between the last reading before it and
    the first at or after it; None when either is missing or they are too far apart."""
    if before is None or kwh is None or ts - before[0] > MAX_GAP or ts <= before[0]:
        return None
    seen, value = before
    return (value + (kwh - value) * ((start - seen) / (ts - seen))) * 1000


def _import_w(values: dict[str, float]) -> float:
    if "power_import_w" in values:
        return max(values["power_import_w"], 0.0)
    return max(values.get("power_w", 0.0), 0.0)


def _export_w(values: dict[str, float]) -> float:
    if "power_export_w" in values:
        return max(values["power_export_w"], 0.0)
    return max(-values.get("power_w", 0.0), 0.0)


@dataclass(frozen=True)
class BilledAverage:
    average_w: float
    months: list[MonthPeak]  # the months averaged, oldest first, before the floor
    cost_eur_year: float | None


def billed_average(
    peaks: list[MonthPeak],
    current_month: str,
    *,
    floor_w: float,
    months: int = 12,
    price_eur_per_kw_year: float | None = None,
) -> BilledAverage | None:
    """Average of the last ``months`` month peaks up to ``current_month``, each floored.

    Where two sources know a month the meter's own value wins. With fewer months known
    (a new meter, a new install) the average is over the months there are.
    """
    by_month: dict[str, MonthPeak] = {}
    for peak in sorted(peaks, key=lambda p: p.source == "meter"):  # meter rows last: they win
        by_month[peak.month] = peak
    wanted, month = [], current_month
    for _ in range(months):
        wanted.append(month)
        month = previous_month(month)
    chosen = [by_month[m] for m in reversed(wanted) if m in by_month]
    if not chosen:
        return None
    average = sum(max(p.peak_w, floor_w) for p in chosen) / len(chosen)
    cost = None if price_eur_per_kw_year is None else average / 1000 * price_eur_per_kw_year
    return BilledAverage(average, chosen, cost)
