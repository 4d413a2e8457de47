"""Ink where the sequence reader read blank cells: a digit it missed, not a blank.

The sequence reader reads what it sees; a display with fewer digits lit than it has
positions reads as blank leading cells. On a look it never learned, it can miss a lit
digit outright (a dot-matrix "78" read as "8") and the reading, right-aligned, is then
wrong by a whole digit. A blank cell shows at most ghost segments, a fraction of a lit
digit's contrast; a missed digit is as dark as the digits read. So the cells the reading
leaves blank, one digit pitch each to the left of its first digit, must be faint beside
its digits.
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from .sequence_reader import normalised

# The blank cell beside the digits may hold this share of the digits' ink (pixels darker
# than ``_INK_LEVEL`` of the way from the glass to the darkest ink): ghosts hold next to
# none, a "1" most.
BLANK_SHARE = 0.35
_INK_LEVEL = 0.6  # unlit dots and segments can show at over half a lit one's contrast
_DARKEST, _GLASS = 5.0, 90.0  # percentiles of a strip's values: ink, glass
_ROW_INK = (0.03, 0.9)  # share of a digit row's columns inked: more is a bezel
_ROW_GAP = 5  # rows of a digit's band may skip this many (between segments)
_PITCH_PER_HEIGHT = 0.75  # a digit's pitch against its height, where one digit gives no pitch
_HEIGHT, _MAX_WIDTH = 64, 768  # the window is looked at this high, its width in proportion
_DIGIT_HEIGHT = 0.6  # of the window's height, about, where one digit gives no pitch yet
_LINE_PITCHES = 0.9  # an inked run this many pitches long is no digit's stroke
_REACH = 0.25  # of the window's height: how far a digit's ink reaches from its centre
_CELL_HALF = 0.4  # of a pitch left of where the missed digit would be centred
_OWN_INK = 0.6  # of a pitch: how far left of its centre the first digit's ink may reach
_GAP = 0.1  # of a pitch kept clear of the first digit's ink


def ink_in_blank_cells(
    window: np.ndarray, centres: list[float], point_after: int | None, blanks: int
) -> str | None:
    """Why the cell left of the digits centred at ``centres`` (shares of the window's
    width, left to right; the decimal point after digit ``point_after``) is not blank
    though the reading leaves ``blanks`` cells blank, or None where it is faint enough to
    be. A missed digit is beside the ones read; cells farther left may reach the bezel."""
    if blanks <= 0 or not centres or min(window.shape[:2]) < 2:
        return None
    height, width = window.shape[:2]
    size = (min(_MAX_WIDTH, max(2, round(width * _HEIGHT / height))), _HEIGHT)
    strip_ = normalised(window, size)  # sharper than the reader's strip: dots stay dots
    centres = [c * size[0] for c in centres]
    glass = float(np.percentile(strip_, _GLASS))
    first, last = round(centres[0]), round(centres[-1])
    depth = glass - float(np.percentile(strip_[:, max(0, first - 2) : last + 3], _DARKEST))
    if depth <= 0:
        return None
    inked = strip_ < glass - _INK_LEVEL * depth
    guess = _pitch(centres, point_after, _DIGIT_HEIGHT * _HEIGHT)
    inked = _without_lines(inked, round(_LINE_PITCHES * guess), axis=1)  # a bezel's top, bottom
    reach = round(_REACH * _HEIGHT)  # a lone digit's ink, at least, either side of its centre
    rows = _digit_rows(inked[:, max(0, first - reach) : last + reach + 1])
    band = _without_lines(inked[rows], rows.stop - rows.start, axis=0)  # a bezel's sides
    pitch = _pitch(centres, point_after, band.shape[0])
    digits = band[:, max(0, round(first - pitch / 2)) : round(last + pitch / 2) + 1]
    edge = first  # the first digit's ink, followed left from its centre, half a pitch at most
    while edge > max(0, first - _OWN_INK * pitch) and band[:, edge - 1].any():
        edge -= 1
    left = round(centres[0] - (1 + _CELL_HALF) * pitch)
    right = round(edge - _GAP * pitch)  # up to the first digit's ink: a "1" sits on the right
    region = band[:, max(0, left) : right]
    if region.shape[1] < 2 or right <= 0 or not digits.size:
        return None
    share = float(region.mean()) / max(float(digits.mean()), 1e-6)
    if share <= BLANK_SHARE:
        return None
    return (
        f"sequence reader: ink in the blank cell before the digits ({share:.0%} of theirs): "
        "a digit missed?"
    )


def _without_lines(inked: np.ndarray, length: int, axis: int) -> np.ndarray:
    """``inked`` without runs of ``length`` or more along ``axis`` (1: rows): a bezel's
    edge runs on where a digit's stroke stops."""
    if length < 2 or inked.shape[axis] < length:
        return inked
    kernel = np.ones((1, length) if axis == 1 else (length, 1), np.uint8)
    mask = inked.astype(np.uint8)
    return (mask - cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)).astype(bool)


def _digit_rows(inked: np.ndarray) -> slice:
    """The band of rows the digits stand in: the longest run of rows partly inked, short
    gaps bridged. A bezel caught in the window is a row inked all along; glass, a row not
    inked at all."""
    share = inked.mean(axis=1)
    partly = (share > _ROW_INK[0]) & (share < _ROW_INK[1])
    window = np.ones(_ROW_GAP, np.uint8)
    spread = np.convolve(partly.astype(np.uint8), window, "same") > 0
    closed = np.convolve(spread.astype(np.uint8), window, "same") == _ROW_GAP
    closed |= partly  # the closing's own edges
    best, start, longest = (0, len(share)), None, 0
    for row, yes in enumerate([*closed.tolist(), False]):
        if yes and start is None:
            start = row
        elif not yes and start is not None:
            if row - start > longest:
                best, longest = (start, row), row - start
            start = None
    return slice(*best)


def _pitch(centres: list[float], point_after: int | None, height: float) -> float:
    """The digits' pitch in strip columns: the median step between neighbours not parted
    by the decimal point, or else the digits' ``height`` (in columns) times a usual
    digit's proportions."""
    pairs = enumerate(pairwise(centres), start=1)
    steps = [b - a for after, (a, b) in pairs if after != point_after]
    return float(np.median(steps)) if steps else _PITCH_PER_HEIGHT * height
