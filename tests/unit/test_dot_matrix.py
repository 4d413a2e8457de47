"""Character-LCD frames: what makes them a look of their own must hold, or holding the
renderer out measures nothing new."""

from __future__ import annotations

import itertools

import numpy as np

from services.ocr_training.dot_matrix import dot_matrix_cells


def _ink(mask: np.ndarray, box: tuple[float, float, float, float]) -> float:
    x0, y0, x1, y1 = (round(v) for v in box)
    return float(mask[y0:y1, x0:x1].mean())


def test_the_point_is_a_character_cell_of_its_own() -> None:
    lit, _, boxes = dot_matrix_cells(["1", "2", "7", "0", "3"], 2, np.random.default_rng(1))
    assert len(boxes) == 5  # digit cells only
    pitches = [b[0] - a[0] for a, b in itertools.pairwise(boxes)]
    # The point's cell sits between the third and the fourth digit: that step is double.
    assert pitches[2] > 1.8 * pitches[0] and max(pitches[:2] + pitches[3:]) < 1.1 * pitches[0]
    point = (boxes[2][2], boxes[2][1], boxes[3][0], boxes[2][3])
    assert _ink(lit, point) > 0.02  # its two-by-two dots are lit


def test_blank_leading_cells_show_every_dot_faintly_and_none_lit() -> None:
    lit, ghost, boxes = dot_matrix_cells(["", "", "4", "2"], None, np.random.default_rng(2))
    for blank in boxes[:2]:
        assert _ink(lit, blank) == 0.0 and _ink(ghost, blank) > 0.3
    for digit in boxes[2:]:
        assert _ink(lit, digit) > 0.1
