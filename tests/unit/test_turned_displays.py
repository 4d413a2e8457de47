"""A display lying askew in a frame with no ROI (a phone held at an angle): the locator's
glass as a turned rectangle, levelled by its own edges, and read turned upright."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.core.config.devices import OcrConfig
from services.ocr_training.display_frames import display_frame
from services.ocr_worker import display_locator
from services.ocr_worker.display_locator import (
    GRID,
    INPUT_HEIGHT,
    INPUT_WIDTH,
    box_about,
    glass_box,
    shipped_locator,
    turned_glass,
)
from services.ocr_worker.geometry import crop
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.level import residual_turn
from services.ocr_worker.readers import DigitsRead, Setup, read_digits
from services.ocr_worker.sequence_reader import shipped_reader
from tests.font_helpers import needs_fonts

ROWS, COLUMNS = INPUT_HEIGHT // GRID, INPUT_WIDTH // GRID
FRAME = (480, 640, 3)


def turned_logits(along: float, across: float, direction_deg: float) -> np.ndarray:
    """A grid sure of glass in a rectangle (grid cells) whose length points along
    ``direction_deg`` in the frame (y down), centred in the grid."""
    mask = np.zeros((ROWS, COLUMNS), np.uint8)
    rect = ((COLUMNS / 2, ROWS / 2), (along, across), direction_deg)
    cv2.fillPoly(mask, [np.round(cv2.boxPoints(rect)).astype(np.int32)], 1)
    return np.where(mask > 0, 8.0, -8.0).astype(np.float32)


@pytest.mark.parametrize("direction", [-20.0, 14.0, 25.0])
def test_a_turned_glass_is_read_at_its_own_turn(direction: float) -> None:
    found = turned_glass(turned_logits(26, 7, direction), FRAME)
    assert found is not None
    (x, y, w, h), turn = found
    assert turn == pytest.approx(direction, abs=3.0)
    assert w > 3 * h  # along its length, not across
    assert (x + w / 2, y + h / 2) == pytest.approx((320, 240), abs=GRID * 4)


def test_a_glass_turned_a_little_is_read_upright_in_its_box_as_before() -> None:
    logits = turned_logits(26, 7, 2.0)
    assert turned_glass(logits, FRAME) == (glass_box(logits, FRAME), 0.0)


def test_a_camera_on_its_side_reads_a_standing_glass_at_the_set_quarter_turn() -> None:
    logits = turned_logits(26, 7, 91.0)
    assert turned_glass(logits, FRAME, rotation_deg=90.0) == (glass_box(logits, FRAME), 90.0)
    found = turned_glass(turned_logits(26, 7, 110.0), FRAME, rotation_deg=90.0)
    assert found is not None and found[1] == pytest.approx(110.0, abs=3.0)


def test_a_box_about_a_centre_keeps_the_frames_way_round() -> None:
    assert box_about((100.0, 50.0), (80.0, 20.0), 10.0) == (60, 40, 80, 20)
    assert box_about((100.0, 50.0), (80.0, 20.0), 90.0) == (90, 10, 20, 80)
    frame = np.zeros((200, 200), np.uint8)
    assert crop(frame, box_about((100.0, 50.0), (80.0, 20.0), 90.0), 90.0).image.shape == (20, 80)


@pytest.mark.parametrize("turn", [-5.0, -2.0, 3.0, 5.5])
def test_the_residual_turn_levels_rows_of_segments(turn: float) -> None:
    level = np.full((60, 240), 220, np.uint8)
    for x in range(20, 220, 40):  # a row of 8s: three bars and four uprights each
        for y in (10, 28, 46):
            cv2.rectangle(level, (x, y), (x + 24, y + 4), 30, -1)
        for y in (10, 28):
            cv2.rectangle(level, (x, y), (x + 4, y + 22), 30, -1)
            cv2.rectangle(level, (x + 20, y), (x + 24, y + 22), 30, -1)
    turned = cv2.warpAffine(level, cv2.getRotationMatrix2D((119.5, 29.5), turn, 1.0), (240, 60),
                            borderValue=220)  # fmt: skip
    assert residual_turn(turned) == pytest.approx(-turn, abs=0.6)
    assert residual_turn(cv2.cvtColor(level, cv2.COLOR_GRAY2BGR)) == 0.0


def _read_turned(
    seed: int, style: str, monkeypatch: pytest.MonkeyPatch, as_before: bool, marked: bool = False
) -> tuple[float, DigitsRead]:
    """A held-out-font display turned by up to 25° (seeded), read by the shipped models
    with nothing marked, or (``marked``) the upright box round it marked with no turn
    set; ``as_before``: the locator's glass taken upright, as before."""
    from pathlib import Path

    from services.bench.ocr_frames import models_in
    from services.ocr_worker.classifier import MODELS_DIR

    if as_before:
        monkeypatch.setattr(display_locator, "UPRIGHT_WITHIN_DEG", 360.0)
    shown = display_frame("dseg", style, np.random.default_rng(seed), turn_deg=25.0)
    assert shown.glass is not None and abs(shown.glass.upright_deg) > 15
    frame = cv2.imdecode(np.frombuffer(shown.jpeg, np.uint8), cv2.IMREAD_COLOR)
    display = shown.display if marked else None
    ocr = OcrConfig(display="lcd7", digits=shown.digits, decimals=shown.decimals,
                    quantity="energy_import_kwh", display_roi=display)  # fmt: skip
    setup = Setup(ocr, display, [], None, shipped_reader(), shipped_locator())
    return shown.value, read_digits(frame, setup, models_in(Path(MODELS_DIR)))


