"""Request and response bodies of the REST API (the OpenAPI schema is built from them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..core.messages import RoiBox
from ..domain.forecast import DaysLeft


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceSummary(ApiModel):
    id: str = Field(description="Device id from the config.")
    name: str = Field(description="Human name (the id when none is configured).")
    kind: str = Field(description="How the meter is read: camera, p1, dlt645, iec62056.")
    model: str = Field(description="Make and model, for display.")
    last_seen: str | None = Field(description="Time of the newest stored value (ISO 8601 UTC).")
    availability: str | None = Field(
        description="online / offline as the device or its gateway announced; none: unknown."
    )
    features: list[str] = Field(
        description="Pages that apply: camera, prepaid (takes tokens), capacity (P1)."
    )


class LatestValue(ApiModel):
    value: float = Field(description="The newest value.")
    unit: str | None = Field(description="Unit from the quantity catalogue.")
    ts: str = Field(description="When it was read (ISO 8601 UTC).")
    source: str = Field(description="Reader: ocr, p1, dlt645, iec62056, manual, sim.")
    frame_id: str | None = Field(description="Camera frame it was read from (OCR).")


class Latest(ApiModel):
    device: str = Field(description="Device id.")
    ts: str = Field(description="Time of the newest value.")
    values: dict[str, LatestValue] = Field(description="Newest value per quantity.")


class RejectedItem(ApiModel):
    ts: str = Field(description="When it was refused.")
    source: str = Field(description="Who refused it: ocr, p1, storage, capture, token_entry...")
    reason: str = Field(description="Why, in words.")


class QuantityInfo(ApiModel):
    label: str = Field(description="Human name.")
    unit: str = Field(description="Unit.")
    kind: str = Field(
        description="counter, gauge, balance, or forecast (derived into the state by storage)."
    )
    precision: int = Field(description="Decimals worth showing.")


class HistoryPoint(ApiModel):
    ts: str = Field(description="Bucket start (ISO 8601 UTC; days and months are local).")
    n: int = Field(description="Readings in the bucket.")
    avg: float = Field(description="Mean of the readings.")
    min: float = Field(description="Lowest reading.")
    max: float = Field(description="Highest reading.")
    first: float = Field(description="First reading.")
    last: float = Field(description="Last reading.")
    rise: float = Field(description="Sum of increases (a counter's consumption, top-ups).")
    fall: float = Field(description="Sum of decreases (a prepaid balance's use).")
    used: float | None = Field(
        description="Consumption: rise of a counter, fall of a balance; none for gauges."
    )


class RawPoint(ApiModel):
    ts: str = Field(description="Time of the reading.")
    value: float = Field(description="The value read.")
    source: str = Field(description="Reader.")


class History(ApiModel):
    device: str = Field(description="Device id.")
    quantity: str = Field(description="Quantity key.")
    unit: str = Field(description="Its unit.")
    kind: str = Field(
        description="counter, gauge, balance, or forecast (derived into the state by storage)."
    )
    every: str = Field(description="raw, minute, quarter, hour, day or month.")
    start: str = Field(alias="from", description="Start of the range (inclusive).")
    end: str = Field(alias="to", description="End of the range (exclusive).")
    timezone: str = Field(description="Zone whose midnights bound days and months.")
    points: list[HistoryPoint] | list[RawPoint] = Field(description="Oldest first.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CaptureAccepted(ApiModel):
    device: str = Field(description="Device asked.")
    request_id: str = Field(description="Comes back on the reading (and the SSE event).")


class TokenRequest(ApiModel):
    token: str = Field(
        max_length=64, description="20 digits as on the receipt; spaces and dashes allowed."
    )


class TokenAccepted(ApiModel):
    device: str = Field(description="Meter the token goes to.")
    request_id: str = Field(description="Follow it on token/state (SSE event token_state).")
    token: str = Field(description="The token as understood, masked but for its last 4 digits.")


class TokenAttempt(ApiModel):
    request_id: str = Field(description="Request id.")
    source: str = Field(description="Who sent it: web, telegram, homeassistant...")
    token: str = Field(description="Masked but for the last 4 digits.")
    requested_at: str = Field(description="When it was sent.")
    state: str = Field(description="queued, typing, typed, verified or failed.")
    detail: str = Field(description="The last step in words.")
    balance_before_kwh: float | None = Field(description="Balance before typing.")
    balance_after_kwh: float | None = Field(description="Balance read after typing.")
    updated_at: str = Field(description="Time of the last step.")


class TokenStep(ApiModel):
    """The newest ``token/state`` step of a meter."""

    request_id: str = Field(description="Request the step belongs to.")
    state: str = Field(description="queued, typing, typed, verified or failed.")
    detail: str = Field(description="The step in words.")
    ts: str = Field(description="When the step was reached.")
    balance_before_kwh: float | None = Field(description="Balance known before typing.")
    balance_after_kwh: float | None = Field(description="Balance read after typing.")


class DailyUse(ApiModel):
    day: str = Field(description="Local day start (ISO 8601 UTC).")
    used: float = Field(description="kWh used that day.")
    topped_up: float = Field(description="kWh added by tokens that day.")
    last: float = Field(description="Balance at the day's last reading.")


class Prepaid(ApiModel):
    device: str = Field(description="Device id.")
    quantity: str = Field(description="Balance quantity.")
    balance_kwh: float | None = Field(description="Newest balance; none before a reading.")
    ts: str | None = Field(description="When it was read.")
    forecast: DaysLeft | None = Field(
        description="Days left from the fall rate of the last 7 days; none under 6 hours of "
        "readings."
    )
    daily: list[DailyUse] = Field(description="The last days, oldest first.")
    accepts_tokens: bool = Field(description="A keypad types tokens into this meter.")
    token_state: TokenStep | None = Field(description="The newest token step (retained).")


class Rois(ApiModel):
    display: RoiBox | None = Field(
        default=None, description="[x, y, w, h] of the display in frame pixels; none: anywhere."
    )
    digits: list[RoiBox] = Field(
        default_factory=list,
        description="One [x, y, w, h] per digit position, left to right; empty: found by OCR.",
    )


class RoisOut(Rois):
    updated: str | None = Field(description="When they were saved; none: never.")
    frame: tuple[int, int] | None = Field(
        default=None, description="Width and height of the newest frame, when there is one."
    )


class QuarterOut(ApiModel):
    start: str = Field(description="Quarter start (UTC).")
    end: str = Field(description="Quarter end (UTC).")
    local_time: str = Field(description="Local start HH:MM.")
    dst: Literal["S", "W"] = Field(description="S: summer time, W: winter time.")
    quarter_id: int = Field(description="The P1 monitor's quarter id.")
    average_w: float = Field(description="Average import power over the quarter.")
    energy_wh: float = Field(description="Import energy in the quarter.")
    complete: bool = Field(description="Seen from start to end.")
    running: bool = Field(description="Still going.")
    source: str = Field(description="meter (1-0:1.4.0) or counter.")
    file: str = Field(description="Its /meter/YYYY/MM/DD/HHMM{S|W}.json name.")


class QuarterDetail(QuarterOut):
    interval_s: int = Field(description="Width of each sample.")
    consumed_w: list[int | None] = Field(description="Import per sample (W).")
    produced_w: list[int | None] = Field(description="Export per sample (W, ≤ 0).")


class PeakQuarter(ApiModel):
    start: str = Field(description="Start of the peak quarter (UTC).")
    end: str = Field(description="Its end, as the meter stamps a peak (UTC).")
    day: str = Field(description="Local day YYYY-MM-DD.")
    local_time: str = Field(description="Local start HH:MM.")
    file: str = Field(description="Its /meter/... file name.")
    measured: bool = Field(description="Meterhub has this quarter's samples.")


class Peak(ApiModel):
    power_w: float = Field(description="Highest quarter-hour average of the month.")
    source: Literal["meter", "computed"] = Field(description="The meter's own, or computed.")
    quarter: PeakQuarter | None = Field(description="Where it was; none if the meter gave no time.")


class MonthPeakItem(ApiModel):
    month: str = Field(description="YYYY-MM (local).")
    peak_w: float = Field(description="Month peak.")
    source: str = Field(description="meter or computed.")


class Peaks(ApiModel):
    device: str = Field(description="Device id.")
    month: str = Field(description="YYYY-MM asked for.")
    timezone: str = Field(description="Zone of quarters and months.")
    peak: Peak | None = Field(description="The month's peak; none before one is known.")
    months: list[MonthPeakItem] = Field(description="Every month peak known, oldest first.")
    billed_average_w: float | None = Field(description="Average of the billed months' peaks.")
    months_averaged: int = Field(description="Months in that average.")
    floor_w: float = Field(description="Lowest peak billed.")
    price_eur_per_kw_year: float | None = Field(description="Configured capacity price.")
    estimated_cost_eur_year: float | None = Field(description="billed average × price.")


class DayQuarters(ApiModel):
    device: str = Field(description="Device id.")
    day: str = Field(description="Local day YYYY-MM-DD.")
    timezone: str = Field(description="Zone of the quarters.")
    day_start: str = Field(description="The day's local midnight, in UTC.")
    day_end: str = Field(description="The next local midnight (23 or 25 h later on DST days).")
    quarters: list[QuarterOut] = Field(description="Stored quarters, in time order.")


class P1Quarter(ApiModel):
    """The P1 monitor's quarter (``/current/quarter``, ``/meter/.../HHMMW.json``); ``{}``
    before any telegram."""

    quarter_id: int | None = Field(default=None, description="Quarter id.")
    consumed_power_avg: int | None = Field(default=None, description="Average import (W).")
    begin_consumed_wh: int | None = Field(
        default=None, description="Import counter at the quarter's start (Wh); absent: unknown."
    )
    begin_produced_wh: int | None = Field(
        default=None, description="Export counter at the quarter's start (Wh); absent: unknown."
    )
    interval_secs: int | None = Field(default=None, description="Sample width (5).")
    consumed_power_interval_avgs: list[int | None] | None = Field(
        default=None, description="Import per sample."
    )
    produced_power_interval_avgs: list[int | None] | None = Field(
        default=None, description="Export per sample (≤ 0)."
    )


class P1PeakValue(ApiModel):
    quarter_id: int = Field(description="Quarter id of the peak.")
    power: int = Field(description="Peak (W).")


class P1MonthPeak(ApiModel):
    peak: P1PeakValue | None = Field(default=None, description="Absent before a peak is known.")


class ServiceStatus(ApiModel):
    name: str = Field(description="Service name.")
    availability: str | None = Field(description="online / offline (retained); none: unknown.")


class HealthView(ApiModel):
    devices: list[DeviceSummary] = Field(description="Every meter.")
    services: list[ServiceStatus] = Field(description="Every service heard on the bus.")
    web: dict[str, object] = Field(description="This process's bus connections (/healthz).")
    login: Literal["on", "off"] = Field(description="Whether the page asks for a password.")


class SpendOut(ApiModel):
    amount: float = Field(description="Cost of the priced use, in the currency.")
    kwh: float = Field(description="Use that had a price.")
    unpriced_kwh: float = Field(description="Use on days before the first price entry.")


class PriceOut(ApiModel):
    valid_from: str = Field(description="Local day (YYYY-MM-DD) this price began.")
    per_kwh: dict[str, float] = Field(description="Price per kWh by tariff period (all, t1..).")


class CapacityMoney(ApiModel):
    price_per_kw_year: float = Field(description="Capacity price per kW per year.")
    currency: str = Field(description="ISO 4217 code of the capacity amounts.")
    confirmed: bool = Field(
        description="false: the grid region's documented default, still to be confirmed."
    )
    region: str | None = Field(description="Grid operator region of the default.")
    month_peak_w: float | None = Field(description="This month's peak quarter so far.")
    month_peak_adds: float | None = Field(
        description="What this month's peak (at least the floor) adds to the year's bill."
    )
    predicted_quarter_w: float | None = Field(description="The running quarter's prediction.")
    quarter_would_add: float | None = Field(
        description="What the running quarter adds if it ends as predicted (0: no new peak)."
    )


class MoneyOut(ApiModel):
    device: str = Field(description="Device id.")
    currency: str = Field(description="ISO 4217 code of the energy amounts.")
    decimals: int = Field(description="Decimals an amount of the currency is shown with.")
    timezone: str = Field(description="Zone of the days and months (storage.timezone).")
    today: SpendOut = Field(description="Energy used and its cost today (local day).")
    this_month: SpendOut = Field(description="Energy used and its cost this month so far.")
    last_month: SpendOut = Field(description="Energy used and its cost last month.")
    price: PriceOut | None = Field(description="Price in force today; none before the first.")
    capacity: CapacityMoney | None = Field(description="Capacity tariff (P1 meters with a price).")


class CorrectionRequest(ApiModel):
    value: float = Field(description="What the display really shows, in the quantity's unit.")
    frame_id: str | None = Field(
        default=None,
        max_length=64,
        description="The frame corrected (from the ocr / rejected events); none: the newest.",
    )


class CorrectionAccepted(ApiModel):
    device: str = Field(description="Meter corrected.")
    quantity: str = Field(description="Quantity corrected.")
    value: float = Field(description="The manual value, as storage will keep it.")
    ts: str = Field(description="Time of the frame corrected (ISO 8601 UTC).")
    frame_id: str = Field(description="The frame corrected.")
    example: str = Field(description="Id of the training example kept from the frame.")
