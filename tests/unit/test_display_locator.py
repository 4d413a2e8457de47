"""The display locator's answer as a box, and how the worker uses it with no ROI drawn:
the sequence reader reads where it points, and the locator alone never makes a reading."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from services.ocr_worker.display_locator import (
    GRID,
    INPUT_HEIGHT,
    INPUT_WIDTH,
    PAD,
    frame_input,
    glass_box,
)
from services.ocr_worker.geometry import Box
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.readers import Setup, _around, read_digits
from services.ocr_worker.sequence_reader import SequenceRead
from tests.unit.test_sequence_reader import Reads

ROWS, COLUMNS = INPUT_HEIGHT // GRID, INPUT_WIDTH // GRID


def logits(*blocks: tuple[int, int, int, int]) -> np.ndarray:
    """A grid sure of glass in each (row, column, rows, columns) block, of nothing elsewhere."""
    grid = np.full((ROWS, COLUMNS), -8.0, np.float32)
    for row, column, rows, columns in blocks:
        grid[row : row + rows, column : column + columns] = 8.0
    return grid


def test_the_glass_is_the_largest_region_padded_in_frame_pixels() -> None:
    box = glass_box(logits((10, 8, 6, 20), (2, 2, 2, 2)), (480, 640, 3))
    assert box is not None
    x, y, w, h = box
    cell = 640 / COLUMNS  # 16 frame pixels per grid cell
    assert x == pytest.approx(8 * cell - PAD * 20 * cell, abs=cell / 2)
    assert w == pytest.approx(20 * cell * (1 + 2 * PAD), abs=cell)
    assert h == pytest.approx(6 * cell * (1 + 2 * PAD), abs=cell)
    assert y == pytest.approx(10 * cell - PAD * 6 * cell, abs=cell / 2)


@pytest.mark.parametrize("grid", [logits(), logits((0, 0, 1, 1))])
def test_no_glass_or_a_speck_is_no_display(grid: np.ndarray) -> None:
    assert glass_box(grid, (480, 640, 3)) is None


def test_a_frame_becomes_the_networks_input() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, 320:] = 255
    seen = frame_input(frame)
    assert seen.shape == (3, INPUT_HEIGHT, INPUT_WIDTH) and seen.dtype == np.float32
    assert seen[:, :, 0].max() == -1.0 and seen[:, :, -1].min() == 1.0


class Finds:
    """A locator that points where it is told (the network is not under test)."""

    def __init__(self, box: Box | None) -> None:
        self.box = box

    def find_turned(self, frame: np.ndarray, rotation_deg: float = 0.0) -> tuple[Box, float] | None:
        return None if self.box is None else (self.box, rotation_deg)


def blank_frame_setup(sequence: Reads | None, locator: Finds | None) -> tuple[np.ndarray, Setup]:
    from services.core.config.devices import OcrConfig

    frame = np.full((480, 640, 3), 200, np.uint8)  # nothing the segment reader could find
    ocr = OcrConfig(display="lcd7", digits=4, decimals=2, quantity="token_balance_kwh")
    return frame, Setup(ocr, None, [], None, sequence, locator)  # type: ignore[arg-type]


def test_with_no_roi_the_sequence_reader_reads_where_the_locator_points() -> None:
    frame, setup = blank_frame_setup(Reads("5.20"), Finds((100, 100, 300, 80)))
    read = read_digits(frame, setup, lambda _: None)
    assert (read.value, read.method, read.display) == (
        5.2,
        "found display, sequence reader",
        (100, 100, 300, 80),
    )


class ReadsWholeFrame(Reads):
    """Torn on any window smaller than the frame: a photo cropped to its display, where
    the locator finds only part of the glass."""

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        read = super().read(window)
        if window.shape[:2] != (480, 640):
            return SequenceRead(read.text, read.confidences, read.columns, "1" + read.text)
        return read


@pytest.mark.parametrize(
    ("sequence", "locator"),
    [
        (Reads("5.20"), Finds(None)),  # no glass found: a photo of the display alone?
        (ReadsWholeFrame("5.20"), Finds((100, 100, 300, 80))),  # torn on the part found
    ],
)
def test_where_no_found_glass_reads_the_whole_frame_is_read_as_the_display(
    sequence: Reads, locator: Finds
) -> None:
    frame, setup = blank_frame_setup(sequence, locator)
    read = read_digits(frame, setup, lambda _: None)
    assert (read.value, read.method, read.display) == (
        5.2,
        "whole frame as the display, sequence reader",
        (0, 0, 640, 480),
    )


@pytest.mark.parametrize(
    ("sequence", "locator"),
    [
        (None, Finds((100, 100, 300, 80))),
        (Reads("5.2"), Finds((1, 1, 9, 9))),
        (Reads("5.2"), Finds(None)),
    ],
)
def test_without_a_fitting_reading_the_frame_is_refused(
    sequence: Reads | None, locator: Finds
) -> None:
    frame, setup = blank_frame_setup(sequence, locator)
    with pytest.raises(UnreadableDisplay):
        read_digits(frame, setup, lambda _: None)


def test_training_frames_mark_the_glass_and_are_the_same_drawn_in_two_processes() -> None:
    from services.ocr_training.locator_frames import make_frames

    sources = {"polygons": 4, "simulator": 4}
    inputs, targets = make_frames(sources, seed=5, jobs=1)
    again, again_targets = make_frames(sources, seed=5, jobs=2)
    assert inputs.shape == (8, 3, INPUT_HEIGHT, INPUT_WIDTH) and targets.shape == (8, ROWS, COLUMNS)
    assert np.array_equal(inputs, again) and np.array_equal(targets, again_targets)
    glass = targets.astype(np.float32).sum(axis=(1, 2))
    assert (glass > 4).all()  # every frame has a display of some cells
    assert (glass < 0.9 * ROWS * COLUMNS).all()  # and it never fills the frame


def _overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.mark.parametrize("text", ["127.03", "5.20"])
def test_the_shipped_locator_finds_the_simulators_display(text: str) -> None:
    from services.core.config.simulator import FrameEffects
    from services.ocr_training.display_strips import SIMULATOR_LCD_GLASS
    from services.ocr_worker.display_locator import shipped_locator
    from services.simulator.lcd import render_lcd_frame

    locator = shipped_locator()
    assert locator is not None, "models/display_locator.onnx is not in the package"
    frame = render_lcd_frame(text, 6, FrameEffects(), np.random.default_rng(3))
    found = locator.find_turned(frame)
    assert found is not None and found[1] == 0.0  # level: read in its upright box
    assert _overlap(found[0], SIMULATOR_LCD_GLASS) > 0.5


def test_the_shipped_locator_finds_nothing_on_a_bare_wall() -> None:
    from services.ocr_worker.display_locator import shipped_locator

    locator = shipped_locator()
    assert locator is not None
    wall = np.random.default_rng(0).normal(128, 6, (480, 640, 3)).clip(0, 255).astype(np.uint8)
    assert locator.find_turned(wall) is None


def test_the_shipped_locator_never_saw_the_renderer_it_was_scored_on() -> None:
    from services.ocr_worker.display_locator import shipped_locator

    locator = shipped_locator()
    assert locator is not None
    meta = locator.meta
    held_out = meta["held_out"]
    assert isinstance(held_out, dict) and held_out["renderer"] not in meta["sources"]  # type: ignore[operator]
    assert held_out["found"] > held_out["frames"] / 2  # type: ignore[operator]


class Counts(Finds):
    """A locator that counts how often it is asked."""

    def __init__(self, box: Box | None) -> None:
        super().__init__(box)
        self.asked = 0

    def find_turned(self, frame: np.ndarray, rotation_deg: float = 0.0) -> tuple[Box, float] | None:
        self.asked += 1
        return super().find_turned(frame, rotation_deg)


def simulator_frame_setup(sequence: Reads, locator: Counts) -> tuple[np.ndarray, Setup]:
    from services.core.config.devices import OcrConfig
    from services.core.config.simulator import FrameEffects
    from services.simulator.lcd import render_lcd_frame

    frame = render_lcd_frame("127.03", 6, FrameEffects(), np.random.default_rng(3))
    ocr = OcrConfig(display="lcd7", digits=6, decimals=2, quantity="token_balance_kwh")
    return frame, Setup(ocr, None, [], None, sequence, locator)  # type: ignore[arg-type]


class Sees(Reads):
    """A sequence reader that remembers the size of each window it was given."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.seen: list[tuple[int, int]] = []

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        self.seen.append(window.shape[:2])
        return super().read(window)


