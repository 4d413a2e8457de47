"""History of one quantity: raw readings or buckets with consumption, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic_core import to_json

from ...core.quantities import QUANTITIES
from ...core.timestamps import parse_aware
from ...domain.timekeys import iso, ts_key
from ..models import History
from ..params import MAX_POINTS, every_name, time_range
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["history"])
State = Annotated[WebState, Depends(web_state)]
BUCKET_COLUMNS = ("ts", "local", "n", "avg", "min", "max", "first", "last", "rise", "fall", "used")
RAW_COLUMNS = ("ts", "local", "value", "source")

QuantityParam = Annotated[
    str | None, Query(description="Quantity key; default: what the meter shows, else import.")
]
FromParam = Annotated[
    str | None,
    Query(alias="from", description="Start: ISO 8601 with zone, or YYYY-MM-DD (local)."),
]
ToParam = Annotated[str | None, Query(alias="to", description="End (exclusive); default now.")]
EveryParam = Annotated[
    str, Query(description="raw, minute (1m), quarter (15m), hour (1h), day (1d), month (1mo).")
]


def query_history(
    web: WebState,
    device_id: str,
    quantity: str | None,
    start: str | None,
    end: str | None,
    every: str,
) -> dict[str, Any]:
    web.device(device_id)
    key = quantity or web.main_quantity(device_id)
    found = QUANTITIES.get(key)
    if found is None:
        raise HTTPException(400, f"unknown quantity {key!r} (see /api/quantities)")
    period = every_name(every)
    zone = web.config.storage.zone
    low, high = time_range(start, end, period, zone, datetime.now(UTC))
    if period == "raw":
        rows = web.queries.history(
            device_id, key, start=low, end=high, every="raw", limit=MAX_POINTS + 1
        )
        if len(rows) > MAX_POINTS:
            raise HTTPException(
                400, f"more than {MAX_POINTS} readings in the range: shorten it or pick an every"
            )
    else:
        rows = web.history.buckets(
            device_id, key, period, ts_key(low), ts_key(high), MAX_POINTS, found.kind.value
        )
    return {
        "device": device_id,
        "quantity": key,
        "unit": found.unit,
        "kind": found.kind.value,
        "every": period,
        "from": iso(ts_key(low)),
        "to": iso(ts_key(high)),
        "timezone": web.config.storage.timezone,
        "points": rows,
    }


@router.get(
    "/devices/{device_id}/history",
    response_model=History,
    response_model_by_alias=True,
    responses={400: {"description": "A parameter is wrong; the detail says which and why."}},
)
def history(
    device_id: str,
    web: State,
    quantity: QuantityParam = None,
    start: FromParam = None,
    end: ToParam = None,
    every: EveryParam = "hour",
) -> Response:
    """Values of one quantity in ``[from, to)``: raw readings, or per bucket the count,
    mean, min, max, first, last, rise, fall and ``used`` (a counter's rise, a prepaid
    balance's fall). Days and months follow ``storage.timezone``."""
    # Serialised straight from plain data: a year of hours is 8,760 points, and checking
    # each against the model again would cost more than reading them (tests check the shape).
    result = query_history(web, device_id, quantity, start, end, every)
    return Response(to_json(result), media_type="application/json")


@router.get(
    "/devices/{device_id}/history.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def history_csv(
    device_id: str,
    web: State,
    quantity: QuantityParam = None,
    start: FromParam = None,
    end: ToParam = None,
    every: EveryParam = "hour",
) -> Response:
    """The same as ``history``, as a CSV file (with local times in a column of their own)."""
    result = query_history(web, device_id, quantity, start, end, every)
    zone = web.config.storage.zone
    columns = RAW_COLUMNS if result["every"] == "raw" else BUCKET_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in result["points"]:
        local = parse_aware(row["ts"]).astimezone(zone)
        row = {**row, "local": local.isoformat(timespec="seconds")}
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    name = f"meterhub-{device_id}-{result['quantity']}-{result['every']}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
