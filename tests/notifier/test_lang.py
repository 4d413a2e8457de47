"""Every message table says the same things with the same placeholders."""

from __future__ import annotations

import string

from services.core.quantities import QUANTITIES
from services.notifier.commands import COMMANDS
from services.notifier.lang import TABLES, texts


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders():
    assert set(TABLES) == {"id", "en", "nl", "de"}
    english = TABLES["en"].MESSAGES
    for language, table in TABLES.items():
        assert table.MESSAGES.keys() == english.keys(), language
        for key, text in table.MESSAGES.items():
            assert text.strip(), (language, key)
            assert _fields(text) == _fields(english[key]), (language, key)
        assert set(table.QUANTITY_LABELS) <= set(QUANTITIES), language
    assert all(c.help_key in english for c in COMMANDS)
    # The original bot's greeting, word for word.
    assert TABLES["id"].MESSAGES["bot_active"] == "✅ Bot aktif."


def test_numbers_and_ages_read_as_each_language_writes_them():
    assert texts("id").quantity("token_balance_kwh", 1234.5) == "1.234,50 kWh"
    assert texts("en").quantity("token_balance_kwh", 1234.5) == "1,234.50 kWh"
    assert texts("id").quantity("power_w", 2480) == "2,48 kW"
    assert texts("id").age(42 * 60) == "42 menit lalu"
    assert texts("en").age(3 * 86400) == "3 days ago"
    assert texts("id").times(["16:01", "16:05"]) == "16:01 dan 16:05"
    assert texts("nl").quantity("energy_import_kwh", 12345.6789) == "12.345,679 kWh"
    assert texts("de").quantity("power_w", 2480) == "2,48 kW"
    assert texts("de").age(3 * 86400) == "vor 3 Tagen"
    assert texts("nl").times(["16:01", "16:05"]) == "16:01 en 16:05"


def test_money_is_written_as_each_locale_writes_it():
    """CLDR's patterns (Babel): symbol place and spacing per locale; rupiah whole."""
    assert texts("id").money(8668, "IDR") == "Rp8.668"
    assert texts("en").money(1234.5, "EUR") == "€1,234.50"
    assert texts("nl").money(1234.5, "EUR") == "€\xa01.234,50"
    assert texts("de").money(1234.5, "EUR") == "1.234,50\xa0€"
    assert texts("de").money(8668.4, "IDR") == "8.668\xa0IDR"
