"""Real drum counters whose drums sit apart at rest (``drum_play``): read where the play
is all there is, refused where play could hide a carry or a drum caught between digits.

The drums are the simulator's, each cell then moved up or down as a real drum's play
moves it; the shipped drum classifier names them.
"""

from __future__ import annotations

import numpy as np
import pytest

from services.core.config.devices import OcrConfig
from services.core.config.simulator import FrameEffects
from services.ocr_worker.classifier import DigitClassifier, DigitPrediction
from services.ocr_worker.drum_geometry import measure, recentred
from services.ocr_worker.drum_play import read_with_play
from services.ocr_worker.geometry import crop
from services.ocr_worker.pipeline import FramePipeline, Rois
from services.ocr_worker.rolling import UnresolvableRoll, drum_position
from services.simulator.drum import DrumLayout, render_drum_frame
from services.simulator.lcd import encode_jpeg

GLYPH_H = 42  # the simulator's digit height in pixels
LEAST = 0.6  # the default least confidence of a digit


@pytest.fixture(scope="module")
def drum_model() -> DigitClassifier:
    return DigitClassifier.load("drum")


def cells(value: float, drums: int, play: list[float], seed: int = 2) -> list[np.ndarray]:
    """The counter at ``value`` (in last-drum steps), drum ``i`` moved down by
    ``play[i]`` of a digit's height."""
    rng = np.random.default_rng(seed)
    frame = render_drum_frame(value, drums, FrameEffects(blur=0.6, noise=3), rng)
    layout = DrumLayout(drums)
    out = []
    for index, moved in enumerate(play):
        cell = crop(frame, layout.drum_box(index)).image
        out.append(recentred(cell, moved * GLYPH_H) if moved else cell)
    return out


def test_drums_with_play_are_refused_strictly_and_read_allowing_for_it(drum_model) -> None:
    images = cells(4726135, 7, [0.0, 0.15, -0.1, 0.12, -0.05, 0.16, 0.0])
    positions = [drum_position(p.probabilities) for p in drum_model.predict(images)]
    with pytest.raises(UnresolvableRoll, match="look at rest, yet sit"):
        measure(images, positions)
    read = read_with_play(images, drum_model.predict, LEAST)
    assert read.digits == "4726135"
    assert len(read.confidences) == 7 and min(read.confidences) >= LEAST


def counter_with_play(window: tuple[int, int, int, int] | None = None) -> tuple[bytes, OcrConfig]:
    """A 7-drum counter at 472613.5 whose drums sit apart, as a frame and its settings;
    ``window``: the box marked round its drums (default: the window as drawn)."""
    layout = DrumLayout(7)
    frame = render_drum_frame(4726135, 7, FrameEffects(blur=0.6, noise=3), np.random.default_rng(1))
    for index, moved in enumerate([0.0, 0.15, -0.1, 0.12, -0.05, 0.16, 0.0]):
        x, y, w, h = layout.drum_box(index)
        frame[y : y + h, x : x + w] = recentred(frame[y : y + h, x : x + w], moved * GLYPH_H)
    ocr = OcrConfig(display="drum", digits=7, decimals=1, quantity="energy_import_kwh",
                    display_roi=window or layout.window)  # fmt: skip
    return encode_jpeg(frame), ocr


def test_the_worker_reads_a_counter_with_play_in_its_window(tmp_path) -> None:
    jpeg, ocr = counter_with_play()
    outcome = FramePipeline(tmp_path).process("ferraris", jpeg, ocr, Rois(), None)
    assert outcome.accepted and outcome.read is not None, outcome.reason
    assert outcome.read.value == 472613.5


def test_the_last_drum_between_two_digits_reads_the_one_leaving(drum_model) -> None:
    images = cells(472613.55, 7, [0.0, 0.12, -0.1, 0.0, 0.1, 0.0, 0.0])
    assert read_with_play(images, drum_model.predict, LEAST).digits == "0472613"


def test_a_drum_beyond_play_is_refused(drum_model) -> None:
    images = cells(4726135, 7, [0.0, 0.0, 0.45, 0.0, 0.1, 0.0, 0.0])
    with pytest.raises(
        UnresolvableRoll, match=r"digit 3 sits \+0\.\d\d of a digit from the others"
    ):
        read_with_play(images, drum_model.predict, LEAST)


