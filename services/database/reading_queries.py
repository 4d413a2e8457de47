"""Read side for the web page and the bot; opens the database read-only.

History comes from the roll-ups (fast at any range) or, with ``every="raw"``, from the
raw rows (kept ``raw_retention_days``). Times in and out are ISO 8601 UTC; buckets are
named by their start and follow the storage time zone for days and months.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.quantities import QUANTITIES, QuantityKind
from ..domain.forecast import DaysLeft
from ..domain.forecast import days_left as forecast_days_left
from ..domain.timekeys import from_key, iso, key_of, period_name
from .connection import connect_read
from .sink_status import sink_status

TimeArg = datetime | str | None
DEFAULT_HISTORY_LIMIT = 10_000
FAR_PAST = "0000"
FAR_FUTURE = "9999"
QUARTER_QUANTITY = "quarter_avg_power_w"
METER_PEAK_QUANTITY = "month_peak_power_w"


class ReadingQueries:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and self.path.exists():
            self._db = connect_read(self.path)
        return self._db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[sqlite3.Row]:
        db = self._connection()
        return db.execute(sql, args).fetchall() if db is not None else []

    # --- latest values ----------------------------------------------------------------
    def latest(self, device: str) -> dict[str, Any] | None:
        """Newest value of every quantity of ``device`` with its unit and time."""
        rows = self._rows(
            "SELECT quantity, ts, source, value, frame_id FROM latest WHERE device = ? "
            "ORDER BY quantity",
            (device,),
        )
        if not rows:
            return None
        return {
            "device": device,
            "ts": iso(max(row["ts"] for row in rows)),
            "values": {
                row["quantity"]: {
                    "value": row["value"],
                    "unit": QUANTITIES[row["quantity"]].unit
                    if row["quantity"] in QUANTITIES
                    else None,
                    "ts": iso(row["ts"]),
                    "source": row["source"],
                    "frame_id": row["frame_id"],
                }
                for row in rows
            },
        }

    def last_seen(self) -> dict[str, str]:
        rows = self._rows("SELECT device, max(ts) AS ts FROM latest GROUP BY device", ())
        return {row["device"]: iso(row["ts"]) for row in rows}

    def rejected(self, device: str, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT ts, source, reason FROM rejected WHERE device = ? ORDER BY id DESC LIMIT ?",
            (device, limit),
        )
        return [{**dict(row), "ts": iso(row["ts"])} for row in rows]

    # --- history ----------------------------------------------------------------------
    def history(
        self,
        device: str,
        quantity: str,
        *,
        start: TimeArg = None,
        end: TimeArg = None,
        every: str = "hour",
        limit: int = DEFAULT_HISTORY_LIMIT,
    ) -> list[dict[str, Any]]:
        """Values of one series in ``[start, end)``, oldest first.

        ``every="raw"``: ``{"ts", "value", "source"}`` per reading. Otherwise per bucket
        (``minute``/``1m``, ``quarter``/``15m``, ``hour``/``1h``, ``day``/``1d``,
        ``month``/``1mo``): ``{"ts", "n", "avg", "min", "max", "first", "last", "rise",
        "fall"}`` -- rise is a counter's consumption, fall a balance's use.
        """
        low, high = _range(start, end)
        if every == "raw":
            rows = self._rows(
                "SELECT ts, value, source FROM readings WHERE device = ? AND quantity = ? "
                "AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?",
                (device, quantity, low, high, limit),
            )
            return [{"ts": iso(r["ts"]), "value": r["value"], "source": r["source"]} for r in rows]
        rows = self._rows(
            "SELECT bucket, n, total, min, max, first, last, rise, fall FROM rollups "
            "WHERE device = ? AND quantity = ? AND period = ? AND bucket >= ? AND bucket < ? "
            "ORDER BY bucket LIMIT ?",
            (device, quantity, period_name(every), low, high, limit),
        )
        return [
            {
                "ts": iso(r["bucket"]),
                "n": r["n"],
                "avg": r["total"] / r["n"],
                "min": r["min"],
                "max": r["max"],
                "first": r["first"],
                "last": r["last"],
                "rise": r["rise"],
                "fall": r["fall"],
            }
            for r in rows
        ]

    def consumption(
        self,
        device: str,
        quantity: str = "energy_import_kwh",
        *,
        every: str = "day",
        start: TimeArg = None,
        end: TimeArg = None,
    ) -> list[dict[str, Any]]:
        """Use per period of a counter (kWh, m³): the sum of its increases in each bucket.

        An increase between two readings counts in the bucket of the later one; a
        counter that goes backwards (meter replaced, drum wrapped) adds nothing.
        """
        kind = QUANTITIES[quantity].kind if quantity in QUANTITIES else None
        if kind is not QuantityKind.COUNTER:
            raise ValueError(f"{quantity} is not a counter")
        return [
            {"ts": row["ts"], "used": row["rise"], "reading": row["last"]}
            for row in self.history(device, quantity, start=start, end=end, every=every)
        ]

    def daily_use(
        self, device: str, quantity: str = "token_balance_kwh", days: int = 7
    ) -> list[dict[str, Any]]:
        """Per local day of the last ``days`` (today included, oldest first) with data:
        ``{"day", "used", "topped_up", "last"}``; used sums the balance's decreases, so a
        top-up on that day does not hide what was used."""
        since = datetime.now(UTC) - timedelta(days=days + 1)
        rows = self.history(device, quantity, start=since, every="day")[-days:]
        return [
            {"day": r["ts"], "used": r["fall"], "topped_up": r["rise"], "last": r["last"]}
            for r in rows
        ]

    def days_left(
        self,
        device: str,
        quantity: str = "token_balance_kwh",
        now: datetime | None = None,
        *,
        balance: float | None = None,
    ) -> DaysLeft | None:
        """The balance's forecast (see ``forecast``) at ``balance``, by default the stored
        one (the bot passes a reading storage may not have committed yet)."""
        db = self._connection()
        if db is None:
            return None
        if balance is None:
            latest = self.latest(device)
            if latest is None or quantity not in latest["values"]:
                return None
            balance = latest["values"][quantity]["value"]
        return forecast_days_left(db, device, quantity, balance, now or datetime.now(UTC))

    # --- capacity tariff (Flanders) ---------------------------------------------------------
    def quarter_history(
        self, device: str, *, start: TimeArg = None, end: TimeArg = None
    ) -> list[dict[str, Any]]:
        """Average demand of each quarter hour: the meter's running quarter average
        (``quarter_avg_power_w``) as last read before the quarter ended."""
        rows = self.history(device, QUARTER_QUANTITY, start=start, end=end, every="quarter")
        return [{"ts": r["ts"], "avg_power_w": r["last"]} for r in rows]

    def month_peaks(self, device: str, months: int = 13) -> list[dict[str, Any]]:
        """Per month (newest last): the highest quarter average and its quarter, and the
        peak the meter itself reported (``month_peak_power_w``, null when it sends none)."""
        months_rows = self._rows(
            "SELECT bucket FROM rollups WHERE device = ? AND quantity IN (?, ?) "
            "AND period = 'month' GROUP BY bucket ORDER BY bucket DESC LIMIT ?",
            (device, QUARTER_QUANTITY, METER_PEAK_QUANTITY, months),
        )
        result = []
        for (bucket,) in reversed(months_rows):
            end = _next_month_key(self._rows, device, bucket)
            peak = self._rows(
                "SELECT bucket, last FROM rollups WHERE device = ? AND quantity = ? "
                "AND period = 'quarter' AND bucket >= ? AND bucket < ? "
                "ORDER BY last DESC LIMIT 1",
                (device, QUARTER_QUANTITY, bucket, end),
            )
            meter = self._rows(
                "SELECT max FROM rollups WHERE device = ? AND quantity = ? "
                "AND period = 'month' AND bucket = ?",
                (device, METER_PEAK_QUANTITY, bucket),
            )
            result.append(
                {
                    "month": iso(bucket),
                    "peak_w": peak[0]["last"] if peak else None,
                    "peak_quarter": iso(peak[0]["bucket"]) if peak else None,
                    "meter_peak_w": meter[0]["max"] if meter else None,
                }
            )
        return result

    # --- sinks ------------------------------------------------------------------------
    def sinks(self) -> list[dict[str, Any]]:
        """Each sink's queue: waiting, sent, dropped (over the disk cap), refused, errors."""
        db = self._connection()
        return sink_status(db) if db is not None else []

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _range(start: TimeArg, end: TimeArg) -> tuple[str, str]:
    return (
        key_of(start) if start is not None else FAR_PAST,
        key_of(end) if end is not None else FAR_FUTURE,
    )


def _next_month_key(rows: Any, device: str, bucket: str) -> str:
    """Start of the month after ``bucket``: the next month bucket, else 32 days on (upper
    bound only: no later quarter exists yet)."""
    later = rows(
        "SELECT min(bucket) AS b FROM rollups WHERE device = ? AND period = 'month' AND bucket > ?",
        (device, bucket),
    )
    if later and later[0]["b"]:
        return later[0]["b"]
    return key_of(from_key(bucket) + timedelta(days=32))
