"""What real displays print inside the glass beside their digits, for training windows.

A scale, a thermometer, a multimeter or an electricity meter shows its unit inside the
glass (``kWh``, ``KG``, ``°C``, ``V``), lights annunciators above or below the digits
(``AUTO``, ``HOLD``, a battery, a bar graph) and often has a leading half digit that
shows only a 1 (a "3½-digit" display). A reader that never saw them reads a unit as one
more digit or a point. These marks are drawn on any renderer's masks, in the lit mask
(annunciators now and then in the ghost mask, as unlit icons), after the digits are drawn,
so they take the renderer's colours, glass and camera like its digits.
"""

from __future__ import annotations

import cv2
import numpy as np

CellBox = tuple[float, float, float, float]
Masks = tuple[np.ndarray, np.ndarray, list[CellBox]]

UNITS = ("kWh", "kW", "W", "V", "mV", "A", "mA", "KG", "kg", "Lb", "lb", "g", "oz", "C", "F",
         "%", "m3", "Hz", "bar", "psi", "L", "ml", "DC", "AC", "uF", "k")  # fmt: skip
ANNUNCIATORS = ("AUTO", "HOLD", "MAX", "MIN", "AC", "DC", "BAT", "REL", "TOKEN", "kWh", "T1",
                "T2", "L1", "L2", "L3", "SET", "ST", "NET", "ZERO", "MEM")  # fmt: skip
_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)
# Chance of each mark on a window that gets marks at all.
UNIT_SHARE, ANNUNCIATOR_SHARE, DEGREE_SHARE = 0.75, 0.45, 0.15


def _text_mask(text: str, height: float, rng: np.random.Generator) -> np.ndarray:
    """``text`` in a Hershey face about ``height`` mask pixels tall (its capitals)."""
    font = _FONTS[int(rng.integers(len(_FONTS)))]
    thickness = max(1, round(height * rng.uniform(0.08, 0.18)))
    (w, h), base = cv2.getTextSize(text, font, 1.0, thickness)
    scale = height / max(h, 1)
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    out = np.zeros((h + base + 2 * thickness, w + 2 * thickness), np.uint8)
    cv2.putText(out, text, (thickness, h + thickness), font, scale, 255, thickness, cv2.LINE_AA)
    return out


def _paste(mask: np.ndarray, piece: np.ndarray, x: int, y: int) -> None:
    h = min(piece.shape[0], mask.shape[0] - y)
    w = min(piece.shape[1], mask.shape[1] - x)
    if h > 0 and w > 0 and x >= 0 and y >= 0:
        region = mask[y : y + h, x : x + w]
        np.maximum(region, piece[:h, :w].astype(np.float32) / 255, out=region)


def _padded(masks: list[np.ndarray], top: int, bottom: int, right: int) -> list[np.ndarray]:
    return [np.pad(m, ((top, bottom), (0, right))) for m in masks]


