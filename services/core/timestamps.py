"""Timestamps as the bus contract writes them: ISO 8601 with a zone, UTC written as ``Z``.

One place for reading and writing them, so no module keeps its own workaround for the
``Z`` suffix or its own rule about times without a zone. A time without a zone is refused:
whose clock it was read on cannot be known, and guessing misplaces it by hours.
"""

from __future__ import annotations

from datetime import UTC, datetime


class NoTimeZone(ValueError):
    """An ISO 8601 time without a zone (``Z`` or an offset)."""


def parse_aware(text: str) -> datetime:
    """The aware datetime ``text`` names, in the offset it was written with.

    ValueError if it is not ISO 8601; NoTimeZone (a ValueError) if it names no zone.
    The offset is kept: converting a time near the end of the calendar could overflow.
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise NoTimeZone(f"{text!r} needs a time zone (use ISO 8601 with Z)")
    return value


def parse_utc(text: str) -> datetime:
    """``parse_aware``, converted to UTC."""
    return parse_aware(text).astimezone(UTC)


def iso_z(value: datetime) -> str:
    """An aware datetime as the contract's UTC text (``2026-11-22T05:00:00Z``)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
