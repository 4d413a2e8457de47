"""A digit cell the segments' geometry reads stands taller than wide in its image: a cell
lying wider is clutter warped flat into a window, not a display."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from services.bench.ocr_frames import models_in
from services.bench.ocr_holdout import make_cases
from services.ocr_worker import lcd7
from services.ocr_worker.classifier import MODELS_DIR
from services.ocr_worker.display_locator import shipped_locator
from services.ocr_worker.readers import Setup, read_digits
from services.ocr_worker.sequence_reader import shipped_reader
from tests.font_helpers import needs_fonts


@needs_fonts
def test_a_slanted_line_is_no_lone_digit_of_a_display_with_nothing_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A held-out frame (the bench's seed 31): a LED showing 91 beside a slanted line,
    # which the geometry warped flat and read as a lone 1 (cell 62 x 23 px), and the
    # sequence reader, reading around that "digit", read 1 too.
    case = make_cases("dseg", 40, 31, tmp_path)[110]
    assert (case.style, case.value) == ("led", 91.0)
    frame = cv2.imdecode(np.frombuffer(case.jpeg, np.uint8), cv2.IMREAD_COLOR)
    setup = Setup(case.ocr, None, [], None, shipped_reader(), shipped_locator())
    model_for = models_in(Path(MODELS_DIR))
    read = read_digits(frame, setup, model_for)
    assert read.value == 91.0
    assert all(h > w for _, _, w, h in read.boxes)
    monkeypatch.setattr(lcd7, "_check_upright", lambda boxes: None)  # as before
    assert read_digits(frame, setup, model_for).value == 1.0
