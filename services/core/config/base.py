"""Base model of every config section: unknown keys are errors, not ignored typos."""

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
    return value


# An IANA time zone name (``Asia/Jakarta``), checked when the config loads.
TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]
