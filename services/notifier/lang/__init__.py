"""Every word the bot says, per language; numbers and money as the language's locale
writes them (Babel's CLDR data, as the web page's browser does).

Code asks ``texts("id").say("balance", value=...)``; no user-facing string lives elsewhere.
Adding a language is adding its table module here and its code to ``Language``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import ModuleType

from babel.numbers import format_currency, format_decimal

from ...core.config.telegram import Language
from ...core.quantities import QUANTITIES
from . import dutch, english, german, indonesian

TABLES: dict[str, ModuleType] = {"id": indonesian, "en": english, "nl": dutch, "de": german}
LANGUAGES: tuple[str, ...] = tuple(TABLES)


@dataclass(frozen=True)
class Texts:
    language: Language

    @property
    def _table(self) -> ModuleType:
        return TABLES[self.language]

    def say(self, key: str, **values: object) -> str:
        return self._table.MESSAGES[key].format(**values)

    def number(self, value: float, decimals: int) -> str:
        """``1234.5`` → ``1.234,50`` in Indonesian, Dutch and German, ``1,234.50`` in English."""
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=self.language)

    def quantity(self, key: str, value: float) -> str:
        """A value with the precision and unit of its quantity; power in kW from 1 kW up."""
        spec = QUANTITIES[key]
        if spec.unit == "W" and abs(value) >= 1000:
            return f"{self.number(value / 1000, 2)} kW"
        return f"{self.number(value, spec.precision)} {spec.unit}"

    def power(self, watts: float) -> str:
        return f"{self.number(watts / 1000, 2)} kW"

    def money(self, amount: float, currency: str) -> str:
        """As the locale writes an amount: ``€1,234.50`` in English, ``Rp8.668`` in
        Indonesian, ``1.234,50 €`` in German (rupiah without decimals everywhere)."""
        return format_currency(amount, currency, locale=self.language)

    def label(self, key: str) -> str:
        return self._table.QUANTITY_LABELS.get(key, QUANTITIES[key].label)

    def age(self, seconds: float) -> str:
        seconds = max(0.0, seconds)
        if seconds < 5:
            return self.say("age_now")
        for limit, key, unit in ((60, "age_s", 1), (3600, "age_min", 60), (86400, "age_h", 3600)):
            if seconds < limit:
                return self.say(key, n=int(seconds // unit))
        return self.say("age_d", n=int(seconds // 86400))

    def times(self, times: list[str]) -> str:
        """``16:01 dan 16:05`` — the original bot's way of listing two times."""
        if len(times) <= 1:
            return "".join(times)
        return ", ".join(times[:-1]) + self.say("and") + times[-1]

    @staticmethod
    def clock(moment: datetime, zone: tzinfo) -> str:
        return moment.astimezone(zone).strftime("%H:%M")


def texts(language: str) -> Texts:
    return Texts(language if language in TABLES else "en")  # type: ignore[arg-type]
