"""A blank LCD cell shows its unlit segments faintly: read alone it is an 8. With digit
boxes the digit models refuse instead of taking the ghost for a digit (a wrong reading is
worse than none), and the segments' geometry reads the boxes as a display; without
ghosts the blank cell reads as a suppressed leading zero."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from services.core.config.devices import OcrConfig
from services.ocr_training.display_frames import _polygon_cells
from services.ocr_worker.faint_cells import faint_cells
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.pipeline import FramePipeline, Rois
from services.ocr_worker.readers import Setup, _read_by_digit_models
from services.simulator.lcd import encode_jpeg


def _display(chars: list[str], ghost_share: float, seed: int) -> tuple[bytes, list]:
    """Dark segments on a light glass, the unlit ones at ``ghost_share`` of their ink."""
    lit, ghost, cells = _polygon_cells(chars, None, np.random.default_rng(seed))
    glass = 200 - 170 * np.maximum(lit, ghost * ghost_share)
    image = np.full((480, 640), 200, np.float32)
    image[100 : 100 + glass.shape[0], 50 : 50 + glass.shape[1]] = glass
    boxes = [(50 + round(x0), 100 + round(y0), round(x1 - x0), round(y1 - y0))
             for x0, y0, x1, y1 in cells]  # fmt: skip
    return encode_jpeg(cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_GRAY2BGR)), boxes


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("ghost_share", "value", "reason"), [
    (0.25, None, "digit 1 is faint beside the others, yet reads 8"),
    (0.0, 123.0, None),
])  # fmt: skip
def test_a_ghost_cell_in_digit_boxes_refuses_rather_than_reads_8(
    tmp_path: Path, seed: int, ghost_share: float, value: float | None, reason: str | None
) -> None:
    jpeg, boxes = _display(["", "1", "2", "3"], ghost_share, seed)
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=boxes)  # fmt: skip
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    setup = Setup(ocr, None, boxes, None)
    digit_models = FramePipeline(tmp_path, sequence=None).model_for
    try:
        read = _read_by_digit_models(frame, setup, digit_models, setup.digits[0])
    except UnreadableDisplay as refused:
        assert reason is not None and refused.reason.startswith(reason)
    else:
        assert (read.value, reason) == (value, None)


# Seeds 1 and 2 draw looks the geometry refuses too ("blank gap between digits").
@pytest.mark.parametrize(("seed", "value"), [(0, 123.0), (3, 123.0), (1, None), (2, None)])
def test_a_ghost_cell_the_digit_models_refuse_is_read_by_the_segments(
    tmp_path: Path, seed: int, value: float | None
) -> None:
    jpeg, boxes = _display(["", "1", "2", "3"], 0.25, seed)
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=boxes)  # fmt: skip
    outcome = FramePipeline(tmp_path, sequence=None).process("meter", jpeg, ocr, Rois(), None)
    if value is None:
        assert not outcome.accepted
        assert outcome.reason.startswith("digit 1 is ")  # the digit models' reason first,
        assert "; read as a display: as an LCD: " in outcome.reason  # then the segments'
    else:
        assert outcome.accepted, outcome.reason
        assert (outcome.read.value, outcome.read.method) == (value, "digit ROIs, segments")


def test_digits_the_segments_find_outside_their_marked_boxes_are_refused(tmp_path: Path) -> None:
    jpeg, boxes = _display(["", "1", "2", "3"], 0.25, seed=0)
    moved = [(x, y, w // 3, h) for x, y, w, h in boxes]  # the left third of each cell
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=moved)  # fmt: skip
    outcome = FramePipeline(tmp_path, sequence=None).process("meter", jpeg, ocr, Rois(), None)
    assert not outcome.accepted
    assert "read as a display: the segments found digit 2 outside its digit ROI" in outcome.reason


def test_a_ghost_cell_the_digit_models_refuse_is_read_whole_by_the_sequence_reader(
    tmp_path: Path,
) -> None:
    # Ghosts at 0.15 of the ink: the digit models still take the blank cell for a faint
    # 8. (At 0.25 the shipped graph reads the ghost decimal points as lit and refuses;
    # the segments then read the boxes, as above.)
    jpeg, boxes = _display(["", "1", "2", "3"], 0.15, seed=0)
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=boxes)  # fmt: skip
    outcome = FramePipeline(tmp_path).process("meter", jpeg, ocr, Rois(), None)
    assert outcome.accepted, outcome.reason
    assert (outcome.read.value, outcome.read.method) == (123.0, "digit ROIs, sequence reader")
    digit_models = FramePipeline(tmp_path, sequence=None).process("m", jpeg, ocr, Rois(), None)
    assert not digit_models.read or digit_models.read.method != "digit ROIs"


def test_a_thin_one_is_not_faint_but_a_ghost_is() -> None:
    cell = np.full((40, 24), 210, np.uint8)
    one, eight, ghost = cell.copy(), cell.copy(), cell.copy()
    one[4:36, 17:21] = 30  # two segments' worth of ink, full contrast
    eight[4:36, 3:21] = 30
    eight[8:17, 7:17] = eight[22:32, 7:17] = 210
    ghost[eight == 30] = 180  # the same 8 at a sixth of the contrast
    assert faint_cells([one, eight, ghost]) == [2]
    assert faint_cells([ghost]) == []  # alone, nothing to compare with
