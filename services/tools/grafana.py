"""Grafana dashboards for the InfluxDB 2 sink, generated from one table.

The JSON files under ``grafana/provisioning/dashboards/meterhub/`` are this module's
output (``python -m services.tools.grafana`` rewrites them; a test checks they are in
step). Every query is Flux against measurement ``meter_reading`` (tags ``device``,
``source``; one field per quantity) or ``meter_cost`` (tags ``device``, ``currency``;
fields ``today``, ``this_month``, ``last_month``), on the provisioned datasource. Days and months
follow the dashboard's ``timezone`` variable (an IANA name, default UTC).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.measurements import COST
from ..core.quantities import QUANTITIES, TOKEN_BALANCE
from ..storage.sinks.base import MEASUREMENT

DATASOURCE = {"type": "influxdb", "uid": "meterhub-influxdb"}
OUTPUT_DIR = Path("grafana/provisioning/dashboards/meterhub")
GRID_WIDTH = 24
# Grafana unit ids for the catalogue's units.
GRAFANA_UNITS = {"W": "watt", "kWh": "kwatth", "V": "volt", "A": "amp", "kvarh": "none", "m³": "m3"}

ZONE = 'import "timezone"\noption location = timezone.location(name: "${timezone}")\n'


def _source(
    start: str = "v.timeRangeStart", stop: str = "v.timeRangeStop", measurement: str = MEASUREMENT
) -> str:
    return (
        f"from(bucket: v.defaultBucket)\n  |> range(start: {start}, stop: {stop})\n"
        f'  |> filter(fn: (r) => r._measurement == "{measurement}")'
    )


def _of_device(field: str) -> str:
    return f'\n  |> filter(fn: (r) => r.device == "${{device}}" and r._field == "{field}")'


def _series(fields: list[str], *, device: bool = True, window: str = "mean") -> str:
    """Time series of ``fields``, thinned to the panel's resolution."""
    wanted = " or ".join(f'r._field == "{f}"' for f in fields)
    where = f'r.device == "${{device}}" and ({wanted})' if device else f"({wanted})"
    return (
        f"{ZONE}{_source()}\n  |> filter(fn: (r) => {where})\n"
        f"  |> aggregateWindow(every: v.windowPeriod, fn: {window}, createEmpty: false)\n"
        '  |> map(fn: (r) => ({r with _field: r.device + " " + r._field}))\n'
        '  |> keep(columns: ["_time", "_value", "_field"])'
    )


def _increase(field: str, every: str) -> str:
    """Use per ``every`` of a counter: sum of its increases (a backwards step adds nothing)."""
    return (
        f"{ZONE}{_source()}{_of_device(field)}\n"
        "  |> difference()\n  |> filter(fn: (r) => r._value >= 0.0)\n"
        f'  |> aggregateWindow(every: {every}, fn: sum, createEmpty: true, timeSrc: "_start")'
    )


def _per_window(field: str, every: str, fn: str, start: str | None = None) -> str:
    """``fn`` of ``field`` per ``every``, over the dashboard's range or from ``start``."""
    source = _source() if start is None else _source(start, "now()")
    return (
        f"{ZONE}{source}{_of_device(field)}\n"
        f'  |> aggregateWindow(every: {every}, fn: {fn}, createEmpty: false, timeSrc: "_start")'
    )


# The meter's running cost totals, each point a snapshot: the last per window, never a sum.
COST_SERIES = (
    f"{_source(measurement=COST)}\n"
    f'  |> filter(fn: (r) => r.device == "${{device}}")\n'
    "  |> aggregateWindow(every: v.windowPeriod, fn: last, createEmpty: false)\n"
    '  |> map(fn: (r) => ({r with _field: r._field + " (" + r.currency + ")"}))\n'
    '  |> keep(columns: ["_time", "_value", "_field"])'
)

BALANCE = TOKEN_BALANCE
BALANCE_USE_PER_DAY = (
    f"{ZONE}{_source()}{_of_device(BALANCE)}\n"
    "  |> difference()\n  |> filter(fn: (r) => r._value < 0.0)\n"
    "  |> map(fn: (r) => ({r with _value: -r._value}))\n"
    '  |> aggregateWindow(every: 1d, fn: sum, createEmpty: true, timeSrc: "_start")'
)
# Balance / average daily use of the last 7 days (top-ups do not count as use).
DAYS_LEFT = (
    f"balance = {_source('-30d', 'now()')}{_of_device(BALANCE)}\n"
    "  |> last()\n  |> map(fn: (r) => ({k: 1, balance: r._value}))\n"
    f"use = {_source('-7d', 'now()')}{_of_device(BALANCE)}\n"
    "  |> difference()\n  |> filter(fn: (r) => r._value < 0.0)\n  |> sum()\n"
    "  |> map(fn: (r) => ({k: 1, per_day: -r._value / 7.0}))\n"
    'join(tables: {b: balance, u: use}, on: ["k"])\n'
    "  |> map(fn: (r) => ({_time: now(),\n"
    "      _value: if r.per_day > 0.0 then r.balance / r.per_day else 0.0}))"
)
QUARTERS = _per_window("quarter_avg_power_w", "15m", "last")
# The month's highest quarter: quarters start at the month's start in the chosen zone.
MONTH_PEAK = 'import "date"\n' + (
    _per_window("quarter_avg_power_w", "15m", "last", "date.truncate(t: now(), unit: 1mo)")
    + "\n  |> max()"
)
METER_PEAKS = _per_window("month_peak_power_w", "1mo", "max")
LATEST = (
    f"{_source()}\n  |> last()\n"
    '  |> group(columns: ["device"])\n'
    '  |> pivot(rowKey: ["device"], columnKey: ["_field"], valueColumn: "_value")\n'
    '  |> drop(columns: ["_start", "_stop", "_measurement", "source", "_time"])'
)


