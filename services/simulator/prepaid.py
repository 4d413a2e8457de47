"""A PLN prepaid meter: the balance falls with a household's load over the day."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def household_load_w(mean_w: float, local: datetime, rng: random.Random) -> float:
    """Mean load shaped by the hour: low at night, peaks at breakfast and evening."""
    hour = local.hour + local.minute / 60
    shape = (
        0.55 + 0.35 * math.exp(-((hour - 7) ** 2) / 2) + 0.9 * math.exp(-((hour - 19.5) ** 2) / 4)
    )
    return max(0.0, mean_w * shape * rng.uniform(0.8, 1.2))


@dataclass
class PrepaidMeterModel:
    balance_kwh: float
    mean_load_w: float
    rng: random.Random = field(default_factory=random.Random)

    def consume(self, simulated_seconds: float, local: datetime) -> None:
        used_kwh = (
            household_load_w(self.mean_load_w, local, self.rng) * simulated_seconds / 3_600_000
        )
        self.balance_kwh = max(0.0, self.balance_kwh - used_kwh)

    def top_up(self, kwh: float) -> None:
        self.balance_kwh += kwh

    def displayed(self, decimals: int) -> str:
        """The LCD truncates (a meter never shows credit it has not got)."""
        scale = 10**decimals
        shown = math.floor(self.balance_kwh * scale + 1e-9) / scale
        return f"{shown:.{decimals}f}"
