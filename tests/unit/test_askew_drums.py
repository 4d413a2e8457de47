"""A drum counter on a meter hung askew, marked by the upright box round its row: the
row is levelled before its drums are read (a slant's drift across the window otherwise
reads as drums turning, a digit ahead)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from services.bench.ocr_frames import device_settings, make_frames, read_all
from services.ocr_worker.geometry import crop
from services.ocr_worker.level import residual_turn


@pytest.fixture(scope="module")
def askew_frames(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Path]:
    data = tmp_path_factory.mktemp("askew")
    frames = make_frames(40, seed=3, settings=device_settings(data), drum_tilt=7.0)
    return [f for f in frames if f.kind == "drum" and not f.implausible], data


def test_drum_rows_askew_in_upright_boxes_are_read_right(askew_frames: tuple[list, Path]) -> None:
    frames, data = askew_frames
    assert len(frames) >= 10
    tallies, *_ = read_all(frames, data / "data")
    drum = tallies["drum"]
    assert (drum.correct, drum.misread) == (drum.frames, 0)


def test_an_askew_frame_is_marked_by_the_upright_box_round_its_turned_row(
    tmp_path: Path,
) -> None:
    settings = device_settings(tmp_path)
    level = settings["drum"].display_roi
    assert level is not None
    frames = make_frames(30, seed=4, settings=settings, drum_tilt=7.0)
    boxes = [f.ocr.display_roi for f in frames if f.kind == "drum"]
    assert all(f.ocr.alignment is None for f in frames if f.kind == "drum")
    # An upright box round a turned row is taller than the row by the rise of the slant.
    assert all(box[3] > level[3] for box in boxes)
    assert max(box[3] for box in boxes) > level[3] + 20


def test_frames_without_tilt_are_made_as_before(tmp_path: Path) -> None:
    settings = device_settings(tmp_path)
    plain = make_frames(12, seed=5, settings=settings)
    again = make_frames(12, seed=5, settings=settings, drum_tilt=0.0)
    assert [f.jpeg for f in plain] == [f.jpeg for f in again]
    assert all(f.ocr == settings[f.kind] for f in plain)


def _stripes(turn_deg: float) -> np.ndarray:
    """Level bars of a row of digits, turned ``turn_deg`` counter-clockwise."""
    image = np.full((120, 400), 200, np.uint8)
    for top in (30, 55, 80):
        image[top : top + 8, 40:360] = 30
    centre = (200, 60)
    return cv2.warpAffine(
        image, cv2.getRotationMatrix2D(centre, turn_deg, 1.0), (400, 120),
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


def test_the_levelling_turn_is_searched_within_the_bound_asked() -> None:
    view = _stripes(8.0)
    assert abs(residual_turn(view)) <= 6.0
    assert residual_turn(view, within_deg=10.0) == pytest.approx(-8.0, abs=1.0)
    level = crop(view, (0, 0, 400, 120), residual_turn(view, within_deg=10.0)).image
    assert residual_turn(level) == pytest.approx(0.0, abs=1.0)
