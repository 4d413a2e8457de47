"""Both message tables say the same things with the same placeholders."""

from __future__ import annotations

import string

from services.notifier.commands import COMMANDS
from services.notifier.lang import TABLES, texts


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders():
    indonesian, english = TABLES["id"].MESSAGES, TABLES["en"].MESSAGES
    assert indonesian.keys() == english.keys()
    for key in indonesian:
        assert _fields(indonesian[key]) == _fields(english[key]), key
    assert all(c.help_key in indonesian for c in COMMANDS)


def test_numbers_and_ages_read_as_each_language_writes_them():
    assert texts("id").quantity("token_balance_kwh", 1234.5) == "1.234,50 kWh"
    assert texts("en").quantity("token_balance_kwh", 1234.5) == "1,234.50 kWh"
    assert texts("id").quantity("power_w", 2480) == "2,48 kW"
    assert texts("id").age(42 * 60) == "42 menit lalu"
    assert texts("en").age(3 * 86400) == "3 days ago"
    assert texts("id").times(["16:01", "16:05"]) == "16:01 dan 16:05"
