"""PNG charts for /history, drawn off the event loop with matplotlib's Agg backend."""

from __future__ import annotations

import asyncio
import io
from datetime import date, tzinfo

from ..database.usage import Point

SIZE_IN = (8.0, 4.0)
DPI = 100
COLOUR = "#1f6feb"


def _figure():  # type: ignore[no-untyped-def]
    # Imported here: matplotlib costs a second at import and only /history needs it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _png(figure) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _line(points: list[Point], zone: tzinfo, title: str, ylabel: str) -> bytes:
    import matplotlib.dates as mdates

    figure, axes = _figure()
    axes.plot([p.ts.astimezone(zone) for p in points], [p.value for p in points], color=COLOUR)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m", tz=zone))
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    return _png(figure)


def _bars(days: list[tuple[date, float]], title: str, ylabel: str) -> bytes:
    figure, axes = _figure()
    axes.bar([d.strftime("%d/%m") for d, _ in days], [v for _, v in days], color=COLOUR)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


async def line_chart(points: list[Point], zone: tzinfo, title: str, ylabel: str) -> bytes:
    return await asyncio.to_thread(_line, points, zone, title, ylabel)


async def bar_chart(days: list[tuple[date, float]], title: str, ylabel: str) -> bytes:
    return await asyncio.to_thread(_bars, days, title, ylabel)
