"""ROI rules: boxes big enough for a digit, digits in reading order and apart, inside the
frame; the same rules for the config, the web page and the worker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.core.config.devices import OcrConfig
from services.core.roi_rules import MIN_ROI_SIDE_PX, roi_problems

ROW = [(110 + 70 * i, 60, 60, 120) for i in range(6)]  # six digits, left to right


def test_usable_rois_have_no_problems():
    assert roi_problems((100, 50, 440, 140), ROW, digits_shown=6, frame=(640, 480)) == []
    assert roi_problems(None, [], frame=(640, 480)) == []
    touching = [(10 + 20 * i, 10, 22, 30) for i in range(6)]  # 2 px overlap: drum windows
    assert roi_problems(None, touching) == []


def test_boxes_too_small_for_a_digit_are_named():
    ones = [(10 * i, 0, 1, 1) for i in range(6)]
    problems = roi_problems((0, 0, 400, MIN_ROI_SIDE_PX - 1), ones)
    assert problems[0] == "display is 400x7 px, under the 8 px a digit needs"
    assert problems[1:7] == [
        f"digit {i} is 1x1 px, under the 8 px a digit needs" for i in range(1, 7)
    ]


def test_a_display_must_be_wide_enough_for_its_digits():
    assert roi_problems((0, 0, 40, 60), [], digits_shown=6) == [
        "display is 40 px across, under the 6 x 8 px its 6 digits need"
    ]
    assert roi_problems((0, 0, 40, 60), [], digits_shown=6, rotation_deg=90) == []


def test_digits_out_of_order_or_on_top_of_each_other_are_refused():
    swapped = [ROW[1], ROW[0], *ROW[2:]]
    assert roi_problems(None, swapped) == [
        "digit 2 is not after digit 1 (mark digits left to right as the display reads)"
    ]
    twice = [ROW[0], (ROW[0][0] + 10, *ROW[0][1:]), *ROW[2:]]
    assert roi_problems(None, twice) == ["digits 1 and 2 overlap by 83% (at most 25%)"]


def test_reading_order_follows_the_cameras_rotation():
    column = [(60, 110 + 70 * i, 120, 60) for i in range(6)]  # digits run downwards
    assert roi_problems(None, column, rotation_deg=90) == []
    assert "digit 2 is not after digit 1" in roi_problems(None, column)[0]
    assert roi_problems(None, list(reversed(ROW)), rotation_deg=180) == []


def test_bounds_and_count_are_checked_when_known():
    assert roi_problems((600, 400, 80, 50), ROW[:3], digits_shown=6, frame=(640, 480)) == [
        "the display shows 6 digits: mark one box per digit (3 given), or none",
        "display reach outside the 640×480 frame",
    ]
    assert roi_problems((600, 400, 80, 50), []) == []  # no frame known yet: on each frame


def test_the_config_refuses_rois_no_reader_could_use():
    with pytest.raises(ValidationError, match="digit 1 is 1x1 px"):
        OcrConfig(digits=6, decimals=2, digit_rois=[(10 * i, 0, 1, 1) for i in range(6)])
    with pytest.raises(ValidationError, match="6 digits: mark one box per digit"):
        OcrConfig(digits=6, decimals=2, digit_rois=ROW[:2])
    assert OcrConfig(digits=6, decimals=2, digit_rois=ROW).digit_rois == ROW
