"""What a meter's energy cost: today, this month, last month, each day at its own price.

Use per day comes from the day roll-ups (a counter's rise, a prepaid balance's fall, so a
top-up is not use); each local day is priced by the entry valid on it, so a price change
never rewrites an old month. Use before the first entry stays unpriced and is reported as
such rather than priced at a guess.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ..core.config.prices import PriceEntry, PricesConfig, TariffPeriod
from .queries import ReadingQueries

# The counter whose rise is the use of each tariff period ("all": the total import).
PERIOD_QUANTITY: dict[TariffPeriod, str] = {
    "all": "energy_import_kwh",
    "t1": "energy_import_t1_kwh",
    "t2": "energy_import_t2_kwh",
    "t3": "energy_import_t3_kwh",
    "t4": "energy_import_t4_kwh",
}

DayUse = dict[date, dict[TariffPeriod, float]]


@dataclass(frozen=True)
class Spend:
    amount: float  # of the priced use, in the prices' currency
    kwh: float  # use that had a price
    unpriced_kwh: float  # use on days before the first price entry


@dataclass(frozen=True)
class Costs:
    currency: str
    today: Spend
    this_month: Spend
    last_month: Spend
    price: PriceEntry | None  # in force today


def price_on(history: list[PriceEntry], day: date) -> PriceEntry | None:
    """The entry valid on ``day`` (``history`` sorted by valid_from, as the config keeps it)."""
    index = bisect.bisect_right([entry.valid_from for entry in history], day)
    return history[index - 1] if index else None


def spend(use: DayUse, history: list[PriceEntry], first: date, last: date) -> Spend:
    """Cost of the days ``first``..``last`` (inclusive), each at the price valid on it."""
    amount = priced = unpriced = 0.0
    for day, periods in use.items():
        if not first <= day <= last:
            continue
        entry = price_on(history, day)
        if entry is None:
            unpriced += sum(periods.values())
            continue
        for period, price in entry.per_kwh.items():
            kwh = periods.get(period, 0.0)
            amount += kwh * price
            priced += kwh
    return Spend(amount, priced, unpriced)


def use_by_day(
    queries: ReadingQueries,
    device: str,
    periods: set[TariffPeriod],
    zone: tzinfo,
    start: datetime,
    balance_quantity: str | None = None,
) -> DayUse:
    """Use per local day and period since ``start``; a prepaid meter's "all" is its
    balance's fall."""
    use: DayUse = {}
    for period in periods:
        quantity = balance_quantity if balance_quantity and period == "all" else None
        field = "fall" if quantity else "rise"
        rows = queries.history(
            device, quantity or PERIOD_QUANTITY[period], start=start, every="day"
        )
        for row in rows:
            day = datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).astimezone(zone)
            use.setdefault(day.date(), {})[period] = row[field] or 0.0
    return use


def costs(
    queries: ReadingQueries,
    device: str,
    prices: PricesConfig,
    zone: tzinfo,
    now: datetime,
    balance_quantity: str | None = None,
) -> Costs:
    """Today, this month and last month of ``device`` (local days of ``zone``)."""
    today = now.astimezone(zone).date()
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    periods = {period for entry in prices.history for period in entry.per_kwh}
    since = datetime.combine(last_month_start, time(), zone).astimezone(UTC)
    use = use_by_day(queries, device, periods, zone, since, balance_quantity)
    history = prices.history
    return Costs(
        currency=prices.currency,
        today=spend(use, history, today, today),
        this_month=spend(use, history, month_start, today),
        last_month=spend(use, history, last_month_start, last_month_end),
        price=price_on(history, today),
    )
