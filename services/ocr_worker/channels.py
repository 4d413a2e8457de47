"""Each pixel's brightest and dimmest colour channel.

The same as ``image.max(axis=2)`` and ``image.min(axis=2)``, exactly, but numpy reduces
along the interleaved channel axis about ten times slower than OpenCV takes the
element-wise extreme of the split planes: 2 ms against 0.2 for a display window, on a
path that runs several times per frame.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def brightest(image: np.ndarray) -> np.ndarray:
    return _extreme(image, cv2.max)


def dimmest(image: np.ndarray) -> np.ndarray:
    return _extreme(image, cv2.min)


def _extreme(image: np.ndarray, pick: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    planes = cv2.split(image)
    out = planes[0]
    for plane in planes[1:]:
        out = pick(out, plane)
    return out
