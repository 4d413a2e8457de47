"""A reading that leaves cells blank must find them blank: a missed lit digit beside the
digits read is ink, a blank cell's ghost segments are not."""

from __future__ import annotations

import numpy as np
import pytest

from services.ocr_training.display_frames import _polygon_cells
from services.ocr_worker.blank_cells import ink_in_blank_cells


def _window(chars: list[str], ghost_share: float, seed: int) -> tuple[np.ndarray, list[float]]:
    """Dark segments on a light glass with a dark bezel round it, and each cell's centre
    as a share of the window's width."""
    lit, ghost, cells = _polygon_cells(chars, None, np.random.default_rng(seed))
    glass = 200 - 170 * np.maximum(lit, ghost * ghost_share)
    window = np.full((glass.shape[0] + 16, glass.shape[1] + 16), 30, np.float32)
    window[8:-8, 8:-8] = glass
    centres = [(8 + (x0 + x1) / 2) / window.shape[1] for x0, _, x1, _ in cells]
    return window.astype(np.uint8), centres


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ghost_share", [0.0, 0.3])
def test_blank_cells_holding_only_ghosts_are_blank(seed: int, ghost_share: float) -> None:
    window, centres = _window(["", "", "7", "8"], ghost_share, seed)
    assert ink_in_blank_cells(window, centres[2:], None, 2) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("missed", ["7", "1", "4"])
def test_a_lit_digit_read_as_a_blank_cell_is_ink(seed: int, missed: str) -> None:
    window, centres = _window(["", "", missed, "8"], 0.3, seed)
    reason = ink_in_blank_cells(window, centres[3:], None, 3)  # "8": the missed digit blank
    assert reason is not None and "a digit missed?" in reason


def test_the_point_does_not_stretch_the_pitch() -> None:
    window, centres = _window(["", "3", "5", "2"], 0.3, seed=0)
    # read "5.2" (the point after the first digit read), "3" missed: its cell is ink
    assert ink_in_blank_cells(window, centres[2:], 1, 2) is not None
    assert ink_in_blank_cells(window, centres[1:], 2, 1) is None


def test_a_reading_with_no_blank_cells_is_not_looked_at() -> None:
    window, centres = _window(["1", "2"], 0.3, seed=0)
    assert ink_in_blank_cells(window, centres, None, 0) is None
