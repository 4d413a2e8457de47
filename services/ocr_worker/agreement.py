"""Frames in a row that agree with each other, per device.

Two decisions rest on such a run: a meter locked out by a wrong stored value is let out
when several frames agree with each other but not with it (``lockout``), and a value is
published only once enough frames confirm it (``ocr.confirm_frames``). Whether two
frames agree is the plausibility rules' call (the same value, or a move they allow in
the time between), so there is one notion of "believable" in the worker.
"""

from __future__ import annotations

from datetime import timedelta

from ..core.quantities import QuantityKind
from .plausibility import Limits, Sample, judge


def agree(kind: QuantityKind, limits: Limits, earlier: Sample, later: Sample) -> bool:
    """Whether two frames could both be right: the rules accept one after the other."""
    return judge(kind, earlier, later, limits).accepted


def span(run: list[Sample]) -> timedelta:
    """Time between the oldest and the newest frame of a run."""
    stamps = [sample.ts for sample in run]
    return max(stamps) - min(stamps)


class Runs:
    """Per device, the latest frames in a row that agree with each other; a frame that
    does not agree with the last one starts a new run."""

    def __init__(self) -> None:
        self._runs: dict[str, list[Sample]] = {}

    def add(self, device: str, sample: Sample, kind: QuantityKind, limits: Limits) -> list[Sample]:
        """The device's run with ``sample`` added (or begun by it)."""
        run = self._runs.get(device, [])
        run = [*run, sample] if run and agree(kind, limits, run[-1], sample) else [sample]
        self._runs[device] = run
        return run

    def clear(self, device: str) -> None:
        self._runs.pop(device, None)