def test_a_display_the_geometry_reads_is_checked_around_its_digits_not_looked_for_again() -> None:
    sequence, locator = Sees("127.03"), Counts((0, 0, 640, 480))
    frame, setup = simulator_frame_setup(sequence, locator)
    read = read_digits(frame, setup, lambda _: None)
    assert read.value == 127.03 and locator.asked == 0
    *_, w, h = _around(read.boxes)
    assert len(read.boxes) == 5  # "127.03" on six positions: one blank leading cell
    height, width = sequence.seen[0]
    assert height == h and width == pytest.approx(w + 2 * w / 5, abs=2)  # a pitch each side


def test_a_display_the_geometry_finds_is_cross_checked_by_the_sequence_reader() -> None:
    frame, setup = simulator_frame_setup(Reads("121.03"), Counts(None))
    with pytest.raises(UnreadableDisplay, match=r"the segments read 127\.03, the sequence reader"):
        read_digits(frame, setup, lambda _: None)


class ReadsSmall(Reads):
    """A sequence reader sure only of windows narrower than ``widest``."""

    def __init__(self, text: str, widest: int) -> None:
        super().__init__(text)
        self.widest = widest

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        self.confidence = 0.99 if window.shape[1] < self.widest else 0.3
        return super().read(window)


def loose_roi_setup(found: Box | None) -> tuple[np.ndarray, Setup]:
    from services.core.config.devices import OcrConfig

    frame = np.full((480, 640, 3), 200, np.uint8)  # nothing the segment reader could find
    ocr = OcrConfig(display="lcd7", digits=4, decimals=2, quantity="token_balance_kwh")
    roi = (40, 60, 560, 360)  # the meter's whole face, drawn loosely
    return frame, Setup(ocr, roi, [], None, ReadsSmall("5.20", 400), Finds(found))  # type: ignore[arg-type]


