"""Query parameters people type: times, days, months; a bad one is a 400 saying why."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import HTTPException

from ..storage.timekeys import period_name

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Roughly how long each bucket is, to refuse ranges with too many points up front.
PERIOD_S = {"minute": 60, "quarter": 900, "hour": 3600, "day": 86400, "month": 28 * 86400}
# The range shown when none is given.
DEFAULT_SPAN = {
    "raw": timedelta(hours=6),
    "minute": timedelta(hours=6),
    "quarter": timedelta(days=1),
    "hour": timedelta(days=2),
    "day": timedelta(days=31),
    "month": timedelta(days=400),
}
MAX_POINTS = 10_000


def every_name(every: str) -> str:
    """``raw`` or a canonical period (``1h`` → ``hour``)."""
    if every == "raw":
        return "raw"
    try:
        return period_name(every)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None


def moment(text: str, name: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 with a zone, or a date (local midnight in ``zone``)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), zone)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(
            400, f"{name}: {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time"
        ) from None
    if value.tzinfo is None:
        raise HTTPException(400, f"{name}: {text!r} needs a time zone (e.g. Z or +01:00)")
    return value


def time_range(
    start: str | None, end: str | None, every: str, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    high = moment(end, "to", zone) if end else now
    low = moment(start, "from", zone) if start else high - DEFAULT_SPAN[every]
    if low >= high:
        raise HTTPException(400, "from must be before to")
    if every != "raw":
        points = (high - low).total_seconds() / PERIOD_S[every]
        if points > MAX_POINTS:
            raise HTTPException(
                400,
                f"{points:.0f} {every} buckets asked for, at most {MAX_POINTS}: "
                "shorten the range or pick a coarser every",
            )
    return low, high


def day_param(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"day: {text!r} is not a date (YYYY-MM-DD)") from None


def month_param(text: str | None, this_month: str) -> str:
    if text is None:
        return this_month
    if not MONTH.match(text):
        raise HTTPException(400, f"month: {text!r} is not a month (YYYY-MM)")
    return text
