"""Second looks at the sequence reader's unsure characters: a digit confirmed by the
segments in the cell the sequence reader placed it in, a point by the display's layout."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from services.ocr_worker import readers
from services.ocr_worker.confirmations import confirmed_characters
from services.ocr_worker.lcd7 import UnreadableDisplay, digits_in_cells
from services.ocr_worker.readers import Setup, read_digits
from services.ocr_worker.sequence_reader import (
    STEPS,
    SequenceRead,
    fitted,
    shipped_reader,
)

ROI = (110, 47, 420, 190)  # the simulator's display, as marked


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    from services.core.config.simulator import FrameEffects
    from services.simulator.lcd import render_lcd_frame

    return render_lcd_frame("127.03", 6, FrameEffects(), np.random.default_rng(0))


@pytest.fixture(scope="module")
def window(frame: np.ndarray) -> np.ndarray:
    x, y, w, h = ROI
    return frame[y : y + h, x : x + w]


@pytest.fixture(scope="module")
def sure_read(window: np.ndarray) -> SequenceRead:
    """The shipped reader's read: where it places each character is what is under test."""
    reader = shipped_reader()
    assert reader is not None
    read = reader.read(window)
    assert read.text == "127.03" and read.other_read is None
    return read


def unsure(read: SequenceRead, index: int, confidence: float = 0.7, text: str | None = None):
    confidences = list(read.confidences)
    confidences[index] = confidence
    return replace(read, text=text or read.text, confidences=confidences)


def centres(read: SequenceRead) -> list[float]:
    return [(x + 0.5) / STEPS for c, x in zip(read.text, read.columns, strict=True) if c != "."]


def test_the_segments_name_the_digit_in_each_placed_cell(window, sure_read) -> None:
    cells = digits_in_cells(window[..., 1], centres(sure_read))
    assert [char for char, _ in cells] == list("12703")
    assert min(clarity for _, clarity in cells) >= 0.5


def test_cells_not_where_the_digits_were_placed_are_no_answer(window, sure_read) -> None:
    placed = centres(sure_read)
    with pytest.raises(UnreadableDisplay, match="found 5 digits where 4 were placed"):
        digits_in_cells(window[..., 1], placed[1:])
    moved = [placed[0], placed[2], placed[2], placed[3], placed[4]]  # the 2 put in the 7's cell
    with pytest.raises(UnreadableDisplay, match="digit 2 was placed in another cell"):
        digits_in_cells(window[..., 1], moved)


def test_an_unsure_digit_its_cell_spells_is_confirmed(window, sure_read) -> None:
    read = unsure(sure_read, 2)
    confirmed = confirmed_characters(window, read, decimals=2, least=0.6)
    assert confirmed == {2}
    assert fitted(read, 6, 2, confirmed) == "012703"
    with pytest.raises(UnreadableDisplay, match=r"character 3 of '127\.03' is unclear"):
        fitted(read, 6, 2)


@pytest.mark.parametrize(
    ("read_as", "confidence", "why"),
    [
        ("121.03", 0.7, "its cell spells 7"),
        ("127.03", 0.5, "less sure than the least allowed"),
    ],
)
def test_an_unsure_digit_stays_unsure(window, sure_read, read_as, confidence, why) -> None:
    read = unsure(sure_read, 2, confidence, read_as)
    assert confirmed_characters(window, read, decimals=2, least=0.6) == frozenset(), why


def test_an_unsure_zero_is_never_confirmed_by_the_segments(window, sure_read) -> None:
    """Its cell spells 0, but so does a 14-segment 8 whose split middle bar blurred away."""
    read = unsure(sure_read, 4)  # the 0 of 127.03
    assert confirmed_characters(window, read, decimals=2, least=0.6) == frozenset()
    assert confirmed_characters(window, unsure(sure_read, 5), decimals=2, least=0.6) == {5}


def test_every_unsure_character_must_be_confirmed(window, sure_read) -> None:
    read = unsure(unsure(sure_read, 2), 0, text="727.03")  # the 1's cell spells 1
    assert confirmed_characters(window, read, decimals=2, least=0.6) == frozenset()


def test_torn_reads_are_not_settled(window, sure_read) -> None:
    read = replace(unsure(sure_read, 2), other_read="121.03")
    assert confirmed_characters(window, read, decimals=2, least=0.6) == frozenset()


@pytest.mark.parametrize(("decimals", "confirmed"), [(2, {3}), (1, set())])
@pytest.mark.parametrize("confidence", [0.7, 0.3])
def test_an_unsure_point_stands_only_where_the_layout_puts_it(
    window, sure_read, decimals, confirmed, confidence
) -> None:
    """However unsure: a point where the layout puts it changes nothing in the number."""
    read = unsure(sure_read, 3, confidence)  # the point
    assert confirmed_characters(window, read, decimals=decimals, least=0.6) == confirmed


def test_a_digit_under_the_floor_keeps_an_unsure_point_from_standing(window, sure_read) -> None:
    read = unsure(unsure(sure_read, 3, 0.3), 2, 0.5)  # the point, and the 7 under 0.6
    assert confirmed_characters(window, read, decimals=2, least=0.6) == frozenset()


class Reads:
    """A sequence reader that reads the shipped one's placement with one unsure digit."""

    def __init__(self, read: SequenceRead) -> None:
        self.read_ = read

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        return self.read_


@pytest.mark.parametrize(
    ("read_as", "value"), [("127.03", 127.03), ("121.03", None)], ids=["spelt", "not spelt"]
)
def test_the_worker_reads_a_confirmed_digit_where_the_segments_alone_refuse(
    frame, sure_read, monkeypatch: pytest.MonkeyPatch, read_as: str, value: float | None
) -> None:
    from services.core.config.devices import OcrConfig

    def refuse(frame: np.ndarray, setup: Setup) -> None:
        raise UnreadableDisplay("blank gap between digits 2 and 3")

    monkeypatch.setattr(readers, "_read_segments", refuse)
    ocr = OcrConfig(display="lcd7", digits=6, decimals=2, quantity="token_balance_kwh")
    setup = Setup(ocr, ROI, [], None, Reads(unsure(sure_read, 2, text=read_as)))  # type: ignore[arg-type]
    if value is None:
        with pytest.raises(UnreadableDisplay, match=r"character 3 of '121\.03' is unclear"):
            read_digits(frame, setup, lambda _: None)
        return
    read = read_digits(frame, setup, lambda _: None)
    assert read.value == value
    assert read.method == "display ROI, sequence reader, unsure characters confirmed"
