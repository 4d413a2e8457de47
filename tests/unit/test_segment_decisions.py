"""How the segments' geometry decides a digit it cannot be sure of.

A stroke half there (a 14-segment display's middle bar, in two halves) and ink where no
7-segment digit has any (the glow between a LED's strokes, read in the other polarity)
were read as a sure 0 and a sure 8; each must make the digit unclear instead.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.ocr_worker import lcd7
from services.ocr_worker.lcd7 import UnreadableDisplay, read_lcd7

GLASS, INK = (200, 205, 200), (40, 40, 40)
WIDTH, HEIGHT, STROKE = 60, 100, 12


def _bars(x0: int, y0: int) -> dict[str, tuple[int, int, int, int]]:
    """Each segment of a digit cell at (x0, y0) as a rectangle (x0, y0, x1, y1)."""
    w, h, t = WIDTH, HEIGHT, STROKE
    return {
        "a": (x0, y0, x0 + w, y0 + t),
        "g": (x0, y0 + h // 2 - t // 2, x0 + w, y0 + h // 2 + t // 2),
        "d": (x0, y0 + h - t, x0 + w, y0 + h),
        "f": (x0, y0, x0 + t, y0 + h // 2),
        "b": (x0 + w - t, y0, x0 + w, y0 + h // 2),
        "e": (x0, y0 + h // 2, x0 + t, y0 + h),
        "c": (x0 + w - t, y0 + h // 2, x0 + w, y0 + h),
    }


def _display(middle_gap: int) -> np.ndarray:
    """A light LCD showing 888 with the middle digit's middle bar cut at its centre."""
    image = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(image, (120, 170), (520, 310), GLASS, -1)
    for x0 in (170, 290, 410):
        for x, y, x1, y1 in _bars(x0, 190).values():
            cv2.rectangle(image, (x, y), (x1 - 1, y1 - 1), INK, -1)
    if middle_gap:
        _, y, _, y1 = _bars(290, 190)["g"]
        centre = 290 + WIDTH // 2
        cv2.rectangle(image, (centre - middle_gap, y), (centre + middle_gap - 1, y1 - 1), GLASS, -1)
    return image


def test_a_whole_middle_bar_reads_as_eight() -> None:
    assert read_lcd7(_display(middle_gap=0), 3, 0).text == "888"


def test_a_middle_bar_in_two_halves_is_unclear_not_zero() -> None:
    # The geometry before read this as a sure 808.
    with pytest.raises(UnreadableDisplay, match="digit 2 is unclear"):
        read_lcd7(_display(middle_gap=6), 3, 0)


def _cell(holes_inked: bool) -> tuple[lcd7._Window, lcd7._Blob]:
    """One 8 on its own, as the reader's window holds it (1 = a lit segment)."""
    ink = np.zeros((HEIGHT, WIDTH), np.float32)
    if holes_inked:
        ink[:, :] = 1.0
    for x, y, x1, y1 in _bars(0, 0).values():
        ink[y:y1, x:x1] = 1.0
    mask = (ink > 0.5).astype(np.uint8)
    window = lcd7._Window(ink, mask, np.zeros_like(mask), np.eye(3))
    return window, lcd7._Blob(0, WIDTH, 0, HEIGHT)


def test_a_digit_with_clear_holes_is_a_sure_eight() -> None:
    assert lcd7._decide_digit(*_cell(holes_inked=False)) == ("8", 1.0)


def test_ink_in_the_holes_of_an_eight_makes_it_unclear() -> None:
    _, confidence = lcd7._decide_digit(*_cell(holes_inked=True))
    assert confidence == 0.0