@dataclass(frozen=True)
class Panel:
    title: str
    query: str
    kind: str = "timeseries"  # timeseries | bars | stat | table
    unit: str = "none"
    width: int = GRID_WIDTH
    height: int = 8
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    panels: tuple[Panel, ...]
    time_from: str = "now-24h"
    per_device: bool = True


def _unit(quantity: str) -> str:
    return GRAFANA_UNITS.get(QUANTITIES[quantity].unit, "none")


PHASES = ("l1", "l2", "l3")
DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard("meterhub-overview", "Meterhub · overview", (
        Panel("Latest values of every meter", LATEST, "table", height=7),
        Panel("Power, all meters", _series(["power_w"], device=False), unit=_unit("power_w")),
        Panel("Prepaid balances", _series([BALANCE], device=False, window="last"),
              unit=_unit(BALANCE)),
    ), per_device=False),
    Dashboard("meterhub-meter", "Meterhub · power and energy", (
        Panel("Power", _series(["power_w", "power_import_w", "power_export_w"]), unit="watt"),
        Panel("Power per phase", _series([f"power_{p}_w" for p in PHASES]), unit="watt", width=12),
        Panel("Voltage per phase", _series([f"voltage_{p}_v" for p in PHASES]), unit="volt",
              width=12),
        Panel("Current per phase", _series([f"current_{p}_a" for p in PHASES]), unit="amp",
              width=12),
        Panel("Energy registers",
              _series(["energy_import_kwh", "energy_import_t1_kwh", "energy_import_t2_kwh",
                       "energy_export_kwh"], window="last"), unit="kwatth", width=12),
    )),
    Dashboard("meterhub-consumption", "Meterhub · consumption", (
        Panel("Electricity per day", _increase("energy_import_kwh", "1d"), "bars", "kwatth"),
        Panel("Electricity per month", _increase("energy_import_kwh", "1mo"), "bars", "kwatth"),
        Panel("Gas per day", _increase("gas_m3", "1d"), "bars", "m3", width=12),
        Panel("Water per day", _increase("water_m3", "1d"), "bars", "m3", width=12),
        Panel("Cost today, this month, last month", COST_SERIES,
              description="Meters with prices (devices.<id>.prices), in their currency."),
    ), time_from="now-31d"),
    Dashboard("meterhub-prepaid", "Meterhub · prepaid balance", (
        Panel("Days left at the last 7 days' use", DAYS_LEFT, "stat", "d", width=8,
              description="Balance divided by the average daily use of the last 7 days; "
              "top-ups are not use."),
        Panel("Balance", _series([BALANCE], window="last"), unit="kwatth", width=16),
        Panel("Use per day", BALANCE_USE_PER_DAY, "bars", "kwatth"),
    ), time_from="now-30d"),
    Dashboard("meterhub-capacity", "Meterhub · quarter-hour demand (capacity tariff)", (
        Panel("Highest quarter this month", MONTH_PEAK, "stat", "watt", width=8,
              description="Flanders bills the month's highest quarter-hour average demand."),
        Panel("Quarter-hour average demand", QUARTERS, "bars", "watt", width=16,
              description="The meter's running quarter average as last read in each quarter."),
        Panel("Month peak reported by the meter", METER_PEAKS, "bars", "watt"),
    ), time_from="now-2d"),
)  # fmt: skip


def _panel(panel: Panel, index: int, x: int, y: int) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    kind = panel.kind
    if kind == "bars":
        kind, custom = "timeseries", {"drawStyle": "bars", "fillOpacity": 80, "lineWidth": 1}
    elif kind == "timeseries":
        custom = {"drawStyle": "line", "lineWidth": 1, "spanNulls": True}
    return {
        "id": index + 1,
        "type": kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": panel.height},
        "fieldConfig": {"defaults": {"unit": panel.unit, "custom": custom}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}} if kind == "stat" else {},
        "targets": [{"refId": "A", "datasource": DATASOURCE, "query": panel.query}],
    }


def _variables(per_device: bool) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = [
        {
            "name": "timezone",
            "label": "Time zone",
            "type": "textbox",
            "query": "UTC",
            "current": {"text": "UTC", "value": "UTC"},
        }
    ]
    if per_device:
        variables.insert(0, {
            "name": "device",
            "label": "Meter",
            "type": "query",
            "datasource": DATASOURCE,
            "query": 'import "influxdata/influxdb/schema"\n'
            'schema.tagValues(bucket: v.defaultBucket, tag: "device")',
            "refresh": 1,
        })  # fmt: skip
    return variables


def build(dashboard: Dashboard) -> dict[str, Any]:
    panels, x, y, row_height = [], 0, 0, 0
    for index, panel in enumerate(dashboard.panels):
        if x + panel.width > GRID_WIDTH:
            x, y, row_height = 0, y + row_height, 0
        panels.append(_panel(panel, index, x, y))
        x += panel.width
        row_height = max(row_height, panel.height)
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "tags": ["meterhub"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": dashboard.time_from, "to": "now"},
        "templating": {"list": _variables(dashboard.per_device)},
        "panels": panels,
    }


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {
        f"{d.uid.removeprefix('meterhub-')}.json": json.dumps(build(d), indent=2) + "\n"
        for d in DASHBOARDS
    }


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else OUTPUT_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (target / name).write_text(text)
    print(f"wrote {len(DASHBOARDS)} dashboards to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