def test_a_loose_display_roi_is_narrowed_to_the_glass_the_locator_finds_inside_it() -> None:
    frame, setup = loose_roi_setup((100, 120, 300, 90))  # in the ROI's own pixels
    read = read_digits(frame, setup, lambda _: None)
    assert (read.value, read.method) == (5.2, "display found inside the ROI, sequence reader")
    assert read.display == (140, 180, 300, 90)  # back in frame pixels


@pytest.mark.parametrize("found", [None, (10, 10, 540, 340)])  # nothing, or the ROI itself
def test_a_roi_with_no_smaller_glass_inside_is_refused_as_before(found: Box | None) -> None:
    frame, setup = loose_roi_setup(found)
    with pytest.raises(UnreadableDisplay, match="sequence reader"):
        read_digits(frame, setup, lambda _: None)


def test_a_glass_found_inside_a_turned_roi_is_read_at_its_own_size() -> None:
    """With the camera's turn set (20°), the glass found in the ROI's upright view is read
    as found there, not as the larger upright box round it in the frame."""
    frame, setup = loose_roi_setup((100, 120, 300, 90))
    seen: list[tuple[int, int]] = []
    reader = setup.sequence
    assert isinstance(reader, ReadsSmall)
    original = reader.read

    def read(window: np.ndarray, digits: int | None = None) -> SequenceRead:
        seen.append(window.shape[:2])
        return original(window, digits)

    reader.read = read  # type: ignore[method-assign]
    turned = replace(setup, ocr=setup.ocr.model_copy(update={"rotation_deg": 20.0}))
    read_digits(frame, turned, lambda _: None)
    assert seen[-1] == pytest.approx((90, 300), abs=2)
