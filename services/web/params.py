"""Query parameters people type: times, days, months; a bad one is a 400 saying why.

Every time, day and month a caller gives passes through here, and each is held to
``EARLIEST``…``LATEST``: the calendar's edges (year 1, year 9999 with a zone offset)
would otherwise overflow in the arithmetic behind them (a range's default start, a
local midnight, UTC storage keys) and turn a typo into a server error.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import HTTPException

from ..core.timestamps import NoTimeZone, parse_aware
from ..domain.timekeys import period_name
from .echo import quoted

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
# The times any query may name: no meter was read before 1970, and a margin of years on
# either side keeps every computation above (a day, a default span) inside the calendar.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
BOUNDS_TEXT = f"{EARLIEST:%Y-%m-%d} … {LATEST - timedelta(days=1):%Y-%m-%d}"


def every_name(every: str) -> str:
    """``raw`` or a canonical period (``1h`` → ``hour``)."""
    if every == "raw":
        return "raw"
    try:
        return period_name(every)
    except ValueError as error:
        raise HTTPException(400, f"every: {error}") from None


def _bounded(value: datetime, name: str, text: str) -> datetime:
    if not EARLIEST <= value < LATEST:  # compared in UTC, without converting (no overflow)
        raise HTTPException(400, f"{name}: {quoted(text)} is outside {BOUNDS_TEXT}")
    return value


def moment(text: str, name: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 with a zone, or a date (local midnight in ``zone``)."""
    try:
        if len(text) == 10:
            value = datetime.combine(date.fromisoformat(text), time(), zone)
        else:
            value = parse_aware(text)
    except NoTimeZone:
        raise HTTPException(
            400, f"{name}: {quoted(text)} needs a time zone (e.g. Z or +01:00)"
        ) from None
    except ValueError:
        raise HTTPException(
            400, f"{name}: {quoted(text)} is not a date (YYYY-MM-DD) or an ISO 8601 time"
        ) from None
    return _bounded(value, name, text)


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
        day = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"day: {quoted(text)} is not a date (YYYY-MM-DD)") from None
    _bounded(datetime.combine(day, time(), UTC), "day", text)
    return day


def month_param(text: str | None, this_month: str) -> str:
    if text is None:
        return this_month
    found = MONTH.match(text)
    if not found:
        raise HTTPException(400, f"month: {quoted(text)} is not a month (YYYY-MM)")
    _bounded(datetime(int(found[1]), int(found[2]), 1, tzinfo=UTC), "month", text)
    return text
