"""The one reader and writer of the contract's timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.core.timestamps import NoTimeZone, iso_z, parse_aware, parse_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T05:00:00Z", datetime(2026, 11, 22, 5, tzinfo=UTC)),
        ("2026-11-22T05:00:00.250Z", datetime(2026, 11, 22, 5, 0, 0, 250_000, tzinfo=UTC)),
        ("2026-11-22T12:00:00+07:00", datetime(2026, 11, 22, 5, tzinfo=UTC)),
    ],
)
def test_z_and_offsets_name_the_same_instant(text: str, expected: datetime) -> None:
    assert parse_aware(text) == expected
    assert parse_utc(text).utcoffset() == timedelta(0)


def test_the_written_offset_is_kept_by_parse_aware() -> None:
    assert parse_aware("2026-11-22T12:00:00+07:00").utcoffset() == timedelta(hours=7)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(NoTimeZone, match="needs a time zone"):
        parse_aware("2026-11-22T05:00:00")


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-22T05:00Zulu"])
def test_what_is_not_a_time_is_a_value_error_but_not_a_missing_zone(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_aware(text)
    assert not isinstance(raised.value, NoTimeZone)


def test_written_as_utc_with_z_and_read_back() -> None:
    moment = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=7)))
    assert iso_z(moment) == "2026-11-22T05:00:00Z"
    assert parse_aware(iso_z(moment)) == moment


# Read-models the database layer's own work switches over (left there to keep it one change).
NOT_YET: set[str] = set()


def test_no_module_keeps_its_own_z_workaround() -> None:
    root = Path(__file__).resolve().parents[2]
    found = {
        str(path.relative_to(root))
        for path in (root / "services").rglob("*.py")
        if 'replace("Z", "+00:00")' in path.read_text()
    }
    assert found <= NOT_YET, found - NOT_YET
