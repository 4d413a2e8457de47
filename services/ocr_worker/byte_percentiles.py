"""Percentiles of an 8-bit image, exactly as ``np.percentile`` gives them, from a histogram.

``np.percentile`` and ``np.median`` partition a copy of every pixel: 1.8 ms for a
640×480 frame, a tenth of the time a whole frame takes to read, and the reader asks
several times per frame. Counting the 256 levels once gives the same numbers in a
fraction of that.
"""

from __future__ import annotations

import cv2
import numpy as np


def byte_percentiles(image: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """``np.percentile(image, q)`` for each of ``qs`` (linear interpolation) of a
    non-empty uint8 array."""
    if image.dtype != np.uint8 or image.size == 0:
        raise ValueError("byte percentiles take a non-empty uint8 array")
    flat = np.ascontiguousarray(image).reshape(1, -1)
    cumulative = np.cumsum(cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel())
    last = image.size - 1
    out = []
    for q in qs:
        index = np.float64(q) / 100 * last
        below = int(np.floor(index))
        gamma = index - below
        low = float(np.searchsorted(cumulative, below + 1))  # the value at rank ``below``
        high = float(np.searchsorted(cumulative, min(below + 1, last) + 1))
        # numpy's linear interpolation, to the last bit: from the nearer end.
        diff = high - low
        value = high - diff * (1 - gamma) if gamma >= 0.5 else low + diff * gamma
        out.append(np.float64(value))  # numpy's type: float32 arithmetic with it widens
    return out


def percentiles(image: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """``np.percentile`` of any array, through the histogram where it is 8-bit."""
    if image.dtype == np.uint8 and image.size:
        return byte_percentiles(image, qs)
    return list(np.percentile(image, qs))


def byte_percentile(image: np.ndarray, q: float) -> float:
    return byte_percentiles(image, (q,))[0]


def byte_median(image: np.ndarray) -> float:
    """``float(np.median(image))`` of a non-empty uint8 array."""
    return byte_percentile(image, 50)
