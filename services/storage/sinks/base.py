"""What every sink is: a writer of queued readings that says whether to retry.

``write`` either returns (the sink has every reading of the batch), raises
``SinkUnavailable`` (down, slow, refusing credentials: keep the batch, retry later) or
raises ``SinkRefused`` (the sink answered that it will never take this batch, e.g. a
field type conflict: the pump splits the batch to set only the bad readings aside).

Writes must be idempotent: a replayed batch overwrites the same points, it never adds
new ones. InfluxDB does this by design (a point is measurement + tags + time); the
Firebase sink derives its history keys from the reading's identity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import groupby
from typing import Protocol

from ...core.measurements import READING, RETRACTION, SECOND_TAG
from ..outbox import QueuedReading

MEASUREMENT = READING  # the dashboards' measurement
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Latest flat state of a device, read from the store (for "latest" style documents).
StateLookup = Callable[[str], Awaitable[dict[str, object]]]


class SinkUnavailable(Exception):
    """Try again later; the reason is logged and shown in the sink status."""


class SinkRefused(Exception):
    """The sink will not take this batch, however often it is sent."""


class Sink(Protocol):
    name: str

    async def start(self) -> None: ...

    async def write(self, batch: list[QueuedReading]) -> None: ...

    async def close(self) -> None: ...


def epoch_ns(ts_key: str) -> int:
    moment = datetime.fromisoformat(ts_key)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _tag(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", r"\,").replace("=", r"\=").replace(" ", r"\ ")


def in_order(batch: list[QueuedReading]) -> list[tuple[bool, list[QueuedReading]]]:
    """The batch as runs of points to write and of retractions (``True``), in queue order:
    a point written again after its retraction must come after it."""
    return [
        (retract, list(rows))
        for retract, rows in groupby(batch, key=lambda q: q.measurement == RETRACTION)
    ]


def line_protocol(batch: list[QueuedReading]) -> str:
    """``<measurement>,device=..,<source|currency>=.. <field>=<value>,... <ns>``, one line
    each (readings and costs alike)."""
    return "\n".join(
        f"{q.measurement},device={_tag(q.device)},{SECOND_TAG[q.measurement]}={_tag(q.source)} "
        + ",".join(f"{key}={float(value)!r}" for key, value in q.values.items())
        + f" {epoch_ns(q.ts)}"
        for q in batch
    )
