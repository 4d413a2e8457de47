"""Drum cells: centred on their digit, and a drum caught between two digits named from
three looks (``drum_geometry.name_pair``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.ocr_worker.classifier import DigitPrediction
from services.ocr_worker.drum_geometry import Measured, combine, measure, name_pair
from services.ocr_worker.readers import _measured_drums, ink_offset
from services.ocr_worker.rolling import DrumPosition, UnresolvableRoll


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


def test_a_drum_at_rest_is_only_as_sure_as_the_classifier_is_of_its_digit() -> None:
    # A real water meter's first drum, a 0 sitting a pixel low: the classifier split it
    # 0.34 / 0.56 between 0 and 1, as if turning, and the geometry found a whole digit
    # at rest. Taken as the pair's 0.90, it read as a sure 1 (00015 read 10015).
    at_rest = Measured(fraction=1.0, pitch_px=40.0)
    split = combine(DrumPosition(lower=0, fraction=0.62, confidence=0.90), at_rest, None)
    assert split.turn == 1.0
    assert split.confidence < 0.6  # under the default least confidence of a digit: refused
    sure = combine(DrumPosition(lower=8, fraction=0.99, confidence=1.0), at_rest, None)
    assert sure.turn == 9.0 and sure.confidence > 0.98


def test_a_drum_that_turns_keeps_its_pair() -> None:
    # Between two digits the split is the turn, so the pair's probability stands.
    turning = Measured(fraction=0.6, pitch_px=40.0)
    named = combine(DrumPosition(lower=3, fraction=0.55, confidence=0.97), turning, None)
    assert named.lower == 3 and named.confidence == 0.97


def test_a_drum_cell_is_centred_on_its_digit_not_on_the_frame_beside_it() -> None:
    # The red tenths drum: a white digit on red, the counter's black frame down the cell's
    # left edge. Darkness alone put the cell's centre on the frame and cut the digit in
    # half, and a 5 turning into a 6 was read as 3 turning into 4 (52 frames in 600).
    cell = np.full((56, 48), 90, np.uint8)  # the red face, in grey
    cell[:, :7] = 15  # the frame between drums
    cv2.putText(cell, "6", (14, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 235, 3)
    drawn = np.flatnonzero((cell > 200).any(axis=0))
    digit_offset = (drawn.min() + drawn.max()) / 2 - (cell.shape[1] - 1) / 2
    assert abs(ink_offset(cell, pitch=48.0) - digit_offset) < 2.0


def _drum(*inked: tuple[int, int]) -> np.ndarray:
    """A drum's crop, 70 rows tall, dark strokes drawn over ``inked`` rows (first, last)."""
    crop = np.full((70, 40, 3), 220, np.uint8)
    for first, last in inked:
        crop[first : last + 1, 14:26] = 30
    return crop


def test_two_digits_with_no_blank_between_are_not_measured_as_one() -> None:
    # A dim water meter's last drum: the foot of a 4 leaving at the top, the 5 coming in
    # below it and cut by the window's bottom, with no blank row between them. Measured by
    # the run's top edge, the drum stood at rest on 5 while it was 0.6 of the way there.
    at_rest = DrumPosition(lower=0, fraction=0.0, confidence=1.0)
    crops = [_drum((10, 50)), _drum((10, 50)), _drum((0, 69))]
    still, _, glued = measure(crops, [at_rest, at_rest, DrumPosition(4, 0.8, 0.99)])
    assert still is not None and still.fraction == 0.0
    assert glued is None  # left to the classifier's own estimate (4, 0.8 of the way)


def test_looks_that_name_a_pair_the_crop_does_not_show_are_not_sure_of_it() -> None:
    # A gas meter's last drum rolling from 1 to 2 beside its scale of ticks, the cell
    # pulled onto the ticks with the digit half out of it: the moved looks named 3 and 4,
    # the crop as it was put under half its weight on that pair, and 01208.431 was read
    # 01208.433.
    turn = Measured(fraction=0.44, pitch_px=30.1)
    first = probabilities(d3=0.38, d4=0.1, d1=0.2, d2=0.2, d8=0.12)
    leaving = probabilities(d3=0.7, d1=0.2, d8=0.1)
    coming = probabilities(d4=0.6, d2=0.3, d9=0.1)
    named = name_pair(turn, first, leaving, coming)
    assert named.lower == 3
    assert named.confidence <= 0.48 + 1e-9  # under the least confidence of a digit: refused


class _Named:
    """A digit model naming each drum's crop as told (any further look as the last)."""

    def __init__(self, by_drum: list[np.ndarray]) -> None:
        self.by_drum = by_drum

    def predict(self, images: list[np.ndarray]) -> list[DigitPrediction]:
        rows = self.by_drum if len(images) == len(self.by_drum) else [self.by_drum[-1]] * len(images)
        return [DigitPrediction(str(int(np.argmax(p))), float(p.max()), p) for p in rows]


def test_a_drum_at_rest_named_unsurely_is_not_read_strictly() -> None:
    # A gas meter's last drum, a 0 at rest beside its scale of ticks: the classifier split
    # it 0.26 / 0.74 between 0 and 1, the geometry measured a whole digit at rest, and
    # 29702.860 was read 29702.861.
    sure = probabilities(d0=1.0)
    model = _Named([sure, sure, probabilities(d0=0.26, d1=0.74)])
    crops = [_drum((10, 50)), _drum((10, 50)), _drum((10, 50))]
    first = model.predict(crops)
    with pytest.raises(UnresolvableRoll, match=r"\(the last\) is named only 0\.74"):
        _measured_drums(model, crops, first)
