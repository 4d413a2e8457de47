"""A PLN prepaid meter: the balance falls with a household's load over the day, and a
token typed on its keypad raises it.

A real STS token is encrypted with the meter's key, so only the meter knows what it
holds. The simulated meter needs a rule anyone can check and build tokens with, so its
tokens are plain: 20 digits below 2^66 (as every STS token), where

- digits 1-5 are the amount in 0.1 kWh (``00200`` is 20.0 kWh, never zero),
- digits 6-18 are a serial number, anything,
- digits 19-20 are check digits: the whole number mod 97 is 1 (ISO 7064 MOD 97-10,
  as in an IBAN), so one wrong or swapped digit is caught.

A token is taken once; typed again the meter answers ``USED``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ..domain.tokens import TOKEN_BITS, TOKEN_DIGITS

JAKARTA = ZoneInfo("Asia/Jakarta")


def household_load_w(mean_w: float, local: datetime, rng: random.Random) -> float:
    """Mean load shaped by the hour: low at night, peaks at breakfast and evening."""
    hour = local.hour + local.minute / 60
    shape = (
        0.55 + 0.35 * math.exp(-((hour - 7) ** 2) / 2) + 0.9 * math.exp(-((hour - 19.5) ** 2) / 4)
    )
    return max(0.0, mean_w * shape * rng.uniform(0.8, 1.2))


# A cycling prepaid LCD's registers, in the order it shows them; the balance is the one
# Meterhub reads, and the only one that lights "CREDIT" on the glass. The tariff code is
# the connected load in VA (R1 900 VA).
REGISTERS = ("date", "balance", "tariff")
TARIFF_CODE = "900"


@dataclass
class PrepaidMeterModel:
    balance_kwh: float
    mean_load_w: float
    rng: random.Random = field(default_factory=random.Random)
    entry: str = ""  # digits typed since the last Enter
    used_tokens: set[str] = field(default_factory=set)
    message: str = ""  # what the meter showed after the last Enter

    def consume(self, simulated_seconds: float, local: datetime) -> None:
        used_kwh = (
            household_load_w(self.mean_load_w, local, self.rng) * simulated_seconds / 3_600_000
        )
        self.balance_kwh = max(0.0, self.balance_kwh - used_kwh)

    def top_up(self, kwh: float) -> None:
        self.balance_kwh += kwh

    def displayed(self, decimals: int, digits: int) -> str:
        """The LCD truncates (a meter never shows credit it has not got) and, like a real
        display, cannot show more than its digit cells hold: it saturates at all nines."""
        scale = 10**decimals
        largest = (10**digits - 1) / scale
        shown = min(math.floor(self.balance_kwh * scale + 1e-9) / scale, largest)
        return f"{shown:.{decimals}f}"

    def register(self, name: str, decimals: int, digits: int, local: datetime) -> str:
        """What the LCD shows on one register of a display that cycles (``REGISTERS``)."""
        if name == "date":
            return local.strftime("%d.%m.%y")
        if name == "tariff":
            return TARIFF_CODE
        return self.displayed(decimals, digits)

    def press(self, key: str) -> None:
        """One key: a digit, ``backspace`` or ``enter``; MeterRefused when Enter is refused."""
        if key == "backspace":
            self.entry = self.entry[:-1]
        elif key == "enter":
            token, self.entry = self.entry, ""
            try:
                kwh = token_kwh(token)
                if token in self.used_tokens:
                    raise MeterRefused("USED", "this token was already entered")
            except MeterRefused as refused:
                self.message = refused.shown
                raise
            self.used_tokens.add(token)
            self.top_up(kwh)
            self.message = f"+{kwh:g} kWh"
        elif len(self.entry) < TOKEN_DIGITS:  # the display holds 20 digits; more are lost
            self.entry += key


class MeterRefused(ValueError):
    """The meter's answer to a token it does not take: ``shown`` on its LCD, and why."""

    def __init__(self, shown: str, why: str) -> None:
        super().__init__(f"meter shows {shown}: {why}")
        self.shown = shown


CHECK_MODULUS = 97
AMOUNT_DIGITS = 5
KWH_PER_AMOUNT_UNIT = 0.1


def token_kwh(token: str) -> float:
    """The kWh a simulated token adds; MeterRefused (``REJECT``) for anything else."""
    if len(token) != TOKEN_DIGITS or not token.isdigit():
        raise MeterRefused("REJECT", f"{len(token)} digits entered, a token has {TOKEN_DIGITS}")
    if int(token) >= 2**TOKEN_BITS:
        raise MeterRefused("REJECT", f"not a {TOKEN_BITS}-bit token")
    if int(token) % CHECK_MODULUS != 1:
        raise MeterRefused("REJECT", "check digits do not match")
    amount = int(token[:AMOUNT_DIGITS])
    if amount == 0:
        raise MeterRefused("REJECT", "token for 0 kWh")
    return round(amount * KWH_PER_AMOUNT_UNIT, 1)


def make_token(kwh: float, serial: int) -> str:
    """A token the simulated meter takes, worth ``kwh`` (0.1 kWh steps)."""
    amount = round(kwh / KWH_PER_AMOUNT_UNIT)
    serial_digits = TOKEN_DIGITS - AMOUNT_DIGITS - 2
    if not 0 < amount < 10**AMOUNT_DIGITS or not 0 <= serial < 10**serial_digits:
        raise ValueError(f"no token for {kwh} kWh with serial {serial}")
    body = int(f"{amount:0{AMOUNT_DIGITS}d}{serial:0{serial_digits}d}")
    check = CHECK_MODULUS + 1 - body * 100 % CHECK_MODULUS
    token = f"{body:0{TOKEN_DIGITS - 2}d}{check:02d}"
    if int(token) >= 2**TOKEN_BITS:
        raise ValueError(f"{kwh} kWh is more than a {TOKEN_BITS}-bit token carries")
    return token