def _icon(height: float, rng: np.random.Generator) -> np.ndarray:
    """A small annunciator: a word, a battery, an arrow or a bar graph."""
    kind = rng.random()
    if kind < 0.6:
        return _text_mask(str(rng.choice(ANNUNCIATORS)), height, rng)
    size = max(4, round(height))
    if kind < 0.75:  # a battery
        out = np.zeros((size, 2 * size), np.uint8)
        cv2.rectangle(out, (0, 0), (2 * size - 4, size - 1), 255, max(1, size // 6))
        cv2.rectangle(out, (2 * size - 4, size // 3), (2 * size - 1, 2 * size // 3), 255, -1)
        return out
    if kind < 0.87:  # an arrow
        out = np.zeros((size, size), np.uint8)
        points = np.int32([[0, 0], [size - 1, size // 2], [0, size - 1]])
        cv2.fillConvexPoly(out, points if rng.random() < 0.5 else points[:, ::-1], 255)
        return out
    bars = int(rng.integers(4, 12))  # a bar graph
    out = np.zeros((size // 2 + 1, bars * size // 2), np.uint8)
    for i in range(int(rng.integers(1, bars + 1))):
        x = i * size // 2
        cv2.rectangle(out, (x, 0), (x + max(1, size // 3), size // 2), 255, -1)
    return out


def with_marks(lit: np.ndarray, ghost: np.ndarray, cells: list[CellBox],
               rng: np.random.Generator) -> Masks:  # fmt: skip
    """The masks grown to hold a unit right of the digits and annunciators above or below
    them, drawn at random; the digit cells moved with the growth."""
    top_y = min(c[1] for c in cells)
    bottom_y = max(c[3] for c in cells)
    right_x = max(c[2] for c in cells)
    digit_h = bottom_y - top_y
    unit = None
    if rng.random() < UNIT_SHARE:
        unit = _text_mask(str(rng.choice(UNITS)), digit_h * rng.uniform(0.18, 0.45), rng)
    icons = []
    if rng.random() < ANNUNCIATOR_SHARE:
        sizes = rng.uniform(0.12, 0.25, int(rng.integers(1, 4)))
        icons = [_icon(digit_h * size, rng) for size in sizes]
    above = bool(rng.random() < 0.5)
    gap = round(digit_h * rng.uniform(0.05, 0.2))
    band = max((i.shape[0] for i in icons), default=0)
    need_right = 0
    if unit is not None:
        room = 2 * gap + unit.shape[1] + unit.shape[0]  # a degree ring's room too
        need_right = max(0, round(right_x + room - lit.shape[1]))
    need_band = max(0, band + gap - (top_y if above else lit.shape[0] - bottom_y)) if icons else 0
    top, bottom = (round(need_band), 0) if above else (0, round(need_band))
    lit, ghost = _padded([lit, ghost], top, bottom, need_right)
    cells = [(x0, y0 + top, x1, y1 + top) for x0, y0, x1, y1 in cells]
    top_y, bottom_y = top_y + top, bottom_y + top
    faint = ghost if rng.random() < 0.3 else lit  # unlit icons show as ghosts
    if unit is not None:
        where = rng.choice(["top", "middle", "bottom"])
        y = {"top": top_y, "middle": (top_y + bottom_y - unit.shape[0]) / 2,
             "bottom": bottom_y - unit.shape[0]}[str(where)]  # fmt: skip
        x = right_x + gap * rng.uniform(0.5, 1.5)
        if rng.random() < DEGREE_SHARE:  # a degree ring before the unit
            ring = max(2, unit.shape[0] // 4)
            cv2.circle(lit, (round(x + ring), round(y + ring)), ring, 1.0, max(1, ring // 3))
            x += 3 * ring
        _paste(lit, unit, round(x), round(y))
    left_x = min(c[0] for c in cells)
    x = left_x + rng.uniform(0, 0.3) * (right_x - left_x)
    for icon in icons:
        y = top_y - gap - icon.shape[0] if above else bottom_y + gap
        _paste(faint, icon, round(x), round(y))
        x += icon.shape[1] + gap * rng.uniform(1, 4)
    return lit, ghost, cells


def with_half_digit(one: np.ndarray, blank: np.ndarray, ghost: np.ndarray,
                    cells: list[CellBox], shows_one: bool) -> Masks:  # fmt: skip
    """A "3½-digit" display's leading half digit: the drawer's own first cell drawn once
    as a 1 (``one``) and once blank (``blank``, the same draw otherwise). Only the columns
    from its 1 on are kept; the cell keeps no ghost segments but its 1's, faint when the
    half digit is blank."""
    x0, y0, x1, y1 = (round(v) for v in cells[0])
    segments = (one - blank) > 0.5
    columns = np.flatnonzero(segments[y0:y1, x0:x1].any(axis=0))
    if not len(columns):
        return (one if shows_one else blank), ghost, cells
    keep_from = x0 + max(0, int(columns[0]) - 2)
    own_end = round(cells[1][0]) if len(cells) > 1 else x1  # where the next digit begins
    ghost = ghost.copy()
    ghost[:, x0:own_end] = 0
    lit = one if shows_one else blank
    if not shows_one:
        ghost = np.maximum(ghost, segments.astype(np.float32))
    cut = keep_from - x0
    lit = np.delete(lit, np.s_[x0:keep_from], axis=1)
    ghost = np.delete(ghost, np.s_[x0:keep_from], axis=1)
    half = (float(x0), cells[0][1], float(x0 + columns[-1] - columns[0] + 4), cells[0][3])
    rest = [(a - cut, b, c - cut, d) for a, b, c, d in cells[1:]]
    return lit, ghost, [half, *rest]
