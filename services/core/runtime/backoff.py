"""Capped exponential backoff with jitter, so many clients don't reconnect in lockstep."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    _attempt: int = field(default=0, init=False)

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * self.factor**self._attempt)
        self._attempt += 1
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self._attempt = 0
