"""Time as storage keeps it: fixed-width UTC text keys and roll-up periods in a local zone.

A key is ``YYYY-MM-DDTHH:MM:SS.ffffffZ``: text order is time order, so SQLite range
scans and ``max()`` work on it. On the way out, keys become the contract's ISO form
(``...:00Z`` for whole seconds, as ``Reading`` serialises them).

Roll-up buckets start at local wall-clock boundaries of the configured zone (a day is
local midnight to midnight, 23 or 25 hours on DST days) and are stored by their UTC start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

WHOLE_SECOND_SUFFIX = ".000000Z"


def ts_key(moment: datetime) -> str:
    """Storage key of an aware datetime."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"


def key_of(value: datetime | str) -> str:
    """Storage key of a datetime or an ISO 8601 string (a time zone is required)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ValueError("time needs a time zone (use ISO 8601 with Z)")
    return ts_key(value)


def iso(key: str) -> str:
    """The contract's ISO form of a storage key."""
    return key[:-8] + "Z" if key.endswith(WHOLE_SECOND_SUFFIX) else key


def from_key(key: str) -> datetime:
    return datetime.fromisoformat(key)


@dataclass(frozen=True)
class Period:
    name: str
    aliases: tuple[str, ...]
    floor: Callable[[datetime], datetime]  # local aware datetime -> local bucket start


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _quarter(t: datetime) -> datetime:
    return t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _day(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def _month(t: datetime) -> datetime:
    return t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# Finest first: coarser roll-ups are folded from the per-minute ones.
PERIODS: tuple[Period, ...] = (
    Period("minute", ("1m", "1min"), _minute),
    Period("quarter", ("15m", "15min"), _quarter),
    Period("hour", ("1h",), _hour),
    Period("day", ("1d",), _day),
    Period("month", ("1mo",), _month),
)
PERIOD_NAMES: tuple[str, ...] = tuple(p.name for p in PERIODS)
_BY_NAME = {alias: p.name for p in PERIODS for alias in (p.name, *p.aliases)}


def period_name(every: str) -> str:
    """Canonical period for ``every`` (``hour``, ``1h``, ...); ValueError lists the choices."""
    try:
        return _BY_NAME[every]
    except KeyError:
        choices = ", ".join(sorted(_BY_NAME))
        raise ValueError(f"every must be one of: raw, {choices}") from None


class BucketClock:
    """Bucket keys of every period for a minute, cached: readings come minutes at a time."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._cache: dict[int, tuple[str, ...]] = {}

    def buckets(self, epoch_minute: int) -> tuple[str, ...]:
        """Keys of the buckets (in ``PERIODS`` order) holding the minute ``epoch_minute``."""
        keys = self._cache.get(epoch_minute)
        if keys is None:
            local = datetime.fromtimestamp(epoch_minute * 60, UTC).astimezone(self.zone)
            keys = tuple(ts_key(p.floor(local)) for p in PERIODS)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[epoch_minute] = keys
        return keys

    def bucket(self, period: str, moment: datetime) -> str:
        """Key of the ``period`` bucket holding ``moment``."""
        index = PERIOD_NAMES.index(period)
        return self.buckets(int(moment.timestamp()) // 60)[index]
