"""Glowing LED rows: windows for the sequence reader where the locator finds no glass."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from services.core.sevenseg import SEGMENTS
from services.ocr_worker.geometry import Box
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.led_glow import glowing_rows
from services.ocr_worker.readers import Setup, read_digits
from services.ocr_worker.sequence_reader import SequenceRead
from tests.unit.test_display_locator import Finds
from tests.unit.test_sequence_reader import Reads

DIGIT_W, DIGIT_H, STROKE = 34, 60, 7
DISPLAY_AT = (700, 520)  # the module's digits' top left in a 1600×1200 frame
# Each segment's rectangle in a digit's box: x, y, width, height.
_BARS = {
    "a": (STROKE, 0, DIGIT_W - 2 * STROKE, STROKE),
    "b": (DIGIT_W - STROKE, STROKE, STROKE, DIGIT_H // 2 - STROKE),
    "c": (DIGIT_W - STROKE, DIGIT_H // 2, STROKE, DIGIT_H // 2 - STROKE),
    "d": (STROKE, DIGIT_H - STROKE, DIGIT_W - 2 * STROKE, STROKE),
    "e": (0, DIGIT_H // 2, STROKE, DIGIT_H // 2 - STROKE),
    "f": (0, STROKE, STROKE, DIGIT_H // 2 - STROKE),
    "g": (STROKE, DIGIT_H // 2 - STROKE // 2, DIGIT_W - 2 * STROKE, STROKE),
}


def kitchen_photo(text: str = "1234") -> tuple[np.ndarray, Box]:
    """A 1600×1200 photo: a light wall, a bright white label and an orange sticker (lit,
    but not glowing), and a dark LED module showing ``text`` in red; and the digits' box."""
    frame = np.full((1200, 1600, 3), (170, 180, 190), np.uint8)
    cv2.rectangle(frame, (150, 150), (450, 230), (255, 255, 255), -1)  # a white label
    cv2.putText(frame, "LED 1234", (170, 210), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (30, 30, 30), 4)
    cv2.rectangle(frame, (1100, 800), (1400, 880), (40, 140, 250), -1)  # an orange sticker
    x0, y0 = DISPLAY_AT
    pitch = DIGIT_W + 16
    cv2.rectangle(frame, (x0 - 30, y0 - 30), (x0 + pitch * len(text) + 14, y0 + DIGIT_H + 30),
                  (25, 20, 20), -1)  # fmt: skip
    for index, char in enumerate(text):
        left = x0 + index * pitch
        for segment in SEGMENTS[char]:
            x, y, w, h = _BARS[segment]
            cv2.rectangle(frame, (left + x, y0 + y), (left + x + w - 1, y0 + y + h - 1),
                          (60, 40, 255), -1)  # fmt: skip
            cv2.rectangle(frame, (left + x + 2, y0 + y + 2), (left + x + w - 3, y0 + y + h - 3),
                          (220, 220, 255), -1)  # the segment's white-hot core  # fmt: skip
    frame = cv2.GaussianBlur(frame, (5, 5), 0)
    return frame, (x0, y0, pitch * len(text) - 16, DIGIT_H)


def _contains(outer: Box, inner: Box) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[0] + outer[2] >= inner[0] + inner[2]
        and outer[1] + outer[3] >= inner[1] + inner[3]
    )


def test_the_glowing_digits_are_found_and_nothing_lit_that_does_not_glow() -> None:
    frame, digits = kitchen_photo()
    rows = glowing_rows(frame)
    assert len(rows) == 1
    assert _contains(rows[0], digits)
    assert rows[0][2] < 2 * digits[2]  # the row, not the module's surroundings


@pytest.mark.parametrize(
    "frame",
    [
        np.full((480, 640, 3), 128, np.uint8),  # nothing at all
        cv2.cvtColor(kitchen_photo()[0], cv2.COLOR_BGR2GRAY),  # no colour: glow or a label?
    ],
)
def test_no_glowing_row_where_nothing_glows_in_colour(frame: np.ndarray) -> None:
    assert glowing_rows(frame) == []


