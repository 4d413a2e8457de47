"""Which register a cycling display shows, told by an indicator on its glass.

Many meters light a segment beside the number that names it ("kWh", "CREDIT", an arrow
at a printed label) and leave it dark, its ghost showing faintly, on the other
registers. The mark's contrast (the spread of its grey levels) is judged against the
digits' own in the same frame, so light, exposure and polarity (dark ink or lit LEDs)
cancel out: a lit mark spreads about as far as a lit digit, a dark one hardly at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .geometry import Box

LIT_SHARE = 0.5  # of the digits' contrast, at least: the mark is lit
DARK_SHARE = 0.3  # at most: dark (its ghost, or nothing); between the two: unclear
_LOW, _HIGH = 3, 97  # percentiles: a few stray pixels (noise, a speck) do not count


@dataclass(frozen=True)
class MarkSeen:
    state: Literal["lit", "dark", "unclear"]
    share: float  # the mark's contrast as a share of the strongest digit's


def _contrast(grey: np.ndarray, box: Box) -> float:
    x, y, w, h = box
    patch = grey[max(0, y) : y + h, max(0, x) : x + w]
    if patch.size == 0:
        return 0.0
    low, high = np.percentile(patch, (_LOW, _HIGH))
    return float(high - low)


def mark_seen(grey: np.ndarray, mark: Box, digits: list[Box]) -> MarkSeen:
    """How the mark looks beside the digits read in the same frame."""
    strongest = max((_contrast(grey, box) for box in digits), default=0.0)
    share = _contrast(grey, mark) / strongest if strongest > 0 else 0.0
    state: Literal["lit", "dark", "unclear"] = (
        "lit" if share >= LIT_SHARE else "dark" if share <= DARK_SHARE else "unclear"
    )
    return MarkSeen(state, round(share, 2))
