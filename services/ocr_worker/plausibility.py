"""Is a new reading believable next to the previous accepted one?

A camera misread is the one failure that must never reach storage, Home Assistant or a
Telegram chat, and most misreads are implausible: a counter that goes backwards, or
jumps by more than the house could use, a balance that rises without a token. The rules
are a table keyed by the quantity's kind from the catalogue, so a new quantity gets the
right checks by its row there.

The previous value comes from the retained ``<dev>/state`` topic, so any worker in the
``$share/ocr`` group judges the same way; readings are ordered by their timestamps, not
by arrival, so a frame that was delivered late is checked against the right neighbour.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..core.config.devices import OcrPlausibility
from ..core.quantities import Quantity, QuantityKind

# A household's fastest plausible use, per hour, by unit: 25 kWh/h is 25 kW (a three-phase
# 3×35 A connection); 10 m³/h is more than a house's gas or water meter passes.
DEFAULT_MAX_RATE_PER_H: dict[str, float] = {"kWh": 25.0, "kvarh": 25.0, "m³": 10.0}


@dataclass(frozen=True)
class Sample:
    ts: datetime
    value: float


@dataclass(frozen=True)
class Limits:
    """What one device's readings must keep to."""

    unit: str
    resolution: float  # one step of the last digit shown
    max_rate_per_h: float | None
    min_top_up: float
    max_top_up: float
    min_value: float | None
    max_value: float | None
    full_scale: float | None = None  # where a register of the display's digits turns over

    @classmethod
    def for_quantity(
        cls,
        settings: OcrPlausibility,
        quantity: Quantity,
        decimals: int,
        rate_scale: float = 1.0,
        digits: int | None = None,
    ) -> Limits:
        """``rate_scale``: how much faster than real time the meter runs (a simulated
        meter's time scale), so its readings are judged by its own clock; ``digits``: the
        display's digit positions, so a counter turning over from all nines to zero is
        believed."""
        rate = settings.max_rate_per_h or DEFAULT_MAX_RATE_PER_H.get(quantity.unit)
        return cls(
            unit=quantity.unit,
            resolution=10.0**-decimals,
            max_rate_per_h=rate * rate_scale if rate is not None else None,
            min_top_up=settings.min_top_up,
            max_top_up=settings.max_top_up,
            min_value=settings.min_value,
            max_value=settings.max_value,
            full_scale=10.0 ** (digits - decimals) if digits is not None else None,
        )


@dataclass(frozen=True)
class Verdict:
    """``reason`` is None when the reading is accepted; ``top_up`` is how much a prepaid
    balance rose with a token since the previous reading."""

    reason: str | None = None
    top_up: float | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


Rule = Callable[[Sample | None, Sample, Limits], Verdict]
_ACCEPT = Verdict()
_EPSILON = 1e-9


def _fmt(value: float, limits: Limits) -> str:
    places = max(0, round(-math.log10(limits.resolution)))
    return f"{value:.{places}f} {limits.unit}"


def _in_range(previous: Sample | None, new: Sample, limits: Limits) -> Verdict:
    if limits.min_value is not None and new.value < limits.min_value - _EPSILON:
        return Verdict(f"{_fmt(new.value, limits)} is below the lowest possible value")
    if limits.max_value is not None and new.value > limits.max_value + _EPSILON:
        return Verdict(f"{_fmt(new.value, limits)} is above the highest possible value")
    return _ACCEPT


def _ordered(previous: Sample, new: Sample) -> tuple[Sample, Sample]:
    return (previous, new) if previous.ts <= new.ts else (new, previous)


def _hours(earlier: Sample, later: Sample) -> float:
    return max((later.ts - earlier.ts).total_seconds(), 0.0) / 3600.0


def _allowed_change(earlier: Sample, later: Sample, limits: Limits) -> float | None:
    """The most a register can move between two readings: the fastest rate for the time
    between them, plus one step of the last digit (it may just have ticked over)."""
    if limits.max_rate_per_h is None:
        return None
    return limits.max_rate_per_h * _hours(earlier, later) + limits.resolution + _EPSILON


