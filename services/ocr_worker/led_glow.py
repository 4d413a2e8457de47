"""Where a frame's LED digits glow: rows of lit, coloured digit shapes.

The display locator learned glass from rendered scenes and, in real rooms, finds a
pressure cooker's steel body or a circuit board instead of the small LED display on it.
An LED display gives itself away without learning: its segments are lit, coloured and
brighter than their surroundings, and lit segments joined up make digit shapes standing
side by side at one height. Each such row is a window for the sequence reader, which
must read it as surely as any other window, so a row of lit shapes that is not a
display is refused there, not read.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .geometry import Box

_SIZE = 640  # px: the frame's longer side is looked at this large (or as it is, if smaller)
_LIT_VALUE = 140  # HSV value of a lit segment (of 255)
_GLOW = 50  # ... at least this much brighter than the frame about it (an eighth of it wide)
_COLOUR = (80, 100)  # HSV saturation and value of an LED's colour
_NEAR_COLOUR_PX = 2  # a segment's white-hot core lies this close to its colour
_JOIN = 0.01  # of the longer side: gaps between one digit's segments are closed
_DIGIT_ASPECT = (0.1, 1.2)  # width / height of a lit digit (a 1 a stroke wide, an 8 with its point)
_MIN_DIGIT_PX = 8  # a digit shorter than this (plus the joining) is a speck
_SAME_ROW = 0.6  # share of the smaller digit's height two neighbours overlap by
_HEIGHTS = (0.6, 1.6)  # a neighbour's height against the digit before it
_GAP = 1.0  # digits' heights: the most a row's digits stand apart (a colon between)
_OVERLAP = 0.2  # digits' heights: how far a neighbour's shape may reach into the last one
_MIN_DIGITS = 2
_MIN_ASPECT = 1.5  # a row's width / height
# Of the row's height, each side: the window takes in the glass around the row, and a
# digit each side beyond it, in case one there did not join up (a row read short of its
# leading digit is a wrong number, not a refusal).
_PAD = (1.0, 0.35)


@dataclass
class _Row:
    box: Box
    last: Box  # the digit the row ends with so far
    digits: int = 1

    def takes(self, digit: Box) -> bool:
        x, y, _, h = digit
        lx, ly, lw, lh = self.last
        overlap = min(y + h, ly + lh) - max(y, ly)
        gap = x - (lx + lw)
        return (
            overlap >= _SAME_ROW * min(h, lh)
            and -_OVERLAP * h <= gap <= _GAP * max(h, lh)
            and _HEIGHTS[0] <= h / lh <= _HEIGHTS[1]
        )

    def add(self, digit: Box) -> None:
        x, y, w, h = digit
        rx, ry, rw, rh = self.box
        left, top = min(x, rx), min(y, ry)
        right, bottom = max(x + w, rx + rw), max(y + h, ry + rh)
        self.box = (left, top, right - left, bottom - top)
        self.last, self.digits = digit, self.digits + 1


def glowing_rows(frame: np.ndarray, most: int = 2) -> list[Box]:
    """Up to ``most`` windows round rows of glowing digits, largest first, in frame pixels."""
    if frame.ndim != 3:
        return []  # no colour, no way to tell glow from a white label
    height, width = frame.shape[:2]
    scale = min(_SIZE / max(height, width), 1.0)
    small = frame if scale == 1.0 else cv2.resize(
        frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
    )  # fmt: skip
    rows = [row for row in _rows(_digits(_lit(small), max(small.shape[:2]))) if _is_display(row)]
    rows.sort(key=lambda row: row.box[2] * row.box[3], reverse=True)
    return [_window(row.box, scale) for row in rows[:most]]


def _lit(image: np.ndarray) -> np.ndarray:
    """Pixels that glow: bright, brighter than the frame about them, and by colour."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    value = hsv[..., 2].astype(np.float32)
    size = max(image.shape[:2]) // 8 | 1
    around = cv2.blur(value, (size, size))
    coloured = ((hsv[..., 1] >= _COLOUR[0]) & (value >= _COLOUR[1])).astype(np.uint8)
    near = np.ones((2 * _NEAR_COLOUR_PX + 1,) * 2, np.uint8)
    near_colour = cv2.dilate(coloured, near) > 0
    return ((value >= _LIT_VALUE) & (value - around >= _GLOW) & near_colour).astype(np.uint8)


def _digits(lit: np.ndarray, side: int) -> list[Box]:
    """Lit shapes the size and shape of a digit, left to right."""
    join = max(3, round(_JOIN * side)) | 1
    joined = cv2.dilate(lit, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (join, join)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    shapes = [tuple(int(v) for v in stats[i][:4]) for i in range(1, count)]
    low, high = _DIGIT_ASPECT
    return sorted(
        (x, y, w, h) for x, y, w, h in shapes if h >= _MIN_DIGIT_PX + join and low <= w / h <= high
    )


def _rows(digits: list[Box]) -> list[_Row]:
    """Digits, left to right, each continuing the first row it fits, else starting one."""
    rows: list[_Row] = []
    for digit in digits:
        row = next((row for row in rows if row.takes(digit)), None)
        if row is None:
            rows.append(_Row(digit, digit))
        else:
            row.add(digit)
    return rows


def _is_display(row: _Row) -> bool:
    return row.digits >= _MIN_DIGITS and row.box[2] >= _MIN_ASPECT * row.box[3]


def _window(box: Box, scale: float) -> Box:
    """The row padded by ``_PAD``, in the frame's pixels (it may reach past the frame's
    edge: the cut continues the frame's border)."""
    x, y, w, h = box
    across, down = _PAD[0] * h, _PAD[1] * h
    return (
        round((x - across) / scale),
        round((y - down) / scale),
        round((w + 2 * across) / scale),
        round((h + 2 * down) / scale),
    )
