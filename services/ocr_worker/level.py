"""How far a found display still lies askew, from its own horizontal edges.

The display locator's glass is traced on a coarse grid, so the turn of the rectangle
round it is off by a few degrees, and a sequence reader that learned displays turned at
most a few degrees reads a strip whose digits slant as torn. The digits and the glass's
edges are rows of horizontal lines: turned level, their vertical gradient piles up in
few rows. The turn that piles it up most is the residual.
"""

from __future__ import annotations

import cv2
import numpy as np

WITHIN_DEG = 6.0  # the locator's turn is off by less than this
STEP_DEG = 0.5
_HEIGHT = 48  # px: the view is levelled at this height (the edges of a segment stay apart)


def residual_turn(view: np.ndarray, within_deg: float = WITHIN_DEG) -> float:
    """Degrees (counter-clockwise, ``geometry.crop``'s sense, at most ``within_deg``
    either way) that turn ``view`` level."""
    grey = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY) if view.ndim == 3 else view
    scale = _HEIGHT / max(grey.shape[0], 1)
    small = cv2.resize(grey, (max(round(grey.shape[1] * scale), 1), _HEIGHT),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    rows = np.abs(cv2.Sobel(small.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3))
    height, width = rows.shape
    centre = ((width - 1) / 2, (height - 1) / 2)
    best, best_score = 0.0, -1.0
    for turn in np.arange(-within_deg, within_deg + STEP_DEG / 2, STEP_DEG):
        turned = cv2.warpAffine(rows, cv2.getRotationMatrix2D(centre, float(turn), 1.0),
                                (width, height), flags=cv2.INTER_LINEAR)  # fmt: skip
        profile = turned.sum(axis=1)
        score = float(np.dot(profile, profile))
        if score > best_score:
            best, best_score = float(turn), score
    return best
