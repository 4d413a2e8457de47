"""What a device id may look like: it is a topic level, a broker user and a file name."""

from __future__ import annotations

import re

DEVICE_ID_PATTERN = r"^[a-z0-9_-]+$"
_DEVICE_ID = re.compile(DEVICE_ID_PATTERN)


def is_device_id(value: str) -> bool:
    return bool(_DEVICE_ID.match(value))
