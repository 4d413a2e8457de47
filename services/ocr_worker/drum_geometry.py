"""How far each drum has turned, measured from where its digits sit in the window.

The classifier names the digits of a drum crop, but its estimate of how far a drum
turned is coarse (a tenth of a step or so), and near the moment a digit ticks over that
fraction decides the reading. The drums standing still show where a digit at rest sits;
every other drum's digits are found by their rows of ink and measured against that, to
about a pixel:

- a digit moved up by ``s`` pixels has turned ``s / pitch`` past its place;
- the next digit coming up from below, ``s`` pixels short of its place, is ``1 - s /
  pitch`` of the way in;
- with both in view (the gap between them inside the window), their distances from
  their places add up to one pitch, which measures the pitch itself.

Still-looking drums that do not sit alike contradict the classifier, and reject the
frame (``UnresolvableRoll``).

A drum caught between two digits is then shifted so that the digit mostly in view sits
at rest, and classified again: a centred digit is named far more surely than two halves.
Without at least two still drums, or where the ink does not look like digits, the
classifier's own estimate stands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .rolling import DrumPosition, UnresolvableRoll

PITCH_PER_HEIGHT = 1.4  # digit pitch / digit height, when only one digit is in view
_STILL = 0.06  # a drum within this fraction of a digit counts as standing still
_STILL_CONFIDENCE = 0.85
_AGREE = 0.5  # the measured turn must roughly agree with the classifier's
_MIN_RUN = 3  # rows of ink shorter than this are noise, not part of a digit
_EDGE_SHARE = 0.08  # of the crop's height
_AT_REST_PX = 1.5  # a digit this close to its place stands still (edges jitter a pixel)
_SAME_PLACE_PX = 2.0  # two still-looking drums this far apart do not both stand at rest
_GLUED = 1.1  # a run this many digit heights long is two digits
_FLOOR = 1e-4  # added to probabilities before they are raised to a power


@dataclass(frozen=True)
class Measured:
    fraction: float  # of the way from the lower digit to the next
    pitch_px: float  # distance between two digits on the drum, in crop pixels

    @property
    def coming(self) -> bool:
        """The digit mostly in view is the next one."""
        return self.fraction >= 0.5

    @property
    def moving(self) -> bool:
        return _STILL < self.fraction < 1 - _STILL

    @property
    def leaving_shift_px(self) -> float:
        """Moves the crop's content down so the lower digit sits at rest."""
        return self.fraction * self.pitch_px

    @property
    def coming_shift_px(self) -> float:
        """Moves it up so the next digit sits at rest."""
        return -(1 - self.fraction) * self.pitch_px

    @property
    def shift_px(self) -> float:
        """Moves the digit mostly in view to rest."""
        return self.coming_shift_px if self.coming else self.leaving_shift_px


def measure(
    crops: Sequence[np.ndarray], positions: Sequence[DrumPosition]
) -> list[Measured | None]:
    """Each drum's measured turn (None where it cannot be measured)."""
    profiles = [ink_rows(crop) for crop in crops]
    still = [
        (i, run)
        for i, p in enumerate(positions)
        if p.confidence >= _STILL_CONFIDENCE and min(p.fraction, 1 - p.fraction) <= _STILL
        if (run := _longest_run(profiles[i])) is not None
    ]
    if len(still) < 2:
        return [None] * len(crops)
    top, bottom = _at_rest(still)
    if bottom - top < 8:
        return [None] * len(crops)
    return [_measure(rows, top, bottom) for rows in profiles]


def _at_rest(still: list[tuple[int, tuple[float, float]]]) -> tuple[float, float]:
    """Where a digit at rest sits: the edges of the still-looking drums (index, run),
    taken from the left, or ``UnresolvableRoll``.

    A drum most of the way to its next digit looks still to the classifier too, and the
    carry can turn most of the counter at once (4599.88: four drums 0.88 of the way on,
    three at rest). Only the rightmost drums ever turn, so the leftmost still-looking
    drum stands at rest, and so do those right of it that sit alike. Where the next one
    does not, one drum alone is too little to measure the rest against, and the
    classifier's own fractions are not to be trusted either: it called a turned drum
    still."""
    (first, run), *others = still
    group = [run]
    for index, run in others:
        top, bottom = _middle(group)
        apart = max(abs(run[0] - top), abs(run[1] - bottom))
        if apart > _SAME_PLACE_PX:
            if len(group) >= 2:
                break
            raise UnresolvableRoll(
                f"digits {first + 1} and {index + 1} both look at rest, yet sit "
                f"{apart:.0f} px apart"
            )
        group.append(run)
    return _middle(group)


