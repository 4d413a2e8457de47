"""Digit cells much fainter than the others of their display: ghosts, not digits.

An LCD shows its unlit segments faintly, so a blank leading cell is a faint 8. The
classifier sees each cell alone, stretched to full contrast, and can name that 8 with
confidence (measured: `bench ocr-frames --holdout-renderer dseg`, digit boxes given).
Beside the other cells of the same display its contrast gives it away. A glare-washed
digit is faint too, so a faint cell is never taken for a blank by itself: one that the
classifier reads as anything but 0 (the blank cell's label) refuses the reading.
"""

from __future__ import annotations

import cv2
import numpy as np

# A cell whose contrast is under this share of the display's strongest cell is faint.
# Ghosts show at up to a quarter of a lit segment's contrast; a lit "1" has as much
# contrast as an "8", only less ink.
FAINT_SHARE = 0.45
_TAILS = (2.0, 98.0)  # percentiles: the darkest and brightest few per cent of a cell


def contrast(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    low, high = np.percentile(grey, _TAILS)
    return float(high - low)


def faint_cells(images: list[np.ndarray]) -> list[int]:
    """Indices of the cells under ``FAINT_SHARE`` of the strongest cell's contrast."""
    if len(images) < 2:
        return []
    contrasts = [contrast(image) for image in images]
    strongest = max(contrasts)
    return [i for i, c in enumerate(contrasts) if c < FAINT_SHARE * strongest]