def _rate(change: float, earlier: Sample, later: Sample, limits: Limits) -> str:
    hours = _hours(earlier, later)
    seconds = round(hours * 3600)
    if hours <= 0:
        return f"in the same instant (at most one step of {_fmt(limits.resolution, limits)})"
    return (
        f"in {seconds} s ({change / hours:.3g} {limits.unit}/h, "
        f"at most {limits.max_rate_per_h:.3g} {limits.unit}/h)"
    )


def _counter_never_backwards(previous: Sample | None, new: Sample, limits: Limits) -> Verdict:
    if previous is None:
        return _ACCEPT
    earlier, later = _ordered(previous, new)
    if later.value < earlier.value - _EPSILON and not _turned_over(earlier, later, limits):
        return Verdict(
            f"counter went backwards: {_fmt(earlier.value, limits)} at {earlier.ts:%H:%M:%S}, "
            f"then {_fmt(later.value, limits)} at {later.ts:%H:%M:%S}"
        )
    return _ACCEPT


def _turned_over(earlier: Sample, later: Sample, limits: Limits) -> bool:
    """A register showing all nines moves on to zero: believed where the way round, over
    full scale, is no faster than the counter may run."""
    allowed = _allowed_change(earlier, later, limits)
    if limits.full_scale is None or allowed is None:
        return False
    return later.value + limits.full_scale - earlier.value <= allowed


def _changes_no_faster(direction: int, what: str) -> Rule:
    """A rule: the value moves in ``direction`` (+1 up, -1 down) no faster than allowed."""
    sign = "+" if direction > 0 else "-"

    def rule(previous: Sample | None, new: Sample, limits: Limits) -> Verdict:
        if previous is None:
            return _ACCEPT
        earlier, later = _ordered(previous, new)
        allowed = _allowed_change(earlier, later, limits)
        change = direction * (later.value - earlier.value)
        if allowed is not None and change > allowed:
            return Verdict(
                f"{what}: {sign}{_fmt(change, limits)} {_rate(change, earlier, later, limits)}"
            )
        return _ACCEPT

    return rule


_counter_not_too_fast = _changes_no_faster(+1, "counter rose too fast")
_balance_falls_slowly = _changes_no_faster(-1, "balance fell too fast")


def _balance_rises_only_as_top_up(previous: Sample | None, new: Sample, limits: Limits) -> Verdict:
    if previous is None:
        return _ACCEPT
    earlier, later = _ordered(previous, new)
    rise = later.value - earlier.value
    if rise <= limits.resolution + _EPSILON:
        return _ACCEPT  # a fall, or the last digit flickering between two values
    if rise < limits.min_top_up - _EPSILON:
        return Verdict(
            f"balance rose by {_fmt(rise, limits)}, less than a top-up "
            f"(at least {_fmt(limits.min_top_up, limits)})"
        )
    if rise > limits.max_top_up + _EPSILON:
        return Verdict(
            f"balance rose by {_fmt(rise, limits)}, more than a top-up "
            f"(at most {_fmt(limits.max_top_up, limits)})"
        )
    # Only the later reading of the two shows the new token; one delivered late is not.
    return Verdict(top_up=round(rise, 9)) if later is new else _ACCEPT


RULES: dict[QuantityKind, tuple[Rule, ...]] = {
    QuantityKind.COUNTER: (_in_range, _counter_never_backwards, _counter_not_too_fast),
    QuantityKind.BALANCE: (_in_range, _balance_falls_slowly, _balance_rises_only_as_top_up),
    QuantityKind.GAUGE: (_in_range,),
}


def judge(kind: QuantityKind, previous: Sample | None, new: Sample, limits: Limits) -> Verdict:
    """The first rule the reading breaks, or acceptance (with a top-up if one happened)."""
    top_up = None
    for rule in RULES[kind]:
        verdict = rule(previous, new, limits)
        if not verdict.accepted:
            return verdict
        top_up = verdict.top_up if verdict.top_up is not None else top_up
    return Verdict(top_up=top_up)
