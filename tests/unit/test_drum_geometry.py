"""Naming a drum caught between two digits from three looks (``drum_geometry.name_pair``)."""

from __future__ import annotations

import numpy as np

from services.ocr_worker.drum_geometry import Measured, name_pair


def probabilities(**by_digit: float) -> np.ndarray:
    row = np.zeros(10)
    for digit, p in by_digit.items():
        row[int(digit[1:])] = p
    return row / row.sum()


def test_half_digits_that_mislead_do_not_outvote_the_crop_as_it_is() -> None:
    # A drum half-way from 7 to 8 in a simulated frame: the crop as it is splits between 7
    # and 8 as the measured turn says; the bottom of the 7 alone looks like a 1, and the
    # top of the 8 alone like a 9.
    half_way = Measured(fraction=0.51, pitch_px=56.8)
    first = probabilities(d7=0.45, d8=0.49, d0=0.02, d1=0.01, d2=0.01, d9=0.02)
    leaving = probabilities(d1=0.37, d7=0.30, d6=0.21, d0=0.03, d2=0.03, d3=0.01)
    coming = probabilities(d9=0.59, d6=0.14, d8=0.11, d7=0.10, d0=0.05)
    named = name_pair(half_way, first, leaving, coming)
    assert named.lower == 7 and named.fraction == 0.51
    assert named.confidence > 0.7  # the pair sums alone gave 0.54: refused as unclear


def test_looks_that_agree_name_the_pair_surely() -> None:
    turn = Measured(fraction=0.3, pitch_px=56.0)
    first = probabilities(d4=0.7, d5=0.3)
    leaving = probabilities(d4=0.95, d9=0.05)
    coming = probabilities(d5=0.9, d6=0.1)
    named = name_pair(turn, first, leaving, coming)
    assert named.lower == 4 and named.confidence > 0.95
