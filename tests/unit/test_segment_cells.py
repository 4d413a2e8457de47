"""The polygon renderer's cells: 7-segment by default, 14-segment (alphanumeric) where a
display style asks for it, so the display readers learn a middle bar drawn in two halves
and unlit diagonals between the bars."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from services.ocr_training.synth import _HD, SegmentStyle, draw_cell


def _fourteen(seed: int = 0) -> SegmentStyle:
    rng = np.random.default_rng(seed)
    style = SegmentStyle.random(rng, matrix_share=0.0, fourteen_share=1.0)
    return replace(style, slant=0.0, gap=0.03, thickness=0.1)


def _cell(style: SegmentStyle, char: str) -> tuple[np.ndarray, np.ndarray, float]:
    width = style.aspect * _HD
    lit, ghost = (np.zeros((_HD + 20, round(width) + 20), np.uint8) for _ in range(2))
    draw_cell(lit, ghost, char, 10, 10, width, style)
    return lit, ghost, width


def test_a_fourteen_segment_eight_lights_its_middle_bar_in_two_halves() -> None:
    lit, ghost, width = _cell(_fourteen(), "8")
    middle = lit[10 + _HD // 2, 10 : 10 + round(width)] > 127
    centre = round(width / 2)
    quarter = round(width / 4)
    assert middle[quarter : centre - 4].all() and middle[centre + 4 : -quarter].all()
    assert not middle[centre - 1 : centre + 2].any()  # the split between the halves
    # the centre strokes and diagonals are there, unlit
    assert (ghost[10 + _HD // 4, 10 + centre - 2 : 10 + centre + 3] > 127).any()
    assert not (lit[10 + _HD // 4, 10 + centre - 2 : 10 + centre + 3] > 127).any()


@pytest.mark.parametrize("digit", "0123456789")
def test_every_digit_lights_the_same_bars_in_either_layout(digit: str) -> None:
    seven = replace(_fourteen(), strokes=tuple("abcdefg"), variants=frozenset())
    fourteen = replace(_fourteen(), variants=frozenset())
    halves = {"g1", "g2"} & fourteen.segments(digit)
    assert fourteen.segments(digit) - {"g1", "g2"} == seven.segments(digit) - {"g"}
    assert bool(halves) == ("g" in seven.segments(digit)) and halves in (set(), {"g1", "g2"})


def test_a_slashed_zero_is_slashed_through_two_diagonals() -> None:
    style = replace(_fourteen(), variants=frozenset("0"))
    assert style.segments("0") == frozenset("abcdef") | {"j", "k"}
    plain = replace(style, variants=frozenset())
    (slashed, _, width), (unslashed, _, _) = _cell(style, "0"), _cell(plain, "0")
    t = style.thickness * _HD
    for u, v in ((0.73, 0.25), (0.27, 0.75)):  # the middles of the diagonals j and k
        x, y = round(10 + t / 2 + u * (width - t)), round(10 + t / 2 + v * (_HD - t))
        assert slashed[y, x] > 127 and unslashed[y, x] == 0


def test_digit_crops_draw_no_fourteen_segment_cells_unless_asked() -> None:
    rng = np.random.default_rng(1)
    assert not any(SegmentStyle.random(rng).fourteen for _ in range(300))
    asked = [SegmentStyle.random(rng, 0.0, 0.5).fourteen for _ in range(300)]
    assert 100 < sum(asked) < 200
