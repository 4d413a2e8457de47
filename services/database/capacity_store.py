"""Quarter history and month peaks in the gateway's own SQLite tables, and the web page's queries.

Same file as storage (``config.storage.sqlite_path``), the gateway's own tables (layout in
``schema.CAPACITY``), written through ``connect(path, "capture_gateway")``. The query
functions return exactly the JSON shapes of the original P1 monitor's web page:

- ``current_quarter`` → ``GET /current/quarter``
- ``current_month_peak`` → ``GET /current/month/peak``
- ``quarter_file`` → ``GET /meter/YYYY/MM/DD/HHMM{S|W}.json`` (S: summer time, W: winter)
- ``day_quarters`` → the quarter ids stored for one day (to list a day's files)
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..core.timestamps import parse_aware
from ..domain.capacity import (
    SAMPLE_S,
    ClosedQuarter,
    MonthPeak,
    Quarter,
    month_of,
    quarter_id,
)

_FILE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/(\d{2})(\d{2})([SW])\.json$")


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


def _parse(text: str | None) -> datetime | None:
    return parse_aware(text) if text else None


class CapacityStore:
    def __init__(self, db: sqlite3.Connection, tz: ZoneInfo) -> None:
        self.db, self.tz = db, tz

    def _row(self, device: str, start: datetime) -> tuple[Any, ...]:
        local = start.astimezone(self.tz)
        return (
            device,
            _iso(start),
            local.strftime("%Y-%m-%d"),
            local.strftime("%H%M"),
            "S" if local.dst() else "W",
            quarter_id(start, self.tz),
        )

    def save_running(self, device: str, quarter: Quarter, average_w: float) -> None:
        consumed, produced = quarter.samples.averages()
        self._upsert(
            (*self._row(device, quarter.start), average_w, quarter.energy_wh,
             int(quarter.complete or quarter.meter_avg_w is not None), 1, quarter.source,
             json.dumps(consumed), json.dumps(produced), quarter.begin_consumed_wh,
             quarter.begin_produced_wh)
        )  # fmt: skip

    def save_closed(self, device: str, closed: ClosedQuarter) -> None:
        self._upsert(
            (*self._row(device, closed.start), closed.average_w, closed.energy_wh,
             int(closed.complete), 0, closed.source, json.dumps(closed.consumed),
             json.dumps(closed.produced), closed.begin_consumed_wh, closed.begin_produced_wh)
        )  # fmt: skip
        if closed.complete:
            self.offer_peak(
                device,
                MonthPeak(month_of(closed.start, self.tz), closed.average_w,
                          closed.start + timedelta(minutes=15), "computed"),
            )  # fmt: skip

    def _upsert(self, row: tuple[Any, ...]) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO capacity_quarters (device, start, local_day, hhmm, dst, "
                "quarter_id, average_w, energy_wh, complete, running, source, consumed, produced, "
                "begin_consumed_wh, begin_produced_wh) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def offer_peak(self, device: str, peak: MonthPeak, *, replace: bool = False) -> None:
        """Keep the month's highest value per source (``replace``: the meter's word is final)."""
        occurred = _iso(peak.occurred) if peak.occurred else None
        condition = "" if replace else " WHERE excluded.peak_w > capacity_months.peak_w"
        with self.db:
            self.db.execute(
                "INSERT INTO capacity_months (device, month, source, peak_w, occurred) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device, month, source) DO UPDATE SET "
                "peak_w = excluded.peak_w, occurred = excluded.occurred" + condition,
                (device, peak.month, peak.source, peak.peak_w, occurred),
            )

    def month_peaks(self, device: str) -> list[MonthPeak]:
        rows = self.db.execute(
            "SELECT month, source, peak_w, occurred FROM capacity_months WHERE device = ? "
            "ORDER BY month",
            (device,),
        ).fetchall()
        return [
            MonthPeak(r["month"], r["peak_w"], _parse(r["occurred"]), r["source"]) for r in rows
        ]

    def computed_peak(self, device: str, month: str) -> MonthPeak | None:
        return next(
            (p for p in self.month_peaks(device) if p.month == month and p.source == "computed"),
            None,
        )


# --- the web page's shapes ---


def _quarter_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "quarter_id": row["quarter_id"],
        "consumed_power_avg": round(row["average_w"]),
        "begin_consumed_wh": _whole(row["begin_consumed_wh"]),
        "begin_produced_wh": _whole(row["begin_produced_wh"]),
        "interval_secs": SAMPLE_S,
        "consumed_power_interval_avgs": json.loads(row["consumed"]),
        "produced_power_interval_avgs": json.loads(row["produced"]),
    }


def current_quarter(db: sqlite3.Connection, device: str) -> dict[str, Any]:
    """The running (else the latest) quarter; ``{}`` before the meter said anything."""
    row = db.execute(
        "SELECT * FROM capacity_quarters WHERE device = ? ORDER BY start DESC LIMIT 1", (device,)
    ).fetchone()
    return _quarter_json(row) if row else {}


def current_month_peak(
    db: sqlite3.Connection, device: str, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """``{"peak": {"quarter_id", "power"}}`` for this month (the meter's own peak first)."""
    month = month_of(now, tz)
    rows = db.execute(
        "SELECT source, peak_w, occurred FROM capacity_months WHERE device = ? AND month = ? "
        "ORDER BY source = 'meter' DESC",
        (device, month),
    ).fetchall()
    for row in rows:
        occurred = _parse(row["occurred"])
        if occurred is None or row["peak_w"] <= 0:
            continue
        start = occurred - timedelta(minutes=15)  # stamped with the quarter's end
        return {"peak": {"quarter_id": quarter_id(start, tz), "power": round(row["peak_w"])}}
    return {}


def quarter_file(db: sqlite3.Connection, device: str, path: str) -> dict[str, Any] | None:
    """One quarter by the original file name, e.g. ``2023/12/01/1615W.json``; None if absent."""
    match = _FILE.match(path.strip("/").removeprefix("meter/"))
    if match is None:
        return None
    year, month, day, hh, mm, dst = match.groups()
    row = db.execute(
        "SELECT * FROM capacity_quarters WHERE device = ? AND local_day = ? AND hhmm = ? "
        "AND dst = ?",
        (device, f"{year}-{month}-{day}", f"{hh}{mm}", dst),
    ).fetchone()
    return _quarter_json(row) if row else None


def day_quarters(db: sqlite3.Connection, device: str, year: int, month: int, day: int) -> dict:
    rows = db.execute(
        "SELECT quarter_id FROM capacity_quarters WHERE device = ? AND local_day = ? "
        "ORDER BY start",
        (device, f"{year:04d}-{month:02d}-{day:02d}"),
    ).fetchall()
    return {"year": year, "month": month, "day": day, "quarters": [r[0] for r in rows]}


def _whole(wh: float | None) -> int | None:
    return round(wh) if wh is not None else None
