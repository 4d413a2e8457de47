from pydantic import Field

from .base import Section, TimeZoneName


class CapacityConfig(Section):
    """The Flemish capacity tariff: quarter-hour demand, month peaks, their 12-month average."""

    timezone: TimeZoneName = Field(
        default="Europe/Brussels",
        description="Time zone of the fixed quarters, days and months (the meter's own).",
    )
    floor_w: float = Field(
        default=2500.0, ge=0, description="Lowest month peak billed (2.5 kW in Flanders)."
    )
    months_averaged: int = Field(
        default=12, ge=1, le=13, description="Month peaks in the billed average."
    )
    price_eur_per_kw_year: float | None = Field(
        default=None,
        ge=0,
        description="Capacity price of your distribution operator in EUR per kW per year; "
        "none: no cost estimate.",
    )
