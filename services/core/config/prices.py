"""Per meter prices: energy by tariff period and the capacity price, with their history."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..capacity_prices import FluviusRegion
from .base import Section

# "all": one price for every kWh (a single-rate or prepaid meter); t1..t4: the P1
# meter's tariff registers (T1 day/high, T2 night/low in Belgium and the Netherlands).
TariffPeriod = Literal["all", "t1", "t2", "t3", "t4"]
Price = Annotated[float, Field(ge=0)]


class PriceEntry(Section):
    """Prices valid from one local day until the next entry's (an old month keeps its own)."""

    valid_from: date = Field(description="First local day (storage.timezone) these apply.")
    per_kwh: dict[TariffPeriod, Price] = Field(
        default_factory=dict,
        description="Price of one imported kWh per tariff period: {all: p} for one price "
        "(a prepaid meter: the price of a kWh of token), or {t1: p1, t2: p2}.",
    )
    capacity_per_kw_year: Price | None = Field(
        default=None,
        description="Capacity price per kW of the billed average per year (P1 meters in "
        "Flanders); none: the region's default from prices.grid_region, marked unconfirmed.",
    )

    @model_validator(mode="after")
    def _one_scheme(self) -> "PriceEntry":
        if "all" in self.per_kwh and len(self.per_kwh) > 1:
            raise ValueError("per_kwh has either one price (all) or one per tariff period")
        return self


class PricesConfig(Section):
    currency: str = Field(
        default="EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code (EUR, IDR)."
    )
    history: list[PriceEntry] = Field(
        min_length=1, description="Prices with the day each became valid, in any order."
    )
    grid_region: FluviusRegion | None = Field(
        default=None,
        description="Fluvius region whose documented default capacity price applies where "
        "an entry sets none (shown as unconfirmed).",
    )

    @model_validator(mode="after")
    def _distinct_days(self) -> "PricesConfig":
        days = [entry.valid_from for entry in self.history]
        if len(set(days)) != len(days):
            raise ValueError("two price entries are valid from the same day")
        self.history.sort(key=lambda entry: entry.valid_from)
        return self