def _middle(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median top and bottom edge of ``runs``."""
    return float(np.median([t for t, _ in runs])), float(np.median([b for _, b in runs]))


def recentred(crop: np.ndarray, shift_px: float) -> np.ndarray:
    """The crop moved down by ``shift_px`` (up if negative), the gap filled with the
    drum's own background."""
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, shift_px]], np.float32)
    fill = np.median(crop.reshape(-1, crop.shape[2]) if crop.ndim == 3 else crop, axis=0)
    value = tuple(float(v) for v in np.atleast_1d(fill))
    return cv2.warpAffine(
        crop,
        matrix,
        (crop.shape[1], crop.shape[0]),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=value,
    )


def combine(
    classified: DrumPosition, measured: Measured, centred: tuple[int, float] | None
) -> DrumPosition:
    """The classifier's pair of digits with the measured fraction. ``centred``: the digit
    named on the crop moved to rest, and how surely. Two looks naming the digit in view
    alike add up; a second look that names another digit, or a measured turn far from
    the classifier's, leaves the drum in doubt (and so rejects the reading).

    A drum measured at rest shows one digit, so it is only as sure as the classifier is
    of that digit: a split between two neighbours there is doubt about which digit it
    is, not a turn (a real 0, named 0 at 0.34 and 1 at 0.56, read as a sure 1)."""
    lower = classified.lower
    if measured.coming and classified.fraction < 0.5:
        lower = (round(classified.turn) - 1) % 10  # the classifier saw the next digit at rest
    elif not measured.coming and classified.fraction >= 0.5:
        lower = round(classified.turn) % 10
    turn = lower + measured.fraction
    in_view = (lower + 1) % 10 if measured.coming else lower
    confidence = classified.confidence
    if not measured.moving:
        confidence *= _share(classified, in_view)
    if abs((turn - classified.turn + 5) % 10 - 5) > _AGREE:
        confidence /= 2
    if centred is not None:
        digit, surely = centred
        if digit == in_view:
            confidence = 1 - (1 - confidence) * (1 - surely)
        else:
            confidence = min(confidence, surely) / 2
    return DrumPosition(lower, measured.fraction, confidence)


def _share(classified: DrumPosition, digit: int) -> float:
    """How much of the classifier's pair ``digit`` holds (none if it is not in the pair)."""
    if digit == classified.lower:
        return 1 - classified.fraction
    return classified.fraction if digit == (classified.lower + 1) % 10 else 0.0


def name_pair(
    measured: Measured, first: np.ndarray, leaving: np.ndarray, coming: np.ndarray
) -> DrumPosition:
    """A drum between two digits, named by three looks at once: the crop as it is
    (``first``), and with the lower and with the next digit moved to rest. Only pairs of
    neighbouring digits count. The crop as it is must split its probability between the
    pair as the measured turn says (``1 - f`` and ``f``, the classifier's convention); a
    moved look is trusted more the more of its digit is in view (half a digit is often
    half of two: the top of an 8 is the top of a 9). The pair that fits all three wins;
    how clearly it wins is the confidence, and no more than the crop as it is puts on
    that pair: the moved looks can agree on a pair the drum does not show (a cell pulled
    onto a gas meter's scale of ticks, the digit half out of it, named 3 turning to 4 a
    drum rolling from 1 to 2, while the crop as it was put 0.48 on that pair)."""
    visible = measured.fraction  # of the next digit; 1 - visible of the lower one
    uniform = np.full(10, 0.1)
    trust_lower, trust_upper = math.sqrt(1 - visible), math.sqrt(visible)
    lower = trust_lower * np.asarray(leaving) + (1 - trust_lower) * uniform
    upper = trust_upper * np.roll(np.asarray(coming), -1) + (1 - trust_upper) * uniform
    as_is = np.asarray(first)
    floored = as_is + _FLOOR
    split = floored ** (1 - visible) * np.roll(floored, -1) ** visible
    score = lower * upper * split
    total = float(score.sum())
    best = int(np.argmax(score))
    fits = float(score[best]) / total if total else 0.0
    shown = float(as_is[best] + as_is[(best + 1) % 10])
    return DrumPosition(best, measured.fraction, min(fits, shown))


