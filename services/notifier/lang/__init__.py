"""Every word the bot says, per language, and the number/time formats that go with them.

Code asks ``texts("id").say("balance", value=...)``; no user-facing string lives elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import ModuleType

from ...core.config.telegram import Language
from ...core.currency import decimals, symbol
from ...core.quantities import QUANTITIES
from . import english, indonesian

TABLES: dict[str, ModuleType] = {"id": indonesian, "en": english}
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
        """``1234.5`` → ``1.234,50`` in Indonesian, ``1,234.50`` in English."""
        text = f"{value:,.{decimals}f}"
        table = self._table
        return (
            text.replace(",", "\0")
            .replace(".", table.DECIMAL_SEPARATOR)
            .replace("\0", table.THOUSANDS_SEPARATOR)
        )

    def quantity(self, key: str, value: float) -> str:
        """A value with the precision and unit of its quantity; power in kW from 1 kW up."""
        spec = QUANTITIES[key]
        if spec.unit == "W" and abs(value) >= 1000:
            return f"{self.number(value / 1000, 2)} kW"
        return f"{self.number(value, spec.precision)} {spec.unit}"

    def power(self, watts: float) -> str:
        return f"{self.number(watts / 1000, 2)} kW"

    def money(self, amount: float, currency: str) -> str:
        """``1234.5, "EUR"`` → ``€ 1,234.50``; rupiah without decimals (``Rp 8.668``)."""
        return f"{symbol(currency)} {self.number(amount, decimals(currency))}"

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
