"""Reading a mechanical drum counter whose drums may be caught between two digits.

A drum counter turns its rightmost drum continuously; every other drum stands still
until the drum to its right rolls from 9 to 0, and turns with it during that last step
(the carry). So a drum caught between ``d`` and ``d + 1`` is explained by its right
neighbour: the neighbour must be between 9 and 0, and the two must have turned by the
same fraction. Each drum is resolved from the right, against the fraction its neighbour
says it should have turned, never by picking the likelier of two digits on its own; a
drum between two digits while its neighbour stands still is a misread and rejects the
frame.

The number shown is the one a meter reader writes down: the lower digit while a drum
is between two (the utilities' rule), and the next one once it is within ``SNAP`` of a
step of it (an offset that small is not visible in a photo). In that last ``SNAP`` both
numbers are right: the register has not reached the next digit, yet it looks at rest
there. The last drum's turn is measured, not known, so the reading moves to the next
digit only once the measured turn is past that point by more than its error: either way
it is one of the two right numbers, and a frame with the last drum ticking over is read,
not refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

SNAP = 0.1  # of a step: a drum this close below the next digit shows the next digit
# How far a drum may sit from where its right neighbour puts it, in steps. Both turns are
# measured to a few hundredths (``drum_geometry``): on 600 simulated drum frames the drums
# of right readings sat at most 0.05 from their place, while the one misread let through
# at 0.2 had a drum 0.16 off.
MAX_MISFIT = 0.1


class HasProbabilities(Protocol):
    @property
    def probabilities(self) -> np.ndarray: ...


class UnresolvableRoll(ValueError):
    """The drums contradict each other; ``str(error)`` is the reason."""


@dataclass(frozen=True)
class DrumPosition:
    """Where one drum stands: ``lower`` shown, turned ``fraction`` of the way to the next
    digit; ``confidence`` is the probability on those two digits together."""

    lower: int
    fraction: float
    confidence: float

    @property
    def turn(self) -> float:
        """Position on the drum's 0–10 circle."""
        return self.lower + self.fraction


def drum_position(probabilities: np.ndarray) -> DrumPosition:
    """The classifier's convention: a drum between ``d`` and ``d + 1`` puts ``1 - f`` on
    ``d`` and ``f`` on ``d + 1``; otherwise it stands on its likeliest digit."""
    p = np.asarray(probabilities, dtype=np.float64)
    first, second = (int(k) for k in np.argsort(p)[::-1][:2])
    if (first + 1) % 10 == second:
        lower, upper = first, second
    elif (second + 1) % 10 == first:
        lower, upper = second, first
    else:
        return DrumPosition(first, 0.0, float(p[first]))
    total = float(p[lower] + p[upper])
    return DrumPosition(lower, float(p[upper]) / total if total > 0 else 0.0, total)


@dataclass(frozen=True)
class ResolvedDrums:
    digits: str  # one character per drum, left to right
    positions: list[DrumPosition]  # as read, left to right


def resolve(positions: Sequence[DrumPosition], turn_error: float = 0.0) -> ResolvedDrums:
    """The number the drums show, left to right, or ``UnresolvableRoll``.

    ``positions`` are the drums left to right, as read from the image. ``turn_error``:
    how far (in steps, under ``SNAP / 2``) the rightmost drum's measured turn may be off;
    its digit moves on only that far past the start of the last ``SNAP``.
    """
    if not positions:
        raise UnresolvableRoll("no drums")
    drums = list(reversed(positions))  # rightmost first
    rightmost = drums[0].turn
    expected = max(0.0, rightmost - 9.0)  # how far the carry has turned the next drum
    bases: list[int] = []  # digit each drum stands on before the carry, right to left
    for index, drum in enumerate(drums[1:], start=1):
        offset = (drum.turn - expected) % 10.0
        base = round(offset) % 10
        misfit = abs(offset - round(offset))
        if misfit > MAX_MISFIT:
            position = len(drums) - index  # 1-based, counted from the left
            if expected == 0.0:
                why = "while the drum to its right is not rolling over"
            else:
                why = f"while the drum to its right has carried it {expected:.2f} of a step"
            raise UnresolvableRoll(
                f"digit {position} stands {drum.fraction:.2f} of the way from {drum.lower} "
                f"to {(drum.lower + 1) % 10} {why}"
            )
        bases.append(base)
        expected = expected if base == 9 else 0.0  # only a 9 passes the carry on
    # The rightmost drum counts in whole steps, snapped once surely in the last ``SNAP``
    # (before that, the lower digit is right too); its carry ripples leftwards.
    last = math.floor(rightmost + SNAP - turn_error)
    higher = int("".join(str(b) for b in reversed(bases)) or "0")
    total = (higher * 10 + last) % 10 ** len(drums)
    return ResolvedDrums(f"{total:0{len(drums)}d}", list(positions))
