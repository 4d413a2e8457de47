"""The sequence reader's decoding and its refusals: a text that does not fit the display,
or one unclear character, is no reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.cli import main
from services.core import train_extra
from services.ocr_worker.confirmations import confirmed_characters
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.pipeline import Outcome
from services.ocr_worker.readers import Setup, read_digits
from services.ocr_worker.sequence_reader import (
    ALPHABET,
    STEPS,
    VIEWS,
    SequenceRead,
    agreed,
    agreed_strips,
    decode,
    fitted,
    shipped_reader,
    strip,
    views,
)


def columns(*chars: str, sure: float = 0.98) -> np.ndarray:
    """Log-probabilities for STEPS columns: each of ``chars`` ("" = blank) on one column."""
    classes = len(ALPHABET) + 1
    probs = np.full((STEPS, classes), (1 - sure) / (classes - 1))
    for column in range(STEPS):
        char = chars[column] if column < len(chars) else ""
        probs[column, ALPHABET.index(char) + 1 if char else 0] = sure
    return np.log(probs)


def test_repeats_merge_and_blanks_separate_twin_digits() -> None:
    read = decode(columns("", "1", "1", "", "1", "2", ".", "0", "3"))
    assert read.text == "112.03"
    assert read.columns == [1, 4, 5, 6, 7, 8]
    assert all(c == pytest.approx(0.98) for c in read.confidences)


@pytest.mark.parametrize(
    ("text", "digits", "decimals", "number"),
    [("127.03", 6, 2, "012703"), ("5", 4, 0, "0005"), ("0.5", 4, 1, "0005")],
)
def test_a_fitting_text_pads_blank_leading_cells(text, digits, decimals, number) -> None:
    read = SequenceRead(text, [0.99] * len(text), list(range(len(text))))
    assert fitted(read, digits, decimals) == number


@pytest.mark.parametrize(
    ("text", "digits", "decimals", "why"),
    [
        ("", 6, 2, "no digits"),
        ("12.7.03", 6, 2, "not one number"),
        ("127.3", 6, 2, "1 decimals, the display 2"),
        ("12703", 6, 2, "0 decimals, the display 2"),
        ("1234567", 6, 0, "7 digits, the display 6"),
    ],
)
def test_a_text_that_does_not_fit_the_display_is_refused(text, digits, decimals, why) -> None:
    read = SequenceRead(text, [0.99] * len(text), list(range(len(text))))
    with pytest.raises(UnreadableDisplay, match=why):
        fitted(read, digits, decimals)


def test_one_unclear_character_refuses_the_reading() -> None:
    read = SequenceRead("127.03", [0.99, 0.99, 0.62, 0.99, 0.99, 0.99], [1, 2, 3, 4, 5, 6])
    with pytest.raises(UnreadableDisplay, match=r"character 3 .* unclear"):
        fitted(read, 6, 2)


def test_views_that_read_differently_refuse_the_reading() -> None:
    sure = SequenceRead("127.03", [0.99] * 6, [1, 2, 3, 4, 5, 6])
    moved = SequenceRead("127.08", [0.99] * 6, [1, 2, 3, 4, 5, 6])
    with pytest.raises(UnreadableDisplay, match=r"'127.03' moved a little or read by another member is '127.08'"):
        fitted(agreed([sure, sure, moved, sure]), 6, 2)


def test_agreeing_views_keep_each_characters_least_sure_confidence() -> None:
    first = SequenceRead("42", [0.99, 0.95], [3, 6])
    second = SequenceRead("42", [0.93, 0.97], [4, 6])
    read = agreed([first, second])
    assert read.text == "42" and read.confidences == [0.93, 0.95] and read.other_read is None
    assert fitted(read, 4, 0) == "0042"


DARKENED = next(i for i, view in enumerate(VIEWS) if view.gamma != 1.0)


def _two_strips(second_member_views: dict[int, str]) -> list[SequenceRead]:
    """Two strips read by two members; the first strip's second member reads "1" then
    the given last digit in the given views, "12" in the others."""
    same = np.stack([columns("1", "", "2")] * len(VIEWS))
    other = same.copy()
    for view, digit in second_member_views.items():
        other[view] = columns("1", "", digit)
    log_probs = np.stack(
        [np.concatenate([same, same]), np.concatenate([other, same])]
    )  # members, strips × views, STEPS, classes
    return agreed_strips(log_probs, 2)


def test_a_darkened_view_that_reads_differently_refuses_only_its_strip() -> None:
    reads = _two_strips({DARKENED: "7"})
    assert [(r.text, r.other_read) for r in reads] == [("12", "17"), ("12", None)]


def test_one_plain_read_that_differs_is_outvoted() -> None:
    (first, _) = _two_strips({1: "7"})
    assert (first.text, first.other_read) == ("12", None)


def test_two_reads_that_differ_refuse_the_reading() -> None:
    (first, _) = _two_strips({1: "7", 2: "7"})
    assert (first.text, first.other_read) == ("12", "17")
    assert first.texts.count("17") == 2


def test_an_outvoted_read_leaves_the_others_confidences() -> None:
    sure = SequenceRead("42", [0.99, 0.95], [3, 6])
    unsure = SequenceRead("42", [0.91, 0.97], [3, 6])
    odd = SequenceRead("47", [0.5, 0.5], [3, 6])
    reads = [sure, sure, unsure, sure, odd]
    read = agreed(reads, [True] * len(reads))
    assert read.text == "42" and read.confidences == [0.91, 0.95] and read.other_read is None
    assert agreed(reads).other_read == "47"  # none marked outvotable: unanimity
    assert agreed(reads[2:], [True] * 3).other_read == "47"  # too few to outvote it


def test_a_read_missing_only_the_point_is_no_dissent_beside_an_outvoted_one() -> None:
    pointed = SequenceRead("4.2", [0.99, 0.98, 0.97], [3, 4, 6])
    pointless = SequenceRead("42", [0.96, 0.95], [3, 6])
    odd = SequenceRead("4.7", [0.9, 0.9, 0.5], [3, 4, 6])
    reads = [pointed, pointed, pointless, pointed, odd]
    read = agreed(reads, [True] * len(reads))
    assert (read.text, read.other_read) == ("4.2", None)
    assert read.confidences == [0.96, 0.98, 0.95]
    too_few = [pointed, pointless, pointed, odd]  # three agree: not enough to outvote
    assert agreed(too_few, [True] * len(too_few)).other_read == "4.7"


def test_a_point_seen_elsewhere_is_dissent_and_may_be_outvoted() -> None:
    pointed = SequenceRead("29.12", [0.99] * 5, [2, 3, 4, 5, 6])
    elsewhere = SequenceRead("2.91.2", [0.99] * 6, [2, 3, 4, 5, 6, 7])
    reads = [pointed] * 5 + [elsewhere]
    read = agreed(reads, [True] * len(reads))
    assert (read.text, read.other_read) == ("29.12", None)
    twice = [*reads, elsewhere]  # two dissent: refused
    assert agreed(twice, [True] * len(twice)).other_read == "2.91.2"


def test_reads_with_more_digits_than_the_display_are_left_out_while_few() -> None:
    display = SequenceRead("0080", [0.99] * 4, [4, 8, 12, 16])
    phantom = SequenceRead("10080", [0.95] * 5, [1, 4, 8, 12, 16])  # a leading 1 at the edge
    reads = [display] * 7 + [phantom] * 3
    read = agreed(reads, digits=4)
    assert (read.text, read.other_read) == ("0080", None)
    assert agreed(reads).other_read == "10080"  # the display's size unknown: torn
    assert agreed(reads, digits=5).other_read == "10080"  # both fit a display of five
    most = [display] * 4 + [phantom] * 6  # most reads see a fifth digit: torn, as before
    assert agreed(most, digits=4).other_read == "10080"
    other = SequenceRead("0088", [0.99] * 4, [4, 8, 12, 16])  # the rest must still agree
    assert agreed([display] * 6 + [other] + [phantom] * 3, digits=4).other_read == "0088"


def test_a_graph_of_one_network_reads_without_a_members_axis() -> None:
    one = np.concatenate([np.stack([columns("4", "2")] * len(VIEWS))] * 3)
    assert [r.text for r in agreed_strips(one, 3)] == ["42"] * 3


def test_the_views_move_the_strip_as_a_redrawn_roi_would() -> None:
    window = np.full((32, 128), 230, np.uint8)
    window[6:26, 58:68] = 20  # one dark stroke in the middle
    stacked = views(strip(window))
    assert stacked.shape == (len(VIEWS), 32, 128)
    assert np.array_equal(stacked[0], strip(window))  # the first view is the window as cut
    halved = views(strip(window).astype(np.float16))  # as training stores its strips
    assert np.allclose(halved, stacked, atol=1e-2)
    darkest = [int(np.argmin(view.mean(axis=0))) for view in stacked]
    assert 58 <= darkest[0] < 68 and darkest[3] == darkest[0] + 3  # shifted right
    ink = [(view < 0).sum() for view in stacked]
    assert ink[1] > ink[0] > ink[2]  # closer: the stroke grows; farther: it shrinks


def test_the_darkened_view_shows_a_faint_stroke_and_keeps_ink_and_glass() -> None:
    window = np.full((32, 128), 230, np.uint8)
    window[6:26, 20:30] = 20  # a lit stroke
    window[6:26, 80:90] = 200  # a faint one, as blur leaves a thin lit bar
    as_cut, darkened = views(strip(window))[[0, -1]]
    assert VIEWS[-1].gamma > 1.0 and all(view.gamma == 1.0 for view in VIEWS[:-1])
    faint = slice(80, 90)
    glass_less_faint = [float(view[16, 0] - view[16, faint].mean()) for view in (as_cut, darkened)]
    # The faint stroke stands further from the glass; the ink and the glass stay put.
    assert glass_less_faint[1] > glass_less_faint[0]
    assert darkened[16, 25] == pytest.approx(as_cut[16, 25]) == pytest.approx(-1.0)
    assert darkened[16, 0] == pytest.approx(as_cut[16, 0]) == pytest.approx(1.0)


def test_light_digits_on_dark_glass_look_like_dark_on_light() -> None:
    window = np.full((40, 160), 30, np.uint8)
    window[10:30, 60:70] = 220  # one lit stroke
    dark_glass = strip(window)
    light_glass = strip(255 - window)
    assert np.allclose(dark_glass, light_glass, atol=0.05)
    assert dark_glass.mean() > 0  # mostly glass, and glass is the light end


@pytest.mark.parametrize("text", ["127.03", "5.20"])
def test_the_shipped_model_reads_the_simulators_display(text: str) -> None:
    from services.core.config.simulator import FrameEffects
    from services.simulator.lcd import render_lcd_frame

    reader = shipped_reader()
    assert reader is not None, "models/sequence_display.onnx is not in the package"
    frame = render_lcd_frame(text, 6, FrameEffects(), np.random.default_rng(0))
    x, y, w, h = 110, 47, 420, 190
    window = frame[y : y + h, x : x + w]
    read = reader.read(window)
    assert read.text == text and read.other_read is None
    assert min(p for c, p in zip(read.text, read.confidences, strict=True) if c != ".") > 0.95
    # Fitted to the display as the worker fits it (a less sure point gets a second look).
    confirmed = confirmed_characters(window, read, 2, 0.6)
    assert fitted(read, 6, 2, confirmed) == text.replace(".", "").rjust(6, "0")


def test_the_shipped_model_says_it_never_saw_the_renderer_its_score_is_on() -> None:
    reader = shipped_reader()
    assert reader is not None
    held_out, meta = reader.meta["held_out"], reader.meta
    assert isinstance(held_out, dict) and held_out["renderer"] not in meta["sources"]  # type: ignore[operator]
    assert meta["training"]["members"] == 2  # type: ignore[index]


class Reads:
    """A sequence reader that reads what it is told (the network is not under test)."""

    def __init__(
        self, text: str, confidence: float = 0.99, other: str | None = None,
        columns: list[int] | None = None,
    ) -> None:  # fmt: skip
        self.text, self.confidence, self.other = text, confidence, other
        self.columns = columns or list(range(2, 2 + 3 * len(text), 3))

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        confidences = [self.confidence] * len(self.text)
        return SequenceRead(self.text, confidences, self.columns, self.other)


def marked_display(reader: Reads | None) -> tuple[np.ndarray, Setup]:
    from services.core.config.devices import OcrConfig
    from services.core.config.simulator import FrameEffects
    from services.simulator.lcd import render_lcd_frame

    frame = render_lcd_frame("127.03", 6, FrameEffects(), np.random.default_rng(3))
    ocr = OcrConfig(display="lcd7", digits=6, decimals=2, quantity="token_balance_kwh")
    return frame, Setup(ocr, (110, 47, 420, 190), [], None, reader)  # type: ignore[arg-type]


def test_both_readers_agreeing_is_a_reading() -> None:
    frame, setup = marked_display(Reads("127.03"))
    assert read_digits(frame, setup, lambda _: None).value == 127.03


def test_a_sure_sequence_reader_that_disagrees_refuses_the_frame() -> None:
    frame, setup = marked_display(Reads("121.03"))
    with pytest.raises(UnreadableDisplay, match=r"the segments read 127\.03, the sequence reader"):
        read_digits(frame, setup, lambda _: None)


def test_an_unsure_sequence_reader_leaves_the_segments_reading() -> None:
    frame, setup = marked_display(Reads("121.03", confidence=0.5))
    assert read_digits(frame, setup, lambda _: None).value == 127.03


@pytest.mark.parametrize(("sequence", "refused"), [("1127.03", True), ("121.03", False)])
def test_an_unsure_sequence_reader_seeing_more_digits_objects_to_blank_cells(
    sequence: str, refused: bool
) -> None:
    """A held-out LED showing 64181 was read 6418 by the segments, its thin last 1 missed;
    every read of the sequence reader held 64181, the 1 unsure. Where the segments left a
    cell blank and the sequence reader, all reads agreeing, sees more digits, one of them
    missed a digit: an objection. The same count of digits, unsure, is no objection."""
    frame, setup = marked_display(Reads(sequence, confidence=0.5))
    if refused:
        with pytest.raises(
            UnreadableDisplay, match=r"read 127\.03 with blank cells, yet the sequence reader sees 6"
        ):
            read_digits(frame, setup, lambda _: None)
    else:
        assert read_digits(frame, setup, lambda _: None).value == 127.03


def test_a_sequence_reader_that_sees_no_digits_where_the_segments_read_some_objects() -> None:
    """Clutter the geometry took for a lone 8 (a held-out LED frame showing 40 was read 8):
    every member in every view reading nothing there is an objection, not mere doubt."""
    frame, setup = marked_display(Reads(""))
    with pytest.raises(
        UnreadableDisplay, match=r"the segments read 127\.03, the sequence reader no digits there"
    ):
        read_digits(frame, setup, lambda _: None)


def test_a_torn_sequence_reader_that_also_reads_another_number_refuses_the_frame() -> None:
    frame, setup = marked_display(Reads("127.03", other="121.03"))
    with pytest.raises(UnreadableDisplay, match=r"the sequence reader '127\.03' or '121\.03'"):
        read_digits(frame, setup, lambda _: None)


def test_a_torn_sequence_reader_whose_reads_all_hold_the_same_digits_is_no_objection() -> None:
    frame, setup = marked_display(Reads("127.03", other="0127.03"))
    assert read_digits(frame, setup, lambda _: None).value == 127.03


def test_the_sequence_reader_reads_alone_where_the_segments_refuse() -> None:
    frame, setup = marked_display(Reads("5.20"))
    frame[:] = 200  # nothing the segment reader could find
    read = read_digits(frame, setup, lambda _: None)
    assert (read.value, read.method) == (5.2, "display ROI, sequence reader")
    assert len(read.boxes) == 3


class Finds:
    """A display locator that finds the box it is told (the network is not under test)."""

    def __init__(self, box: tuple[int, int, int, int]) -> None:
        self.box = box

    def find_turned(
        self, frame: np.ndarray, rotation_deg: float = 0.0
    ) -> tuple[tuple[int, int, int, int], float]:
        return self.box, rotation_deg


@pytest.mark.parametrize("cycling", [False, True])
def test_another_layout_is_read_by_the_sequence_reader_unless_the_display_cycles(
    cycling: bool,
) -> None:
    from services.core.config.devices import OcrConfig
    from services.core.config.simulator import FrameEffects
    from services.ocr_worker.lcd7 import OtherLayout
    from services.simulator.lcd import render_lcd_frame

    frame = render_lcd_frame("1234.5", 6, FrameEffects(), np.random.default_rng(3))
    ocr = OcrConfig(display="lcd7", digits=6, decimals=2, quantity="token_balance_kwh",
                    cycling=cycling)  # fmt: skip
    setup = Setup(ocr, None, [], None, Reads("34.50"), Finds((100, 40, 440, 200)))  # type: ignore[arg-type]
    if cycling:  # another register is showing: refused as such, not read
        with pytest.raises(OtherLayout, match="decimal point after digit 4, expected after 3"):
            read_digits(frame, setup, lambda _: None)
    else:  # a layout the geometry alone objects to (a label's digits, a speck as the point)
        read = read_digits(frame, setup, lambda _: None)
        assert (read.value, read.method) == (34.5, "found display, sequence reader")


def test_train_sequence_without_torch_says_how_to_install_it(
    tmp_path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(train_extra, "TRAIN_PACKAGES", ("meterhub_no_such_package",))
    assert main(["ocr", "train-sequence", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "meterhub_no_such_package" in error and "pip install -e '.[train]'" in error
    assert not list(tmp_path.glob("*.onnx"))


NO_SHARES = [("--marked-share", "1.5"), ("--fourteen-share", "-0.1")]


@pytest.mark.parametrize(("flag", "value"), NO_SHARES)
def test_train_sequence_refuses_a_share_that_is_no_share(flag, value, tmp_path, capsys) -> None:
    assert main(["ocr", "train-sequence", flag, value, "--out", str(tmp_path)]) == 2
    assert f"{flag} {value} is not a share (0 to 1)" in capsys.readouterr().err


def test_fourteen_segment_cells_are_drawn_only_where_a_recipe_asks() -> None:
    from services.ocr_training.display_frames import display_frame

    def jpegs(**share: float) -> list[bytes]:
        rng = np.random.default_rng(2)
        return [display_frame("polygons", "lcd", rng, **share).jpeg for _ in range(12)]

    assert jpegs() == jpegs(fourteen_share=0.0)  # the bench's and the locator's frames
    assert jpegs() != jpegs(fourteen_share=1.0)
    dseg = [display_frame("dseg", "lcd", np.random.default_rng(3), fourteen_share=share).jpeg
            for share in (0.0, 1.0)]  # fmt: skip
    assert dseg[0] == dseg[1]  # a font renderer draws its own cells


def read_boxed_123(tmp_path: Path, sequence: Reads) -> Outcome:
    """A display showing " 123", read with one box per digit through the pipeline."""
    from services.core.config.devices import OcrConfig
    from services.ocr_worker.pipeline import FramePipeline, Rois
    from tests.unit.test_faint_cells import _display

    jpeg, boxes = _display(["", "1", "2", "3"], 0.0, seed=0)
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=boxes)  # fmt: skip
    pipeline = FramePipeline(tmp_path, sequence=sequence)  # type: ignore[arg-type]
    return pipeline.process("meter", jpeg, ocr, Rois(), None)


@pytest.mark.parametrize(("sequence", "value", "reason"), [
    (Reads("123"), 123.0, None),
    (Reads("723"), None, "the digit models read 123, the sequence reader 723"),
    (Reads("723", confidence=0.5), 123.0, None),  # unsure: no objection
])  # fmt: skip
def test_digit_boxes_are_cross_checked_by_the_sequence_reader_around_them(
    tmp_path, sequence: Reads, value: float | None, reason: str | None
) -> None:
    outcome = read_boxed_123(tmp_path, sequence)
    assert (outcome.read.value if outcome.accepted else None) == value
    assert (outcome.reason or "").startswith(reason or "")
    if reason:  # the segments, read as a display, meet the same objection
        assert outcome.reason.endswith("read as a display: the segments read 123, the sequence "
                                       "reader 723")  # fmt: skip


def test_a_view_that_misses_the_point_the_others_see_does_not_refuse_the_reading() -> None:
    sure = SequenceRead("84.58", [0.99, 0.98, 0.97, 0.99, 0.96], [1, 2, 3, 4, 5])
    blind = SequenceRead("8458", [0.95, 0.99, 0.99, 0.99], [1, 2, 4, 5])
    read = agreed([blind, sure, blind, sure])
    assert read.text == "84.58" and read.other_read is None
    assert read.confidences == [0.95, 0.98, 0.97, 0.99, 0.96]  # the point: only where seen
    assert fitted(read, 5, 2) == "08458"


def test_a_view_that_misses_two_points_the_others_see_is_refused_not_a_crash() -> None:
    # Held-out dot-matrix frames read so; the confidences once fell out of step.
    two = SequenceRead("0.0.9", [0.99] * 5, [1, 2, 3, 4, 5])
    blind = SequenceRead("009", [0.97, 0.98, 0.99], [1, 3, 5])
    read = agreed([two, blind])
    assert read.confidences == [0.97, 0.99, 0.98, 0.99, 0.99]
    with pytest.raises(UnreadableDisplay):
        fitted(read, 5, 1)


@pytest.mark.parametrize("texts", [
    ["84.58", "845.8"],  # a point seen elsewhere contradicts
    ["8458", "8458"],  # nobody sees it: the display's decimals refuse it
    ["84.58", "8459"],  # another digit
])  # fmt: skip
def test_a_point_seen_elsewhere_or_nowhere_still_refuses(texts: list[str]) -> None:
    reads = [SequenceRead(t, [0.99] * len(t), list(range(len(t)))) for t in texts]
    with pytest.raises(UnreadableDisplay):
        fitted(agreed(reads), 5, 2)


# An unsure sequence reader cannot confirm the digit models' unsure number; the
# segments' geometry, sure of its own, then reads the boxes as a display, and the unsure
# sequence reader is no objection there.
@pytest.mark.parametrize(("sequence", "value", "said"), [
    (Reads("123"), 123.0, "digit ROIs"),  # confirmed
    (Reads("723"), None, "the digit models read 123, the sequence reader 723"),
    (Reads("723", confidence=0.5), 123.0, "digit ROIs, segments"),
])  # fmt: skip
def test_a_digit_read_not_surely_needs_the_sequence_reader_to_confirm_the_number(
    tmp_path, monkeypatch: pytest.MonkeyPatch, sequence: Reads, value: float | None, said: str
) -> None:
    from services.ocr_worker import readers

    monkeypatch.setattr(readers, "_SURE_DIGIT", 1.01)  # every digit model's read is unsure
    outcome = read_boxed_123(tmp_path, sequence)
    assert (outcome.read.value if outcome.accepted else None) == value
    assert said == outcome.read.method if outcome.accepted else said in outcome.reason


@pytest.mark.parametrize(("sequence", "value"), [
    (Reads("78", columns=[15, 26]), 78.0),
    (Reads("8", columns=[26]), None),  # the 7 missed: its cell is no blank
])  # fmt: skip
def test_a_cell_read_as_blank_must_be_blank(sequence: Reads, value: float | None) -> None:
    from services.core.config.devices import OcrConfig
    from tests.unit.test_blank_cells import _window

    window, _ = _window(["", "7", "8"], 0.3, seed=0)
    frame = np.full((300, 500, 3), 200, np.uint8)
    frame[50 : 50 + window.shape[0], 40 : 40 + window.shape[1]] = window[..., None]
    digits = [(40 + 8 + i * (window.shape[1] - 16) // 3, 58, (window.shape[1] - 16) // 3,
               window.shape[0] - 16) for i in range(3)]  # fmt: skip
    ocr = OcrConfig(display="lcd7", digits=3, decimals=0, quantity="energy_import_kwh")
    setup = Setup(ocr, None, digits, None, sequence)  # type: ignore[arg-type]
    if value is None:
        with pytest.raises(UnreadableDisplay, match="ink in the blank cell"):
            read_digits(frame, setup, lambda _: None)  # no digit models: the sequence reads alone
    else:
        assert read_digits(frame, setup, lambda _: None).value == value


@pytest.mark.parametrize(("text", "digits", "decimals", "refused"), [
    ("000", 4, 0, True),  # 0004 with its 4 lost: a blank cell, then lit zeros
    ("0818", 7, 3, False),  # 0.818: the units zero is no leading zero
    ("127", 4, 0, False),
    ("0004", 4, 0, False),  # every cell lit: zeros shown, nothing blank
])  # fmt: skip
def test_a_lit_leading_zero_after_a_blank_cell_is_refused(
    text: str, digits: int, decimals: int, refused: bool
) -> None:
    from services.core.config.devices import OcrConfig
    from services.ocr_worker.readers import DigitsRead, _lit_zeros_checked

    ocr = OcrConfig(display="lcd7", digits=digits, decimals=decimals,
                    quantity="energy_import_kwh")  # fmt: skip
    read = DigitsRead(text, int(text) / 10**decimals, [0.99] * len(text), [], None, "test")
    if refused:
        with pytest.raises(UnreadableDisplay, match="lights a leading zero"):
            _lit_zeros_checked(read, ocr)
    else:
        assert _lit_zeros_checked(read, ocr) is read


@pytest.mark.parametrize(("digits", "refused"), [(6, True), (5, False)])
def test_ink_before_the_sequence_readers_digits_objects_where_the_segments_left_a_blank(
    monkeypatch: pytest.MonkeyPatch, digits: int, refused: bool
) -> None:
    """A dim LCD read as a LED found two light gaps in its bezel (18364 read as 11, with
    four blank cells); the sequence reader, reading there, found ink before its digits.
    Where the segments too read blank cells, both leave a digit unread: an objection. A
    reading with no blank cell has its first digit there: no objection."""
    from dataclasses import replace

    from services.ocr_worker import readers
    from services.ocr_worker.sequence_reader import InkBeforeDigits

    def ink_before(*_: object, **__: object) -> None:
        raise InkBeforeDigits("ink in the blank cell before the digits (254 % of theirs)")

    frame, setup = marked_display(Reads("127.03"))
    setup = replace(setup, ocr=setup.ocr.model_copy(update={"digits": digits}))
    monkeypatch.setattr(readers, "_read_sequence", ink_before)
    if refused:
        with pytest.raises(UnreadableDisplay, match=r"read 127\.03 with blank cells, yet ink"):
            read_digits(frame, setup, lambda _: None)
    else:
        assert read_digits(frame, setup, lambda _: None).value == 127.03


class ReadsOnGlass(Reads):
    """Torn on a window no taller than ``tightest`` rows, and reads ``text`` on one
    taller: the box around the digits against the glass around them."""

    def __init__(self, text: str, tightest: int, confidence: float = 0.99) -> None:
        super().__init__(text, confidence)
        self.tightest = tightest

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        read = super().read(window)
        if window.shape[0] <= self.tightest:
            return SequenceRead(read.text, read.confidences, read.columns, "1" + read.text)
        return read


def _boxed_123_tight_height() -> int:
    from tests.unit.test_faint_cells import _display

    _, boxes = _display(["", "1", "2", "3"], 0.0, seed=0)
    return max(h for _, _, _, h in boxes)


@pytest.mark.parametrize(("text", "value", "said"), [
    ("123", 123.0, "digit ROIs"),  # confirmed on the glass
    ("723", None, "the digit models read 123, the sequence reader 723"),
])  # fmt: skip
def test_digits_read_not_surely_are_confirmed_on_the_glass_where_the_box_around_them_is_torn(
    tmp_path, monkeypatch: pytest.MonkeyPatch, text: str, value: float | None, said: str
) -> None:
    from services.ocr_worker import readers

    monkeypatch.setattr(readers, "_SURE_DIGIT", 1.01)  # every digit model's read is unsure
    monkeypatch.setattr(readers, "_read_segments_in_boxes", _refuse_as_display)
    outcome = read_boxed_123(tmp_path, ReadsOnGlass(text, _boxed_123_tight_height()))
    assert (outcome.read.value if outcome.accepted else None) == value
    assert said == outcome.read.method if outcome.accepted else said in outcome.reason


def _refuse_as_display(
    frame: np.ndarray, setup: Setup, window: tuple[int, int, int, int], refused: UnreadableDisplay
) -> None:
    raise refused  # the segments' reading of the boxes is not under test here


def test_a_sure_objection_in_the_box_around_the_digits_is_not_overruled_on_the_glass(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.ocr_worker import readers

    class Objects(Reads):  # surely 723 around the digits, 123 on the glass
        def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
            tight = window.shape[0] <= _boxed_123_tight_height()
            text = "723" if tight else "123"
            return SequenceRead(text, [0.99] * 3, self.columns)

    monkeypatch.setattr(readers, "_SURE_DIGIT", 1.01)
    monkeypatch.setattr(readers, "_read_segments_in_boxes", _refuse_as_display)
    outcome = read_boxed_123(tmp_path, Objects("123"))
    assert not outcome.accepted
    assert "the digit models read 123, the sequence reader 723" in outcome.reason


def test_digit_boxes_the_digit_models_refuse_are_read_on_the_glass_where_the_box_is_torn(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.core.config.devices import OcrConfig
    from services.ocr_worker import readers
    from services.ocr_worker.pipeline import FramePipeline, Rois
    from tests.unit.test_faint_cells import _display

    monkeypatch.setattr(readers, "_read_segments_in_boxes", _refuse_as_display)
    jpeg, boxes = _display(["", "1", "2", "3"], 0.25, seed=0)  # a ghost cell: models refuse
    ocr = OcrConfig(display="lcd7", digits=4, decimals=0, quantity="energy_import_kwh",
                    digit_rois=boxes)  # fmt: skip
    reader = ReadsOnGlass("123", _boxed_123_tight_height())
    outcome = FramePipeline(tmp_path, sequence=reader).process("meter", jpeg, ocr, Rois(), None)  # type: ignore[arg-type]
    assert outcome.accepted, outcome.reason
    method = "digit ROIs, sequence reader on the glass around them"
    assert (outcome.read.value, outcome.read.method) == (123.0, method)


class FindsGlass:
    """A display locator that finds the glass in the middle half of any view."""

    def find_turned(self, view: np.ndarray, rotation_deg: float = 0.0) -> tuple:
        height, width = view.shape[:2]
        return (width // 4, height // 4, width // 2, height // 2), 0.0


@pytest.mark.parametrize(("locator", "value"), [
    (None, 127.03),  # no glass inside the ROI: it may be drawn round the digits alone
    (FindsGlass(), None),  # a glass inside it: the ROI is loose, not to be grown
])  # fmt: skip
def test_a_display_roi_the_sequence_reader_is_torn_on_is_read_with_the_glass_around_it(
    monkeypatch: pytest.MonkeyPatch, locator: FindsGlass | None, value: float | None
) -> None:
    from dataclasses import replace

    from services.ocr_worker import readers

    def refuse(*_: object) -> None:
        raise UnreadableDisplay("as an LCD: blank gap between digits 1 and 2")

    frame, setup = marked_display(None)
    roi_height = setup.display[3]
    setup = replace(setup, sequence=ReadsOnGlass("127.03", roi_height), locator=locator)
    monkeypatch.setattr(readers, "_read_segments", refuse)
    if value is None:
        with pytest.raises(UnreadableDisplay) as refused:
            read_digits(frame, setup, lambda _: None)
        assert "with the glass around the ROI" not in refused.value.reason
    else:
        read = read_digits(frame, setup, lambda _: None)
        method = "display ROI and the glass around it, sequence reader"
        assert (read.value, read.method) == (value, method)
