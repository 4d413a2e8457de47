"""Reading a real drum counter whose drums do not sit alike.

The strict reading (``drum_geometry``, ``rolling``) measures every drum against where
the still ones sit, to a pixel, and so follows a carry through several drums. A real
counter's drums sit apart at rest by up to a sixth of a digit (play on their axle, a
window seen at a slant), and its window shows the edges of the digits above and below
the one at rest; the strict reading refuses such a counter outright. This reading asks
less and gives up more readily:

- each drum's digit is named on its own: the digit mostly in view moved to the place
  of rest and named in two windows framed as the classifier learnt drums, which must
  agree, each surely (the crop as it is shows the neighbours' edges, and the bottom of a
  9 above a 0 made a 9 of it);
- every drum but the last sits within ``PLAY`` of where the others sit;
- the last drum, turning all the time, is read as a meter reader does: the digit
  leaving the window while two are in view, the one in view once it stands within
  ``SNAP`` of its place; between those it may be either, and the frame is refused.
  While it is between two digits, the window as it stands must be named as that pair;
- a carry under way (the last drum between 9 and 0) is refused: play of this size
  would hide how far it has carried the drums to its left.

Used only where the strict reading refuses (``readers``); a counter it reads is read
as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .drum_geometry import ink_rows, ink_runs, recentred
from .rolling import SNAP, UnresolvableRoll, drum_position

if TYPE_CHECKING:  # the readers call this module
    from .readers import Prediction

# How far, in digit heights, a real drum at rest may sit from where the others sit: a
# sixth is common (a water meter's drums sit 0.16 apart), a quarter allows for a slant.
PLAY = 0.25
_WHOLE = 0.85  # a run of ink this share of a digit's height is a whole digit
_SAME_DIGIT = 1.08  # runs of ink spanning at most this many digit heights are one digit
# The last drum's digit this little below where the others sit is taken as at its place,
# as a meter reader takes it (the strict reading's ``SNAP``).
_AT_PLACE = SNAP
_PAIR_CONFIDENCE = 0.8  # on the two digits a drum is caught between, together
# Every drum but the last stands still, its digit whole once moved to rest: a digit the
# model names less surely than this there is one it does not know (a gas meter's 7 with
# a glint beside it, named 6 at 0.69, was the one wrong digit this reading let through on
# 23 real counters; the least sure right one was named at 0.79).
STILL_NAMED = 0.75
# The windows a digit is named in, in digit heights: drum digits fill 70-85 % of the
# windows the classifier learnt from (``ocr_training.synth``).
_WINDOWS = (1.2, 1.4)


Classify = Callable[[list[np.ndarray]], Sequence["Prediction"]]  # a digit model's predict


@dataclass(frozen=True)
class Glyph:
    """A digit's rows in a drum's crop; ``cut`` where the crop's edge cuts it off."""

    top: float
    bottom: float
    cut_top: bool
    cut_bottom: bool

    @property
    def span(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class PlayReading:
    digits: str
    confidences: list[float]


def read_with_play(images: Sequence[np.ndarray], classify: Classify, least: float) -> PlayReading:
    """The number the drums show, left to right, or ``UnresolvableRoll`` with the reason.
    ``least``: the confidence every look must reach."""
    runs = [ink_runs(ink_rows(image)) for image in images]
    for index, found in enumerate(runs, start=1):
        if not found:
            raise UnresolvableRoll(f"digit {index} shows no ink")
    height = float(np.median([max(b - a for a, b in found) for found in runs]))
    sizes = [image.shape[0] for image in images]
    glyphs = [_main_glyph(found, height, size) for found, size in zip(runs, sizes, strict=True)]
    whole = [(g.top + g.bottom) / 2 for g in glyphs if _whole(g, height)]
    if len(whole) < 2:
        raise UnresolvableRoll("fewer than two drums show a whole digit to measure the others by")
    rest = float(np.median(whole))  # where a digit at rest has its middle
    offsets = [_offset(g, rest, height) for g in glyphs]
    last = len(images) - 1
    for index, offset in enumerate(offsets[:last]):
        if abs(offset) > PLAY:
            raise UnresolvableRoll(
                f"digit {index + 1} sits {offset:+.2f} of a digit from the others "
                f"(more than a drum's play of {PLAY})"
            )
    floors = [max(least, STILL_NAMED)] * last + [least]
    names = _name(images, [rest + o * height for o in offsets], rest, height, classify, floors)
    digits = [digit for digit, _ in names]
    if digits[last] == 0:
        _check_no_carry(glyphs, digits, height)
    confidences = [confidence for _, confidence in names]
    shown = _last_digit(images[last], offsets[last], digits[last], rest, height, classify)
    digits[last], pair = shown
    if pair is not None:  # the pair decided the digit written down
        confidences[last] = min(confidences[last], pair)
    return PlayReading("".join(str(d) for d in digits), [round(c, 3) for c in confidences])


def _check_no_carry(glyphs: list[Glyph], digits: list[int], height: float) -> None:
    """A last drum on 0 may still be carrying the drums to its left: at 4599.88 the four
    right drums show 6000 nearly at their places. They would outnumber the drums at
    rest and set the place of rest themselves, so here it is taken from the drums left
    of the carry alone, and every drum the carry moves must sit within ``SNAP`` of it."""
    first = len(digits) - 1
    while first > 0 and digits[first - 1] == 0:
        first -= 1
    first = max(first - 1, 0)  # the drum the carry turns on to its next digit
    still = [(g.top + g.bottom) / 2 for g in glyphs[:first] if _whole(g, height)]
    if not still:
        raise UnresolvableRoll("the last drum is on 0, with no drum left of a carry to measure by")
    rest = float(np.median(still))
    for index in range(first, len(glyphs)):
        offset = _offset(glyphs[index], rest, height)
        if offset > SNAP:
            raise UnresolvableRoll(
                f"digit {index + 1} sits {offset:.2f} of a digit below the drums left of it: "
                f"a carry from the last drum may be under way"
            )


def _main_glyph(runs: list[tuple[float, float]], height: float, size: int) -> Glyph:
    """The digit mostly in view: the longest run of ink, joined with the runs beside it
    while together they span no more than a digit (a 9's or a 4's strokes break a run)."""
    ordered = sorted(runs)
    first = last = max(range(len(ordered)), key=lambda i: ordered[i][1] - ordered[i][0])
    most = _SAME_DIGIT * height
    grown = True
    while grown:
        grown = False
        if first > 0 and ordered[last][1] - ordered[first - 1][0] <= most:
            first, grown = first - 1, True
        if last + 1 < len(ordered) and ordered[last + 1][1] - ordered[first][0] <= most:
            last, grown = last + 1, True
    top, bottom = ordered[first][0], ordered[last][1]
    return Glyph(top, bottom, cut_top=top <= 0.5, cut_bottom=bottom >= size - 1.5)


def _whole(glyph: Glyph, height: float) -> bool:
    return glyph.span >= _WHOLE * height and not (glyph.cut_top or glyph.cut_bottom)


def _offset(glyph: Glyph, rest: float, height: float) -> float:
    """How far the digit sits below its place at rest, in digit heights (above: negative);
    a digit cut off by the window is measured by the edge still in view."""
    if glyph.cut_top and not glyph.cut_bottom:
        return (glyph.bottom - (rest + height / 2)) / height
    if glyph.cut_bottom and not glyph.cut_top:
        return (glyph.top - (rest - height / 2)) / height
    return ((glyph.top + glyph.bottom) / 2 - rest) / height


def _name(
    images: Sequence[np.ndarray],
    centres: Sequence[float],
    rest: float,
    height: float,
    classify: Classify,
    floors: Sequence[float],
) -> list[tuple[int, float]]:
    """Each drum's digit centred at ``centres[i]`` (rows), moved to rest and named in two
    windows (``_looks``) that must agree, each at least ``floors[i]`` sure."""
    looks = []
    for image, centre in zip(images, centres, strict=True):
        looks.extend(_looks(image, rest - centre, rest, height))
    named = classify(looks)
    out = []
    for index in range(len(images)):
        tight, loose = named[2 * index], named[2 * index + 1]
        if tight.digit != loose.digit:
            raise UnresolvableRoll(
                f"digit {index + 1} reads {tight.digit} in a tight window, "
                f"{loose.digit} in a looser one"
            )
        confidence = min(tight.confidence, loose.confidence)
        if confidence < floors[index]:
            raise UnresolvableRoll(
                f"digit {index + 1} is unclear on its own (confidence {confidence:.2f}, "
                f"looks like {tight.digit})"
            )
        out.append((int(tight.digit), float(confidence)))
    return out


def _looks(image: np.ndarray, shift: float, rest: float, height: float) -> list[np.ndarray]:
    """The digit moved to its place and framed as the classifier learnt drums: the
    window a little taller than the digit, so the neighbours' edges stay out, once tight
    and once looser."""
    moved = recentred(image, shift)
    return [_framed(moved, rest, window * height) for window in _WINDOWS]


def _framed(image: np.ndarray, rest: float, window: float) -> np.ndarray:
    """The rows of ``image`` in a window ``window`` pixels tall about row ``rest``."""
    return image[max(0, round(rest - window / 2)) : round(rest + window / 2) + 1]


def _last_digit(
    image: np.ndarray, offset: float, digit: int, rest: float, height: float, classify: Classify
) -> tuple[int, float | None]:
    """The last drum's digit by the meter reader's rule (module docstring), and how surely
    the window as it stands names the pair of digits it is between (None at its place).
    The pair is asked because the classifier learnt drums caught between two digits,
    while the part of a digit in view, named alone, can be another digit (the foot of a
    7 is a 1)."""
    if abs(offset) <= _AT_PLACE:
        return digit, None
    if offset < 0:
        shown = digit  # leaving its place upwards: the digit to write until the next comes
    elif offset >= PLAY:
        shown = (digit - 1) % 10  # on its way in: the digit leaving is the one to write
    else:
        raise UnresolvableRoll(
            f"the last drum's {digit} sits {offset:.2f} of a digit below its place: it may be "
            f"at rest there or still on its way in"
        )
    window = _framed(image, rest, _WINDOWS[0] * height)
    pair = drum_position(classify([window])[0].probabilities)
    if pair.lower != shown or pair.confidence < _PAIR_CONFIDENCE:
        raise UnresolvableRoll(
            f"the last drum shows {digit} {'leaving' if offset < 0 else 'coming in'}, yet as "
            f"it stands it looks like {pair.lower} turning to {(pair.lower + 1) % 10} "
            f"(confidence {pair.confidence:.2f})"
        )
    if shown == 9:
        raise UnresolvableRoll("the last drum is turning from 9 to 0, carrying the others")
    return shown, pair.confidence