def test_a_last_drum_short_of_its_place_by_more_than_a_snap_is_refused(drum_model) -> None:
    # 0.82 of the way from 4 to 5 with 5 in view: 4 or 5, depending on where rest is.
    images = cells(472614.82, 7, [0.0, 0.1, 0.0, -0.1, 0.0, 0.0, 0.0])
    with pytest.raises(UnresolvableRoll, match=r"last drum's 5 sits .* below its place"):
        read_with_play(images, drum_model.predict, LEAST)


def test_a_carry_through_most_drums_is_not_taken_for_play(drum_model) -> None:
    # 45999.88: the four right drums stand 0.88 of the way on, near 6000 at rest; they
    # outnumber the drums at rest, so measured against all of them they look at rest
    # and would read 0046000 where the meter shows 0045999.
    images = cells(45999.88, 7, [0.0] * 7, seed=4)
    with pytest.raises(UnresolvableRoll, match="a carry from the last drum may be under way"):
        read_with_play(images, drum_model.predict, LEAST)


def test_a_last_drum_leaving_9_is_refused_as_a_carry(drum_model) -> None:
    images = cells(472619.15, 7, [0.0, 0.1, 0.0, -0.1, 0.0, 0.0, 0.0])
    with pytest.raises(UnresolvableRoll, match="turning from 9 to 0"):
        read_with_play(images, drum_model.predict, LEAST)


def test_looks_that_disagree_refuse_the_reading() -> None:
    def fickle(looks: list[np.ndarray]) -> list[DigitPrediction]:
        """Names each drum's tight window 8 and its looser one 3."""
        return [_named(str(3 if i % 2 else 8)) for i in range(len(looks))]

    images = cells(4726135, 7, [0.0] * 7)
    with pytest.raises(UnresolvableRoll, match="digit 1 reads 8 in a tight window, 3 in a looser"):
        read_with_play(images, fickle, LEAST)


def test_a_still_drum_named_unsurely_refuses_the_reading() -> None:
    # A gas meter's 7 with a glint beside it was named 6 at 0.69 in both windows and read
    # as 05612.852 for 05712.852: a still drum's digit, whole once moved to rest, must be
    # named more surely than the least a digit may have.
    def glinting(looks: list[np.ndarray]) -> list[DigitPrediction]:
        """Names the third drum 6 at 0.69, every other drum surely."""
        return [_named("6", 0.69) if i // 2 == 2 else _named("4") for i in range(len(looks))]

    images = cells(4726135, 7, [0.0, 0.15, -0.1, 0.12, -0.05, 0.16, 0.0])
    with pytest.raises(UnresolvableRoll, match=r"digit 3 is unclear on its own \(confidence 0.69"):
        read_with_play(images, glinting, LEAST)


def test_the_last_drum_keeps_the_least_confidence_of_a_digit() -> None:
    # The last drum turns all the time; a digit partly rolled is named less surely, and its
    # pair is checked apart (``_last_digit``).
    def last_unsure(looks: list[np.ndarray]) -> list[DigitPrediction]:
        last = len(looks) // 2 - 1
        return [_named("4", 0.69 if i // 2 == last else 0.91) for i in range(len(looks))]

    images = cells(4726134, 7, [0.0, 0.15, -0.1, 0.12, -0.05, 0.16, 0.0])
    assert read_with_play(images, last_unsure, LEAST).digits == "4444444"


def _named(digit: str, confidence: float = 0.91) -> DigitPrediction:
    probabilities = np.full(10, (1 - confidence) / 9)
    probabilities[int(digit)] = confidence
    return DigitPrediction(digit, confidence, probabilities)


def test_a_window_marked_tight_is_read_with_the_digits_it_cuts_seen_whole(tmp_path) -> None:
    # The same counter, its window marked round the digits themselves: the box cuts each
    # digit its drum's play moves, and fewer than two drums showed a whole digit to
    # measure the others by.
    x, y, w, h = DrumLayout(7).window
    jpeg, ocr = counter_with_play((x, y + (h - GLYPH_H) // 2, w, GLYPH_H))
    outcome = FramePipeline(tmp_path).process("ferraris", jpeg, ocr, Rois(), None)
    assert outcome.accepted and outcome.read is not None, outcome.reason
    assert outcome.read.value == 472613.5
