"""The quantity catalogue: every value a reading may carry, described once.

Discovery, storage fields, the web page, plausibility checks and the bot's wording all
read this table; adding a quantity is adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator


class QuantityKind(StrEnum):
    COUNTER = "counter"  # monotonic meter register: never goes backwards
    GAUGE = "gauge"  # instantaneous value
    BALANCE = "balance"  # prepaid credit: falls with use, jumps up on a token
    FORECAST = "forecast"  # derived by storage into ``state``; never in a reading


@dataclass(frozen=True)
class Quantity:
    key: str
    label: str
    unit: str
    kind: QuantityKind
    device_class: str | None
    state_class: str
    precision: int


def _counter(key: str, label: str, unit: str, device_class: str, precision: int = 3) -> Quantity:
    return Quantity(
        key, label, unit, QuantityKind.COUNTER, device_class, "total_increasing", precision
    )


def _gauge(
    key: str, label: str, unit: str, device_class: str | None, precision: int = 1
) -> Quantity:
    return Quantity(key, label, unit, QuantityKind.GAUGE, device_class, "measurement", precision)


# The prepaid meter's balance: the default of every config field naming a balance.
TOKEN_BALANCE = "token_balance_kwh"

_ROWS: list[Quantity] = [
    _counter("energy_import_kwh", "Energy import", "kWh", "energy"),
    *(
        _counter(f"energy_import_t{t}_kwh", f"Energy import T{t}", "kWh", "energy")
        for t in range(1, 5)
    ),
    _counter("energy_export_kwh", "Energy export", "kWh", "energy"),
    *(
        _counter(f"energy_export_t{t}_kwh", f"Energy export T{t}", "kWh", "energy")
        for t in range(1, 5)
    ),
    _counter("reactive_energy_kvarh", "Reactive energy", "kvarh", "reactive_energy"),
    _counter("reactive_energy_export_kvarh", "Reactive energy export", "kvarh", "reactive_energy"),
    _gauge("power_w", "Net power", "W", "power", 0),
    _gauge("power_import_w", "Power import", "W", "power", 0),
    _gauge("power_export_w", "Power export", "W", "power", 0),
    _gauge("reactive_power_var", "Reactive power", "var", "reactive_power", 0),
    # A ratio: no unit (Home Assistant's power_factor takes none or %).
    _gauge("power_factor", "Power factor", "", "power_factor", 3),
    *(_gauge(f"voltage_l{p}_v", f"Voltage L{p}", "V", "voltage") for p in range(1, 4)),
    *(_gauge(f"current_l{p}_a", f"Current L{p}", "A", "current", 2) for p in range(1, 4)),
    *(_gauge(f"power_l{p}_w", f"Power L{p}", "W", "power", 0) for p in range(1, 4)),
    _gauge("quarter_avg_power_w", "Quarter-hour average demand", "W", "power", 0),
    _gauge("month_peak_power_w", "Month peak demand", "W", "power", 0),
    Quantity(
        TOKEN_BALANCE,
        "Prepaid balance",
        "kWh",
        QuantityKind.BALANCE,
        "energy_storage",
        "measurement",
        2,
    ),
    _counter("gas_m3", "Gas", "m³", "gas"),
    _counter("water_m3", "Water", "m³", "water"),
]

QUANTITIES: dict[str, Quantity] = {q.key: q for q in _ROWS}

# Keys storage adds to a prepaid meter's ``state`` (services/domain/forecast.py).
DAYS_LEFT = "days_left"
DAYS_LEFT_UNCERTAINTY = "days_left_uncertainty"
_DERIVED_ROWS: list[Quantity] = [
    Quantity(DAYS_LEFT, "Days left", "d", QuantityKind.FORECAST, "duration", "measurement", 0),
    Quantity(
        DAYS_LEFT_UNCERTAINTY,
        "Days left uncertainty (±)",
        "d",
        QuantityKind.FORECAST,
        "duration",
        "measurement",
        0,
    ),
]
# Keys storage adds to a priced meter's ``state`` (services/database/costs.py), in the
# currency of its prices (the unit comes from devices.<id>.prices.currency).
COSTS = {"cost_today": "today", "cost_this_month": "this_month", "cost_last_month": "last_month"}
_DERIVED_ROWS += [
    Quantity(key, f"Cost {period.replace('_', ' ')}", "", QuantityKind.FORECAST, "monetary",
             "total", 2)
    for key, period in COSTS.items()
]  # fmt: skip
# Labelled like quantities wherever ``state`` is shown; not accepted in a reading.
DERIVED: dict[str, Quantity] = {q.key: q for q in _DERIVED_ROWS}


def quantity(key: str) -> Quantity:
    try:
        return QUANTITIES[key] if key in QUANTITIES else DERIVED[key]
    except KeyError:
        raise KeyError(f"unknown quantity {key!r}") from None


def known_quantity(key: str) -> str:
    """A key the catalogue has; a typo is a config error, not a refusal on every frame."""
    if key not in QUANTITIES:
        raise ValueError(f"unknown quantity {key!r}; the catalogue has: {', '.join(QUANTITIES)}")
    return key


QuantityKey = Annotated[str, AfterValidator(known_quantity)]