def test_a_single_lit_digit_is_no_row() -> None:
    frame, _ = kitchen_photo("8")
    assert glowing_rows(frame) == []


class ReadsWhere(Reads):
    """Reads ``text`` only on a window ``reads`` accepts; torn on any other."""

    def __init__(self, text: str, reads: Callable[[np.ndarray], bool]) -> None:
        super().__init__(text)
        self.reads = reads

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        read = super().read(window)
        if not self.reads(window):
            return SequenceRead(read.text, read.confidences, read.columns, "1" + read.text)
        return read


def _inside_the_frame(window: np.ndarray) -> bool:
    return window.shape[:2] != (1200, 1600)


def _glowing_cores(window: np.ndarray) -> bool:
    """The digits' white-hot cores are in view (neither the white label nor the orange
    sticker is taken for them): where the window is cut matters."""
    blue, red = window[..., 0].astype(int), window[..., 2].astype(int)
    return int(((red >= 240) & (blue >= 180) & (red - blue >= 20)).sum()) >= 20


def _setup(reader: Reads, roi: Box | None = None, alignment: np.ndarray | None = None) -> Setup:
    from services.core.config.devices import OcrConfig

    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="token_balance_kwh")
    return Setup(ocr, roi, [], alignment, reader, Finds(None))  # type: ignore[arg-type]


def test_with_no_glass_found_the_glowing_row_is_read_before_the_whole_frame() -> None:
    frame, digits = kitchen_photo()
    read = read_digits(frame, _setup(ReadsWhere("1234", _inside_the_frame)), lambda _: None)
    assert (read.value, read.method) == (1234, "glowing LED row, sequence reader")
    assert _contains(read.display, digits)


def test_inside_a_loose_roi_the_glowing_row_is_read_after_the_roi_and_the_glass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.ocr_worker import readers

    def geometry_finds_nothing(frame: np.ndarray, setup: Setup) -> None:
        raise UnreadableDisplay("no LCD display found")  # the segments are not under test

    monkeypatch.setattr(readers, "_read_segments", geometry_finds_nothing)
    frame, digits = kitchen_photo()
    # Torn on any window wider than 400 px: the ROI is drawn round a whole appliance.
    reader = ReadsWhere("1234", lambda window: window.shape[1] <= 400)
    read = read_digits(frame, _setup(reader, roi=(500, 350, 700, 400)), lambda _: None)
    assert (read.value, read.method) == (1234, "glowing LED row inside the ROI, sequence reader")
    assert _contains(read.display, digits)


def test_a_glowing_row_is_cut_where_it_was_found_whatever_the_alignment() -> None:
    """Alignment marks move boxes drawn on the reference frame; a row found in this frame
    is in this frame's pixels already."""
    frame, digits = kitchen_photo()
    moved = np.array([[1.0, 0.0, 500.0], [0.0, 1.0, 300.0], [0.0, 0.0, 1.0]])
    reader = ReadsWhere("1234", lambda window: _inside_the_frame(window) and _glowing_cores(window))
    read = read_digits(frame, _setup(reader, alignment=moved), lambda _: None)
    assert (read.value, read.method) == (1234, "glowing LED row, sequence reader")
    assert _contains(read.display, digits)


def test_the_whole_frame_is_read_as_it_is_whatever_the_alignment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.ocr_worker import readers

    monkeypatch.setattr(readers, "glowing_rows", lambda frame: [])
    frame, _ = kitchen_photo()
    moved = np.array([[1.0, 0.0, 1000.0], [0.0, 1.0, 700.0], [0.0, 0.0, 1.0]])
    reader = ReadsWhere("1234", _glowing_cores)
    read = read_digits(frame, _setup(reader, alignment=moved), lambda _: None)
    assert (read.value, read.method) == (1234, "whole frame as the display, sequence reader")
