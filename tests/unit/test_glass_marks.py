"""Units, annunciators and half digits inside the glass of training windows."""

from __future__ import annotations

import numpy as np
import pytest

from services.ocr_training import display_frames
from services.ocr_training.display_frames import CELL_DRAWERS, display_frame
from services.ocr_training.display_strips import make_strips
from services.ocr_training.glass_marks import with_half_digit, with_marks


def _digits(renderer: str, chars: str | list[str], seed: int = 0):
    return CELL_DRAWERS[renderer](list(chars), None, np.random.default_rng(seed))


def _ink(mask: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = (round(v) for v in box)
    return mask[y0:y1, x0:x1]


@pytest.mark.parametrize("renderer", ["polygons", "dseg", "dotmatrix"])
def test_marks_leave_every_digit_as_drawn_and_add_ink_beside_them(renderer: str) -> None:
    lit, ghost, cells = _digits(renderer, "3071")
    for seed in range(6):
        marked, _, moved = with_marks(lit, ghost, cells, np.random.default_rng(seed))
        for before, after in zip(cells, moved, strict=True):
            assert after[2] - after[0] == before[2] - before[0]
            assert np.array_equal(_ink(lit, before) > 0.5, _ink(marked, after) > 0.5)
        assert marked.shape[0] >= lit.shape[0] and marked.shape[1] >= lit.shape[1]
    grown = [with_marks(lit, ghost, cells, np.random.default_rng(s))[0].sum() for s in range(6)]
    assert max(grown) > lit.sum()  # some draws put a unit or an icon in the glass


def test_a_unit_sits_right_of_the_last_digit() -> None:
    lit, ghost, cells = _digits("polygons", "58")
    right_x = round(max(c[2] for c in cells))
    drew_unit = False
    for seed in range(8):
        marked, _, moved = with_marks(lit, ghost, cells, np.random.default_rng(seed))
        top, bottom = round(moved[0][1]), round(moved[0][3])
        drew_unit |= bool(marked[top:bottom, right_x + 1 :].max() > 0.5)
    assert drew_unit


@pytest.mark.parametrize("shows_one", [True, False])
def test_a_half_digit_keeps_only_the_columns_of_its_one(shows_one: bool) -> None:
    one, ghost, cells = _digits("polygons", "1234", seed=3)
    blank, _, _ = _digits("polygons", ["", *"234"], seed=3)
    lit, half_ghost, half_cells = with_half_digit(one, blank, ghost, cells, shows_one)
    assert lit.shape[1] < one.shape[1]  # the cell's empty left part is cut away
    assert bool(_ink(lit, half_cells[0]).max() > 0.5) == shows_one
    x0, y0, _, y1 = half_cells[0]
    own = (x0, y0, half_cells[1][0], y1)  # up to where the next digit begins
    assert bool(_ink(half_ghost, own).max() > 0.5) != shows_one  # a blank one's 1 is faint
    drawn = one if shows_one else blank
    for before, after in zip(cells[1:], half_cells[1:], strict=True):
        assert np.array_equal(_ink(drawn, before) > 0.5, _ink(lit, after) > 0.5)


def test_a_marked_frame_says_what_its_half_digit_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_frames, "HALF_DIGIT_SHARE", 1.0)
    seen = set()
    for seed in range(40):
        frame = display_frame("polygons", "lcd", np.random.default_rng(seed), marks=True)
        number = frame.shown.replace(".", "")
        assert len(number) == frame.digits
        assert frame.value == pytest.approx(float(frame.shown.replace(" ", "0")))
        if number[0] == "1" and number[1] != " ":
            seen.add("lit")
        if number[0] == " ":
            seen.add("blank")
        assert not (number[0] == "1" and number[1] == " ")  # lit only before a full display
    assert seen == {"lit", "blank"}


def test_frames_without_marks_are_drawn_as_before() -> None:
    plain = display_frame("dseg", "lcd", np.random.default_rng(4))
    again = display_frame("dseg", "lcd", np.random.default_rng(4), marks=False)
    assert plain.jpeg == again.jpeg and plain.shown == again.shown


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_training_windows_carry_marks_only_when_asked(share: float) -> None:
    plain, texts = make_strips({"polygons": 6}, seed=2)
    strips, marked_texts = make_strips({"polygons": 6}, seed=2, marked_share=share)
    assert np.array_equal(plain, strips) == (share == 0.0)
    assert share or marked_texts == texts  # the shipped recipe's windows stay as they were
