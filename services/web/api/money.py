"""Money: what a meter's energy cost today, this month and last month, and the capacity
tariff's share (from the one definition in ``storage.costs``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from ...core.currency import decimals
from ...database.costs import Money, meter_money
from ..models import CapacityMoney, MoneyOut, PriceOut, SpendOut
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["money"])
State = Annotated[WebState, Depends(web_state)]


@router.get("/devices/{device_id}/cost")
def cost(device_id: str, web: State) -> MoneyOut:
    """Cost today / this month / last month, each day at the price valid on it; for a P1
    meter also what this month's peak and the running quarter add to the year's bill."""
    settings = web.device(device_id)
    now = datetime.now(UTC)
    peak_w, predicted_w = _capacity_figures(web, device_id, now)
    money = meter_money(
        web.config, web.queries, device_id, now, month_peak_w=peak_w, predicted_w=predicted_w
    )
    if money is None or settings.prices is None:
        raise HTTPException(404, f"{device_id} has no prices configured (devices.<id>.prices)")
    return money_out(device_id, web.config.storage.timezone, money, settings.prices.grid_region,
                     peak_w, predicted_w)  # fmt: skip


def _capacity_figures(
    web: WebState, device_id: str, now: datetime
) -> tuple[float | None, float | None]:
    """The gateway's live capacity state where the page has one, else the stored peak."""
    if web.config.devices[device_id].kind != "p1":
        return None, None
    live: dict[str, Any] = web.hub.device(device_id).capacity or {}
    if live.get("month") == web.capacity.this_month(now):
        return live.get("month_peak_power_w"), live.get("predicted_quarter_power_w")
    stored = web.capacity.peaks(device_id, web.capacity.this_month(now))["peak"]
    return (stored["power_w"] if stored else None), None


def money_out(
    device: str,
    timezone: str,
    money: Money,
    region: str | None,
    peak_w: float | None,
    predicted_w: float | None,
) -> MoneyOut:
    found, capacity = money.costs, money.capacity
    return MoneyOut(
        device=device,
        currency=found.currency,
        decimals=decimals(found.currency),
        timezone=timezone,
        today=SpendOut(**asdict(found.today)),
        this_month=SpendOut(**asdict(found.this_month)),
        last_month=SpendOut(**asdict(found.last_month)),
        price=PriceOut(valid_from=found.price.valid_from.isoformat(), per_kwh=found.price.per_kwh)
        if found.price
        else None,
        capacity=CapacityMoney(
            price_per_kw_year=capacity.price.per_kw_year,
            currency=capacity.price.currency,
            confirmed=capacity.price.confirmed,
            region=None if capacity.price.confirmed else region,
            month_peak_w=peak_w,
            month_peak_adds=capacity.month_peak_adds,
            predicted_quarter_w=predicted_w,
            quarter_would_add=capacity.quarter_would_add,
        )
        if capacity
        else None,
    )
