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

from ..core.capacity_prices import DEFAULT_CAPACITY_EUR_PER_KW_YEAR
from ..core.config import MeterhubConfig
from ..core.config.devices import DeviceConfig
from ..core.config.prices import PriceEntry, PricesConfig, TariffPeriod
from ..core.currency import decimals
from ..core.quantities import COSTS, QUANTITIES, QuantityKind
from ..core.timestamps import parse_aware
from .reading_queries import ReadingQueries

# The counter whose rise is the use of each tariff period ("all": the total import).
PERIOD_QUANTITY: dict[TariffPeriod, str] = {
    "all": "energy_import_kwh",
    "t1": "energy_import_t1_kwh",
    "t2": "energy_import_t2_kwh",
    "t3": "energy_import_t3_kwh",
    "t4": "energy_import_t4_kwh",
}

CAPACITY_CURRENCY = "EUR"  # of capacity.price_eur_per_kw_year and the regions' defaults
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
            day = parse_aware(row["ts"]).astimezone(zone)
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


@dataclass(frozen=True)
class CapacityPrice:
    per_kw_year: float
    confirmed: bool  # set by the user; False: the region's documented default
    currency: str = CAPACITY_CURRENCY


@dataclass(frozen=True)
class CapacityCost:
    price: CapacityPrice
    month_peak_adds: float | None  # this month's peak's share of the year's bill
    quarter_would_add: float | None  # what the running quarter adds if it ends as predicted


def capacity_price(
    prices: PricesConfig, day: date, configured: float | None = None
) -> CapacityPrice | None:
    """The entry's price valid on ``day``, else ``capacity.price_eur_per_kw_year``
    (``configured``), else the region's default (unconfirmed); none without any."""
    entry = price_on(prices.history, day)
    if entry is not None and entry.capacity_per_kw_year is not None:
        return CapacityPrice(entry.capacity_per_kw_year, True, prices.currency)
    if configured is not None:
        return CapacityPrice(configured, True)
    if prices.grid_region is not None:
        return CapacityPrice(DEFAULT_CAPACITY_EUR_PER_KW_YEAR[prices.grid_region], False)
    return None


def capacity_cost(
    price: CapacityPrice,
    *,
    month_peak_w: float | None,
    predicted_w: float | None,
    floor_w: float,
    months: int,
) -> CapacityCost:
    """A month peak counts 1/``months`` in the billed average for ``months`` months, so it
    adds peak (at least the floor) / ``months`` × the yearly price to a year's bill; the
    running quarter adds only what its predicted average lifts the month's peak by."""
    per_w = price.per_kw_year / 1000 / months
    billed = None if month_peak_w is None else max(month_peak_w, floor_w)
    would_add = None
    if predicted_w is not None:
        would_add = max(predicted_w - (billed if billed is not None else floor_w), 0.0) * per_w
    return CapacityCost(
        price=price,
        month_peak_adds=None if billed is None else billed * per_w,
        quarter_would_add=would_add,
    )


@dataclass(frozen=True)
class Money:
    """Everything the page, the bot, Home Assistant and InfluxDB show of one meter's cost."""

    costs: Costs
    capacity: CapacityCost | None  # P1 meters with a capacity price


def balance_of(device: DeviceConfig) -> str | None:
    """The prepaid balance a camera meter shows, whose fall is its use."""
    shown = QUANTITIES.get(device.ocr.quantity) if device.ocr else None
    return shown.key if shown and shown.kind is QuantityKind.BALANCE else None


def meter_money(
    config: MeterhubConfig,
    queries: ReadingQueries,
    device: str,
    now: datetime,
    *,
    month_peak_w: float | None = None,
    predicted_w: float | None = None,
) -> Money | None:
    """The one definition of a meter's money figures; none without prices configured.

    ``month_peak_w`` and ``predicted_w`` are the capacity tariff's live figures (the
    gateway's ``capacity`` state) where the caller has them."""
    settings = config.devices[device]
    if settings.prices is None:
        return None
    zone = config.storage.zone
    found = costs(queries, device, settings.prices, zone, now, balance_of(settings))
    capacity = None
    if settings.kind == "p1":
        day = now.astimezone(zone).date()
        price = capacity_price(settings.prices, day, config.capacity.price_eur_per_kw_year)
        if price is not None:
            capacity = capacity_cost(
                price,
                month_peak_w=month_peak_w,
                predicted_w=predicted_w,
                floor_w=config.capacity.floor_w,
                months=config.capacity.months_averaged,
            )
    return Money(found, capacity)


def state_fields(found: Costs) -> dict[str, float]:
    """What a priced meter's retained ``state`` carries: the three amounts, rounded to the
    currency's decimals (read by Home Assistant's monetary sensors)."""
    places = decimals(found.currency)
    return {key: round(getattr(found, period).amount, places) for key, period in COSTS.items()}