def _measure(profile: np.ndarray, top: float, bottom: float) -> Measured | None:
    runs = ink_runs(profile)
    if not runs:
        return None
    size, height = len(profile), bottom - top
    # Runs cut by the window's edge; the drum's shading dims a digit just before it, and
    # a crop may take in a row or two of the window's frame.
    edge = max(2.0, _EDGE_SHARE * size)
    leaving = next((r for r in runs if r[0] <= edge and r[1] < bottom - 1), None)
    coming = next((r for r in runs if r[1] >= size - 1 - edge and r[0] > top + 1), None)
    if leaving is not None and coming is not None and leaving != coming:
        up = bottom - leaving[1]  # how far the lower digit has moved up
        short = coming[0] - top  # how far the next digit still has to come
        return Measured(up / (up + short), up + short)
    whole = max(runs, key=lambda r: r[1] - r[0])
    if whole[1] - whole[0] < 0.6 * height:
        return None  # no digit substantially in view: leave it to the classifier
    if whole[1] - whole[0] > _GLUED * height:
        # Two digits with no blank row between (a dim photo, the window's printed marks
        # beside the digits): either edge may be either digit's, so the run measures
        # nothing. Measured by its top, the foot of a 4 leaving glued to the 5 coming
        # read a drum 0.6 of the way in as at rest on 5.
        return None
    pitch = PITCH_PER_HEIGHT * height
    if max(abs(whole[0] - top), abs(whole[1] - bottom)) <= _AT_REST_PX:
        return Measured(0.0, pitch)
    # Measured by the edge nearer the middle of the window: the drum's curve squeezes
    # rows toward the window's edges, and an edge there may be cut off.
    if (whole[0] + whole[1]) / 2 <= (top + bottom) / 2:
        return Measured(min((bottom - whole[1]) / pitch, 0.499), pitch)
    return Measured(max(1.0 - (whole[0] - top) / pitch, 0.5), pitch)


def ink_rows(crop: np.ndarray) -> np.ndarray:
    """How strongly each row of the crop carries a digit's ink (either polarity), scaled
    so that 1 is the level of a digit's edge. Each row is taken against its own median,
    so the drum's shading toward its edges and straight lines across the window (its
    frame) drop out, while strokes stand out."""
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey.astype(np.float32), (3, 3), 0)
    ink = np.abs(grey - np.median(grey, axis=1, keepdims=True))
    w = grey.shape[1]
    profile = np.percentile(ink[:, w // 10 : w - w // 10], 99, axis=1)
    return profile / max(0.35 * float(profile.max()), 10.0)


def ink_runs(profile: np.ndarray) -> list[tuple[float, float]]:
    """Top and bottom edge of each run of inked rows, to a fraction of a pixel (where
    the profile crosses the edge level), tiny gaps bridged and specks dropped."""
    rows: list[list[int]] = []
    for y in np.flatnonzero(profile > 1.0):
        if rows and y - rows[-1][1] <= 2:
            rows[-1][1] = int(y)
        else:
            rows.append([int(y), int(y)])
    last = len(profile) - 1
    runs = []
    for a, b in rows:
        if b - a + 1 < _MIN_RUN:
            continue
        top = a - _crossing(profile[a - 1], profile[a]) if a > 0 else 0.0
        bottom = b + _crossing(profile[b + 1], profile[b]) if b < last else float(last)
        runs.append((top, bottom))
    return runs


def _crossing(outside: float, inside: float) -> float:
    """How far beyond the last inked row the edge level is crossed (0 to 1 pixel)."""
    span = inside - outside
    return float(np.clip((inside - 1.0) / span, 0.0, 1.0)) if span > 0 else 0.0


def _longest_run(profile: np.ndarray) -> tuple[float, float] | None:
    runs = ink_runs(profile)
    return max(runs, key=lambda r: r[1] - r[0]) if runs else None
