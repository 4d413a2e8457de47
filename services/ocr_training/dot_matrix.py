"""Character-LCD frames: a display of 5×8 dot cells (HD44780-style), a renderer of its own.

A character LCD draws every character, the decimal point included, in a cell of 5 × 8
dots (7 rows for the glyph, the eighth for the cursor) with a dot's width between cells;
unlit dots show faintly, so blank leading cells are full grey boxes. The glyphs are the
common ROM font's (``synth.DOT_MATRIX_FONT``). Dots are square or rounded, 65–92 % of
their pitch, and the whole line may sit off-centre in its glass.
"""

from __future__ import annotations

import cv2
import numpy as np

from .synth import DOT_MATRIX_FONT

ROWS, COLUMNS = 8, 5
_POINT_GLYPH = ("00000",) * 5 + ("01100", "01100")
_BLANK_GLYPH = ("00000",) * 7
_PITCH = 12.0  # mask pixels between dot centres
_SHIFT = 3  # fractional bits for sub-pixel dot corners

CellBox = tuple[float, float, float, float]


def _glyph(char: str) -> tuple[str, ...]:
    if char == ".":
        return _POINT_GLYPH
    return DOT_MATRIX_FONT.get(char, _BLANK_GLYPH)


def dot_matrix_cells(
    chars: list[str], point_after: int | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[CellBox]]:
    """Masks (lit, ghost) of ``chars`` on a character LCD, the point in its own cell after
    ``point_after``, and each digit's cell box (x0, y0, x1, y1) in mask pixels."""
    typed = [(c, True) for c in chars]
    if point_after is not None:
        typed.insert(point_after + 1, (".", False))
    fill = rng.uniform(0.65, 0.92)
    round_dots = bool(rng.random() < 0.4)
    gap_dots = rng.uniform(0.8, 1.4)  # between cells, in dot pitches
    margin_x = _PITCH * rng.uniform(1.0, 4.0, 2)
    margin_y = _PITCH * rng.uniform(1.0, 2.5, 2)
    cell_w = COLUMNS * _PITCH
    width = margin_x.sum() + len(typed) * cell_w + (len(typed) - 1) * gap_dots * _PITCH
    height = margin_y.sum() + ROWS * _PITCH
    lit = np.zeros((round(height), round(width)), np.uint8)
    ghost = np.zeros_like(lit)
    boxes: list[CellBox] = []
    for index, (char, is_digit) in enumerate(typed):
        left = margin_x[0] + index * (cell_w + gap_dots * _PITCH)
        rows = _glyph(char)
        for r in range(ROWS):
            bits = rows[r] if r < len(rows) else "00000"
            for c, bit in enumerate(bits):
                target = lit if bit == "1" else ghost
                _dot(target, left + c * _PITCH, margin_y[0] + r * _PITCH, fill, round_dots)
        if is_digit:
            boxes.append((left, margin_y[0], left + cell_w, margin_y[0] + 7 * _PITCH))
    return lit.astype(np.float32) / 255, ghost.astype(np.float32) / 255, boxes


def _dot(mask: np.ndarray, left: float, top: float, fill: float, round_dot: bool) -> None:
    size = fill * _PITCH
    x0, y0 = left + (_PITCH - size) / 2, top + (_PITCH - size) / 2
    if round_dot:
        centre = (round((x0 + size / 2) * (1 << _SHIFT)), round((y0 + size / 2) * (1 << _SHIFT)))
        radius = round(size / 2 * (1 << _SHIFT))
        cv2.circle(mask, centre, radius, 255, -1, cv2.LINE_AA, _SHIFT)
        return
    corners = np.array([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])
    polygon = np.round(corners * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(mask, [polygon], 255, cv2.LINE_AA, _SHIFT)
