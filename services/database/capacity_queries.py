"""Capacity tariff for the page: a day's quarters, month peaks, the billed average.

Reads the capture gateway's own tables (``capacity_quarters``, ``capacity_months``)
read-only; the P1 monitor's JSON shapes come from its ``capacity_store`` functions as
they are. Before the gateway has written anything the tables are missing: every query
then answers "nothing yet" rather than failing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ..core.config.capacity import CapacityConfig
from ..core.timestamps import iso_z, parse_aware
from ..domain.capacity import QUARTER, SAMPLE_S, MonthPeak, billed_average, month_of
from . import capacity_store
from .lazy_reader import LazyReader

T = TypeVar("T")


def file_name(local: datetime) -> str:
    """The P1 monitor's file of the quarter starting at ``local``: ``YYYY/MM/DD/HHMM{S|W}.json``."""
    return f"{local:%Y/%m/%d/%H%M}{'S' if local.dst() else 'W'}.json"


class CapacityQueries:
    def __init__(self, path: Path, settings: CapacityConfig) -> None:
        self.path, self.settings = path, settings
        self.tz = ZoneInfo(settings.timezone)
        self._reader = LazyReader(path)

    def _run(self, query: Callable[[sqlite3.Connection], T], empty: T) -> T:
        return self._reader.run(query, empty)

    # --- the P1 monitor's shapes ------------------------------------------------------
    def current_quarter(self, device: str) -> dict[str, Any]:
        return self._run(lambda db: capacity_store.current_quarter(db, device), {})

    def current_month_peak(self, device: str, now: datetime) -> dict[str, Any]:
        return self._run(lambda db: capacity_store.current_month_peak(db, device, now, self.tz), {})

    def quarter_file(self, device: str, path: str) -> dict[str, Any] | None:
        return self._run(lambda db: capacity_store.quarter_file(db, device, path), None)

    # --- the page's views -------------------------------------------------------------
    def _quarter(self, row: sqlite3.Row, *, samples: bool = False) -> dict[str, Any]:
        start = parse_aware(row["start"])
        local = start.astimezone(self.tz)
        item: dict[str, Any] = {
            "start": row["start"],
            "end": iso_z(start + QUARTER),
            "local_time": local.strftime("%H:%M"),
            "dst": row["dst"],
            "quarter_id": row["quarter_id"],
            "average_w": round(row["average_w"], 1),
            "energy_wh": round(row["energy_wh"], 1),
            "complete": bool(row["complete"]),
            "running": bool(row["running"]),
            "source": row["source"],
            "file": file_name(local),
        }
        if samples:
            item["interval_s"] = SAMPLE_S
            item["consumed_w"] = json.loads(row["consumed"])
            item["produced_w"] = json.loads(row["produced"])
        return item

    def day(self, device: str, day: date) -> list[dict[str, Any]]:
        """Every quarter stored for a local day, in time order."""

        def query(db: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = db.execute(
                "SELECT * FROM capacity_quarters WHERE device = ? AND local_day = ? ORDER BY start",
                (device, day.isoformat()),
            ).fetchall()
            return [self._quarter(row) for row in rows]

        return self._run(query, [])

    def quarter(self, device: str, start: datetime) -> dict[str, Any] | None:
        """One quarter with its 5-second samples."""

        def query(db: sqlite3.Connection) -> dict[str, Any] | None:
            row = db.execute(
                "SELECT * FROM capacity_quarters WHERE device = ? AND start = ?",
                (device, iso_z(start)),
            ).fetchone()
            return self._quarter(row, samples=True) if row else None

        return self._run(query, None)

    def month_peaks(self, device: str) -> list[MonthPeak]:
        def query(db: sqlite3.Connection) -> list[MonthPeak]:
            return capacity_store.CapacityStore(db, self.tz).month_peaks(device)

        return self._run(query, [])

    def peaks(self, device: str, month: str) -> dict[str, Any]:
        """The month's peak (the meter's own value wins), where its quarter is, and the
        billed average of the months up to it."""
        known = self.month_peaks(device)
        by_month: dict[str, MonthPeak] = {}
        for peak in sorted(known, key=lambda p: p.source == "meter"):  # meter rows win
            by_month[peak.month] = peak
        chosen = by_month.get(month)
        settings = self.settings
        billed = billed_average(
            [p for p in known if p.month <= month],
            month,
            floor_w=settings.floor_w,
            months=settings.months_averaged,
            price_eur_per_kw_year=settings.price_eur_per_kw_year,
        )
        return {
            "device": device,
            "month": month,
            "timezone": settings.timezone,
            "peak": self._peak(device, chosen) if chosen else None,
            "months": [
                {"month": p.month, "peak_w": round(p.peak_w, 1), "source": p.source}
                for p in sorted(by_month.values(), key=lambda p: p.month)
            ],
            "billed_average_w": round(billed.average_w, 1) if billed else None,
            "months_averaged": len(billed.months) if billed else 0,
            "floor_w": settings.floor_w,
            "price_eur_per_kw_year": settings.price_eur_per_kw_year,
            "estimated_cost_eur_year": round(billed.cost_eur_year, 2)
            if billed and billed.cost_eur_year is not None
            else None,
        }

    def _peak(self, device: str, peak: MonthPeak) -> dict[str, Any]:
        if peak.occurred is None:  # a meter's history without a time
            return {"power_w": round(peak.peak_w, 1), "source": peak.source, "quarter": None}
        start = peak.occurred - QUARTER  # peaks are stamped with their quarter's end
        local = start.astimezone(self.tz)
        return {
            "power_w": round(peak.peak_w, 1),
            "source": peak.source,
            "quarter": {
                "start": iso_z(start),
                "end": iso_z(peak.occurred),
                "day": local.date().isoformat(),
                "local_time": local.strftime("%H:%M"),
                "file": file_name(local),
                "measured": self.quarter(device, start) is not None,
            },
        }

    def this_month(self, now: datetime) -> str:
        return month_of(now, self.tz)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, datetime.min.time(), self.tz)
        return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz)

    def close(self) -> None:
        self._reader.close()
