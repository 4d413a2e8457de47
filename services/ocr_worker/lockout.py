"""No lock-outs: frames that agree with each other but not with the stored value win.

One wrong value stored once (a misread let through, a meter replaced) would otherwise
make every right frame after it implausible for ever: a counter never goes backwards,
and a rate limit that grows with time may take weeks to catch up. When
``ocr.unlock_frames`` frames in a row, spanning at least ``ocr.unlock_min_span_s``, were
refused against the stored value yet agree with each other, the last is accepted with
``corrected_from`` (the value it replaces) and a "reading jumped" alert follows.

Only frames the plausibility rules refused against the stored value count, so a value
that moved by no more than the rules allow is a normal reading and never a jump; a
frame wrong by itself (outside ``min_value``/``max_value``) never counts. A manual
reading, or any accepted one, ends a run at once (``release``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..core.config.devices import OcrConfig
from .agreement import Runs, span
from .pipeline import Judgement
from .plausibility import Sample, judge


@dataclass(frozen=True)
class LockoutStep:
    """Where a refused frame leaves its device: ``agreeing`` frames in a run over
    ``span_s``; ``corrected_from`` is set when the run unlocked the meter."""

    agreeing: int
    span_s: float
    corrected_from: float | None = None

    @property
    def unlocked(self) -> bool:
        return self.corrected_from is not None


class Lockouts:
    """Runs of refused-but-agreeing frames, per device, in this worker."""

    def __init__(self) -> None:
        self._runs = Runs()

    def refused(
        self, device: str, judgement: Judgement, value: float, ocr: OcrConfig
    ) -> LockoutStep:
        """Count a frame the rules refused against ``judgement.previous``."""
        new = Sample(judgement.ts, value)
        previous = judgement.previous
        if previous is None or not judge(judgement.kind, None, new, judgement.limits).accepted:
            self._runs.clear(device)  # wrong by itself: it breaks a run and starts none
            return LockoutStep(0, 0.0)
        run = self._runs.add(device, new, judgement.kind, judgement.limits)
        seconds = span(run).total_seconds()
        if len(run) < ocr.unlock_frames or span(run) < timedelta(seconds=ocr.unlock_min_span_s):
            return LockoutStep(len(run), seconds)
        self._runs.clear(device)
        return LockoutStep(len(run), seconds, corrected_from=previous.value)

    def release(self, device: str) -> None:
        """A value was accepted or entered by hand for ``device``: any lock-out is over
        (its run of disagreeing frames no longer disagrees with anything stored)."""
        self._runs.clear(device)
