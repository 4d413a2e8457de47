"""Capacity tariff (P1 meters): quarters of a day, month peaks, and the P1 monitor's shapes.

``/current/quarter``, ``/current/month/peak`` and ``/meter/YYYY/MM/DD/HHMM{S|W}.json``
answer exactly as the original monitor did, so its page and scripts keep working; with
several P1 meters, ``?device=`` picks one (default: the first P1 meter in the config).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from ..models import DayQuarters, P1MonthPeak, P1Quarter, Peaks, QuarterDetail
from ..params import day_param, moment, month_param
from ..state import WebState, web_state

QUARTER_FILE = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{4}[SW]\.json$")
router = APIRouter(prefix="/api", tags=["capacity"])
p1_monitor = APIRouter(tags=["P1 monitor shapes"])
State = Annotated[WebState, Depends(web_state)]
DeviceParam = Annotated[
    str | None, Query(description="P1 meter id; default: the first P1 meter configured.")
]


@router.get("/devices/{device_id}/peaks")
def peaks(
    device_id: str,
    web: State,
    month: Annotated[str | None, Query(description="YYYY-MM; default: this month.")] = None,
) -> Peaks:
    """The month's peak quarter (the meter's own figure wins), every month peak known,
    the billed average and, with a configured price, the yearly cost estimate."""
    web.p1(device_id)
    chosen = month_param(month, web.capacity.this_month(datetime.now(UTC)))
    return Peaks.model_validate(web.capacity.peaks(device_id, chosen))


@router.get("/devices/{device_id}/quarters")
def quarters(
    device_id: str,
    web: State,
    day: Annotated[str | None, Query(description="Local day YYYY-MM-DD; default today.")] = None,
) -> DayQuarters:
    """Every quarter hour stored for a local day: average demand, complete or not."""
    web.p1(device_id)
    chosen = day_param(day, web.capacity.today(datetime.now(UTC)))
    start, end = web.capacity.day_bounds(chosen)
    return DayQuarters(
        device=device_id,
        day=chosen.isoformat(),
        timezone=web.config.capacity.timezone,
        day_start=_utc(start),
        day_end=_utc(end),
        quarters=web.capacity.day(device_id, chosen),  # type: ignore[arg-type]
    )


@router.get("/devices/{device_id}/quarters/{start}")
def quarter(device_id: str, start: str, web: State) -> QuarterDetail:
    """One quarter with its 5-second import and export samples (``start``: ISO 8601)."""
    web.p1(device_id)
    found = web.capacity.quarter(device_id, moment(start, "start", web.capacity.tz))
    if found is None:
        raise HTTPException(404, f"no quarter of {device_id} starts at {start}")
    return QuarterDetail.model_validate(found)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _p1_device(web: WebState, device: str | None) -> str:
    if device is not None:
        web.p1(device)
        return device
    found = next((d for d, c in web.config.devices.items() if c.kind == "p1"), None)
    if found is None:
        raise HTTPException(404, "no P1 meter is configured")
    return found


def _shape(model: type[P1Quarter] | type[P1MonthPeak], data: dict[str, Any]) -> dict[str, Any]:
    return model.model_validate(data).model_dump(exclude_none=True)


@p1_monitor.get("/current/quarter", response_model=P1Quarter, response_model_exclude_none=True)
def current_quarter(web: State, device: DeviceParam = None) -> dict[str, Any]:
    """The running quarter with its 5-second samples; ``{}`` before any telegram."""
    return _shape(P1Quarter, web.capacity.current_quarter(_p1_device(web, device)))


@p1_monitor.get("/current/month/peak", response_model=P1MonthPeak, response_model_exclude_none=True)
def current_month_peak(web: State, device: DeviceParam = None) -> dict[str, Any]:
    """``{"peak": {"quarter_id", "power"}}`` of this month; ``{}`` before a peak."""
    found = web.capacity.current_month_peak(_p1_device(web, device), datetime.now(UTC))
    return _shape(P1MonthPeak, found)


@p1_monitor.get(
    "/meter/{year}/{month}/{day}/{name}",
    response_model=P1Quarter,
    response_model_exclude_none=True,
    responses={404: {"description": "That quarter was not measured."}},
)
def quarter_file(
    year: str, month: str, day: str, name: str, web: State, device: DeviceParam = None
) -> dict[str, Any]:
    """A stored quarter by the monitor's file name, e.g. ``/meter/2023/12/01/1615W.json``."""
    path = f"{year}/{month}/{day}/{name}"
    if not QUARTER_FILE.match(path):
        raise HTTPException(400, f"{path!r} is not a quarter file name (YYYY/MM/DD/HHMMS.json)")
    found = web.capacity.quarter_file(_p1_device(web, device), path)
    if found is None:
        raise HTTPException(404, f"quarter {path} was not measured")
    return _shape(P1Quarter, found)