@needs_fonts
@pytest.mark.parametrize(
    ("seed", "style", "method"),
    [
        (0, "lcd", "found display, sequence reader"),  # the geometry refuses it
        (3, "lcd", "found display"),  # the geometry reads it, confirmed turned
    ],
)
def test_a_display_lying_askew_is_read_turned_upright(
    seed: int, style: str, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    value, read = _read_turned(seed, style, monkeypatch, as_before=False)
    assert (read.value, read.method) == (value, method)
    with pytest.raises(UnreadableDisplay):  # read upright, it was refused
        _read_turned(seed, style, monkeypatch, as_before=True)


@needs_fonts
@pytest.mark.parametrize(
    ("seed", "style", "method"),
    [
        (0, "lcd", "display found inside the ROI, sequence reader"),  # both readers refuse
        (3, "lcd", "display ROI"),  # the geometry reads it, confirmed turned
    ],
)
def test_a_display_askew_in_a_roi_drawn_upright_round_it_is_read_turned_upright(
    seed: int, style: str, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    value, read = _read_turned(seed, style, monkeypatch, as_before=False, marked=True)
    assert (read.value, read.method) == (value, method)
    with pytest.raises(UnreadableDisplay):
        _read_turned(seed, style, monkeypatch, as_before=True, marked=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_frame_drawn_turned_says_how_its_glass_lies(seed: int) -> None:
    shown = display_frame("polygons", "lcd", np.random.default_rng(seed), turn_deg=25.0)
    assert shown.glass is not None
    (cx, cy), (w, h) = shown.glass.centre, shown.glass.size
    frame = cv2.imdecode(np.frombuffer(shown.jpeg, np.uint8), cv2.IMREAD_COLOR)
    marked = (round(cx - w / 2), round(cy - h / 2), round(w), round(h))
    view = crop(frame, marked, shown.glass.upright_deg).image
    assert residual_turn(view) == pytest.approx(0.0, abs=1.5)  # marked as it lies: level
    assert display_frame("polygons", "lcd", np.random.default_rng(seed)).glass is None


@needs_fonts
@pytest.mark.parametrize("seed", [103, 122])
def test_a_display_hung_a_little_askew_in_an_upright_roi_is_read_level(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turned by a few degrees, the locator finds the glass upright, so it is the marked
    display itself that the sequence reader reads, levelled by its own edges."""
    from pathlib import Path

    from services.bench.ocr_frames import models_in
    from services.ocr_worker import readers
    from services.ocr_worker.classifier import MODELS_DIR

    shown = display_frame("dseg", "lcd", np.random.default_rng(seed), turn_deg=7.0)
    frame = cv2.imdecode(np.frombuffer(shown.jpeg, np.uint8), cv2.IMREAD_COLOR)
    ocr = OcrConfig(display="lcd7", digits=shown.digits, decimals=shown.decimals,
                    quantity="energy_import_kwh", display_roi=shown.display)  # fmt: skip
    setup = Setup(ocr, shown.display, [], None, shipped_reader(), shipped_locator())
    read = read_digits(frame, setup, models_in(Path(MODELS_DIR)))
    assert (read.value, read.method) == (shown.value, "display ROI, sequence reader")
    monkeypatch.setattr(readers, "_read_level", lambda frame, setup, roi: setup)
    with pytest.raises(UnreadableDisplay):  # read as drawn, it was refused
        read_digits(frame, setup, models_in(Path(MODELS_DIR)))
