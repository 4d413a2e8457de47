"""What a consumer may believe of a device's reading: its topic, and a clock not far ahead.

The broker's ACL lets a device publish on its own topics only, so the topic is the one
trustworthy name of the meter; the ``device`` a payload names is only checked against
it. Storage and every service that keeps a latest value apply this one rule, so a
reading that storage refuses never becomes anyone's newest value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .messages import Reading

# A device clock this far ahead is wrong, not early: its reading would stay the newest
# value (and hold the state topic) until that time came.
MAX_FUTURE = timedelta(minutes=5)


def reading_problem(reading: Reading, device: str, now: datetime) -> str | None:
    """Why ``reading``, received on ``device``'s topic, must not be used; None if it may."""
    if reading.device != device:
        return f"reading names device {reading.device!r} but came on the topic of {device!r}"
    if reading.ts > now + MAX_FUTURE:
        return "timestamp in the future: the device clock is ahead"
    return None
