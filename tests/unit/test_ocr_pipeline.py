"""One frame through the worker's pipeline: the path chosen by the ROIs in force, the
images kept for the web page, and a reason for every frame that cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from services.core.config.devices import OcrAlignment, OcrConfig, OcrPlausibility
from services.core.config.simulator import FrameEffects
from services.core.quantities import QUANTITIES
from services.ocr_worker.annotate import ANNOTATED_NAME, RAW_NAME, image_dir
from services.ocr_worker.pipeline import FramePipeline, Judgement, Rois
from services.ocr_worker.plausibility import Limits, Sample
from services.ocr_worker.register_mark import mark_seen
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from services.simulator.led import render_led_frame
from tests.image_helpers import bomb_jpeg

LCD = OcrConfig(display="lcd7", digits=6, decimals=2)
LCD_WINDOW = (110, 47, 420, 190)  # the simulated PLN meter's LCD and bezel, with a margin
LED = OcrConfig(display="lcd7", digits=4, decimals=1)
LED_FACE = (135, 155, 370, 160)
T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


@pytest.fixture
def pipeline(tmp_path):
    return FramePipeline(tmp_path)


def lcd_jpeg(text: str, seed: int, effects: FrameEffects | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    return encode_jpeg(render_lcd_frame(text, 6, effects or FrameEffects(), rng))


def shifted(jpeg: bytes, dx: int, dy: int) -> bytes:
    """The same photo from a camera knocked ``dx``, ``dy`` pixels aside."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float64)
    return encode_jpeg(
        cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    )


@pytest.mark.parametrize(
    ("ocr", "rois", "method"),
    [
        (LCD, Rois(), "found display"),
        (LCD.model_copy(update={"display_roi": LCD_WINDOW}), Rois(), "display ROI"),
        (LCD, Rois(display=LCD_WINDOW, updated=T0), "display ROI"),
    ],
    ids=["found by itself", "config ROI", "ROI marked in the web page"],
)
def test_an_lcd_reads_with_or_without_rois(pipeline, tmp_path, ocr, rois, method):
    mild = FrameEffects(blur=0.8, noise=6, perspective=0.03, glare=0.3)
    for seed, text in enumerate(["127.03", "6789.00", "0.45", "8181.81"]):
        outcome = pipeline.process("pln", lcd_jpeg(text, seed, mild), ocr, rois, None)
        assert outcome.accepted, outcome.reason
        assert outcome.read.value == float(text) and outcome.read.method == method
        assert len(outcome.read.boxes) == len(outcome.read.text) == len(text) - 1


def test_runtime_rois_override_the_configs(pipeline):
    misplaced = LCD.model_copy(update={"display_roi": (0, 300, 300, 150)})  # the keypad
    jpeg = lcd_jpeg("127.03", 1)
    refused = pipeline.process("pln", jpeg, misplaced, Rois(), None)
    assert not refused.accepted
    marked = pipeline.process("pln", jpeg, misplaced, Rois(display=LCD_WINDOW, updated=T0), None)
    assert marked.accepted and marked.read.value == 127.03


@pytest.mark.parametrize("polarity", ["light_on_dark", "auto"])
def test_a_led_module_reads_in_its_own_polarity(pipeline, polarity):
    ocr = LED.model_copy(update={"polarity": polarity, "display_roi": LED_FACE})
    rng = np.random.default_rng(21)
    for text in ["837.5", "42.0", "0.7", "119.1", "999.9"]:
        effects = FrameEffects(blur=rng.uniform(0, 1), noise=rng.uniform(0, 6), glare=0.25)
        jpeg = encode_jpeg(render_led_frame(text, 4, effects, rng))
        outcome = pipeline.process("led", jpeg, ocr, Rois(), None)
        assert outcome.accepted, (text, outcome.reason)
        assert outcome.read.value == float(text) and "LED" in outcome.read.method


def test_alignment_marks_keep_a_tight_roi_on_a_bumped_camera(pipeline, tmp_path):
    reference = lcd_jpeg("1234.56", 5)  # every cell lit: a cut-off digit cannot pass
    (tmp_path / "reference.jpg").write_bytes(reference)
    tight = (125, 62, 390, 160)  # the bezel exactly: no margin for a moved camera
    marks = [(165, 240, 160, 60), (400, 280, 110, 60), (380, 440, 150, 36)]  # keys, labels
    bumped = shifted(reference, -55, -30)  # the first digit at the tight ROI's edge
    plain = LCD.model_copy(update={"display_roi": tight})
    aligned = plain.model_copy(
        update={"alignment": OcrAlignment(reference="reference.jpg", marks=marks, search_px=64)}
    )
    assert not pipeline.process("pln", bumped, plain, Rois(), None).accepted
    outcome = pipeline.process("pln", bumped, aligned, Rois(), None)
    assert outcome.accepted, outcome.reason
    assert outcome.read.value == 1234.56
    x, y, _, _ = outcome.read.display
    assert (abs(x - (tight[0] - 55)) <= 2, abs(y - (tight[1] - 30)) <= 2) == (True, True)

    elsewhere = encode_jpeg(np.full((480, 640, 3), 90, np.uint8))
    lost = pipeline.process("pln", elsewhere, aligned, Rois(), None)
    assert "alignment mark 1 not found" in lost.reason


def test_kept_images_are_the_raw_frame_and_the_annotated_reading(pipeline, tmp_path):
    jpeg = lcd_jpeg("127.03", 3)
    outcome = pipeline.process("pln", jpeg, LCD, Rois(), None)
    folder = image_dir(tmp_path, "pln")
    assert (folder / RAW_NAME).read_bytes() == jpeg
    annotated = cv2.imdecode(
        np.frombuffer((folder / ANNOTATED_NAME).read_bytes(), np.uint8), cv2.IMREAD_COLOR
    )
    raw = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert annotated.shape == raw.shape
    # Each digit's box is outlined in green, and the value is written across the top.
    x, y, w, _ = outcome.read.boxes[0]
    edge = annotated[y, x : x + w].astype(int)
    assert (edge[:, 1] - edge[:, 2] > 80).mean() > 0.8
    assert np.abs(annotated[:20].astype(int) - raw[:20]).mean() > 20
    assert sorted(p.name for p in folder.iterdir()) == [ANNOTATED_NAME, RAW_NAME]


def test_an_implausible_reading_is_drawn_as_rejected(pipeline):
    limits = Limits.for_quantity(OcrPlausibility(), QUANTITIES["token_balance_kwh"], 2)
    previous = Sample(T0, 127.0)
    judged = Judgement(
        QUANTITIES["token_balance_kwh"].kind, limits, previous, T0 + timedelta(minutes=1)
    )
    garbage = pipeline.process("pln", lcd_jpeg("6789.00", 4), LCD, Rois(), judged)
    assert garbage.read.value == 6789.0  # read right, but not believable after 127 kWh
    assert "more than a top-up" in garbage.reason
    top_up = pipeline.process("pln", lcd_jpeg("147.00", 4), LCD, Rois(), judged)
    assert top_up.accepted and top_up.top_up == 20.0


BAD_FRAMES = {
    "empty": (b"", "empty frame payload"),
    "not a JPEG": (b"\x89PNG\r\n\x1a\n" + bytes(2000), "not a JPEG image (PNG)"),
    "truncated": (lcd_jpeg("127.03", 9)[:6000], "truncated"),
    "50 MB": (b"\xff\xd8" + bytes(50 * 1024 * 1024), "exceeds"),
    "bomb": (bomb_jpeg(), "JPEG of 20000x20000 pixels exceeds the cap of 40 megapixels"),
}


@pytest.mark.parametrize("name", BAD_FRAMES)
def test_bad_frames_are_rejected_with_a_reason_and_never_kept(pipeline, tmp_path, name):
    good = lcd_jpeg("127.03", 2)
    assert pipeline.process("pln", good, LCD, Rois(), None).accepted
    payload, reason = BAD_FRAMES[name]
    outcome = pipeline.process("pln", payload, LCD, Rois(), None)
    assert outcome.read is None and reason in outcome.reason
    assert (image_dir(tmp_path, "pln") / RAW_NAME).read_bytes() == good


def test_a_drum_counter_without_rois_is_rejected_with_what_to_do(pipeline):
    drum = OcrConfig(display="drum", digits=7, decimals=1, quantity="energy_import_kwh")
    outcome = pipeline.process("ferraris", lcd_jpeg("127.03", 1), drum, Rois(), None)
    assert "needs its display ROI or digit ROIs" in outcome.reason


def test_a_camera_mounted_sideways_reads_with_its_rotation(pipeline):
    upright = cv2.imdecode(np.frombuffer(lcd_jpeg("127.03", 6), np.uint8), cv2.IMREAD_COLOR)
    sideways = encode_jpeg(cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE))  # 480 wide, 640 tall
    assert not pipeline.process("pln", sideways, LCD, Rois(), None).accepted
    outcome = pipeline.process(
        "pln", sideways, LCD.model_copy(update={"rotation_deg": 90}), Rois(), None
    )
    assert outcome.accepted and outcome.read.value == 127.03
    for x, y, w, h in outcome.read.boxes:  # boxes in the frame as sent: digits run downwards
        assert x + w <= 480 and y + h <= 640 and h < w
    tops = [y for _, y, _, _ in outcome.read.boxes]
    assert tops == sorted(tops)


def test_rois_reaching_outside_this_frame_refuse_it_with_the_reason(pipeline):
    beyond = Rois(display=(500, 400, 300, 120), updated=T0)  # the frame is 640x480
    outcome = pipeline.process("pln", lcd_jpeg("127.03", 2), LCD, beyond, None)
    assert outcome.read is None
    assert outcome.reason == "ROIs unusable: display reach outside the 640×480 frame"


class BrokenModel:
    """A digit classifier with a bug: what no check foresaw."""

    def predict(self, crops):
        raise RuntimeError("weights do not fit")


def test_any_failure_in_the_pipeline_is_a_reason_naming_the_exception(tmp_path):
    pipeline = FramePipeline(tmp_path, model_for=lambda kind: BrokenModel())
    digits = Rois(digits=tuple((150 + 60 * i, 90, 50, 100) for i in range(6)), updated=T0)
    outcome = pipeline.process("pln", lcd_jpeg("127.03", 2), LCD, digits, None)
    assert outcome.read is None and not outcome.accepted
    assert outcome.reason == "OCR failed on this frame: RuntimeError: weights do not fit"
    assert outcome.failed


CYCLING = LCD.model_copy(update={"cycling": True})
OTHER_REGISTERS = {"date": "04.12.26", "tariff code": "900", "another layout": "1234.5"}


@pytest.mark.parametrize("text", OTHER_REGISTERS.values(), ids=OTHER_REGISTERS.keys())
def test_a_cycling_display_showing_another_register_is_refused_as_such(pipeline, text):
    outcome = pipeline.process("pln", lcd_jpeg(text, 3), CYCLING, Rois(), None)
    assert outcome.reason == "showing another register"
    assert outcome.other_register and outcome.layout_seen
    assert outcome.read is None


@pytest.mark.parametrize("text", OTHER_REGISTERS.values(), ids=OTHER_REGISTERS.keys())
def test_a_display_that_does_not_cycle_names_the_layout_fault(pipeline, text):
    outcome = pipeline.process("pln", lcd_jpeg(text, 3), LCD, Rois(), None)
    assert outcome.reason is not None and "register" not in outcome.reason
    assert not outcome.other_register


def test_a_cycling_display_showing_the_wanted_register_is_read(pipeline):
    outcome = pipeline.process("pln", lcd_jpeg("127.03", 3), CYCLING, Rois(), None)
    assert outcome.accepted and outcome.read is not None and outcome.read.value == 127.03


def test_an_unreadable_frame_of_a_cycling_display_is_still_a_failure(pipeline):
    outcome = pipeline.process("pln", b"not a jpeg", CYCLING, Rois(), None)
    assert outcome.reason is not None and not outcome.other_register


def _credit_mark() -> tuple[bytes, tuple[int, int, int, int]]:
    """A reference photo and the box of its "CREDIT" indicator: where the same photo with
    the indicator dark differs."""
    lit, dark = (
        render_lcd_frame("127.03", 6, FrameEffects(), np.random.default_rng(5), credit_lit=on)
        for on in (True, False)
    )
    ys, xs = np.nonzero(np.abs(lit.astype(int) - dark.astype(int)).max(axis=2) > 10)
    x, y = int(xs.min()) - 4, int(ys.min()) - 4
    return encode_jpeg(lit), (x, y, int(xs.max()) + 5 - x, int(ys.max()) + 5 - y)


def test_a_register_mark_tells_registers_of_one_layout_apart(pipeline, tmp_path):
    """The balance and a month's use look alike (6 digits, 2 decimals); only the balance
    lights "CREDIT". Camera jitter and a bumped camera are followed by the alignment."""
    reference, mark = _credit_mark()
    (tmp_path / "reference.jpg").write_bytes(reference)
    marks = [(165, 240, 160, 60), (400, 280, 110, 60)]  # keys, a label
    config = LCD.model_copy(
        update={
            "display_roi": LCD_WINDOW,
            "alignment": OcrAlignment(reference="reference.jpg", marks=marks, search_px=64),
            "register_mark": mark,
        }
    )
    effects = FrameEffects(blur=0.6, noise=5, glare=0.2)
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        balance = encode_jpeg(render_lcd_frame("127.03", 6, effects, rng))
        used = encode_jpeg(render_lcd_frame("45.60", 6, effects, rng, credit_lit=False))
        read = pipeline.process("pln", shifted(balance, 12, -8), config, Rois(), None)
        assert read.accepted and read.read.value == 127.03, read.reason
        other = pipeline.process("pln", shifted(used, 12, -8), config, Rois(), None)
        assert other.reason == "showing another register" and other.read is None
        assert other.layout_seen.startswith("register mark dark"), other.layout_seen


@pytest.mark.parametrize(
    ("glass", "ink", "mark_ink", "state"),
    [
        (200, 20, 30, "lit"),
        (200, 20, 130, "unclear"),
        (200, 20, 185, "dark"),  # a ghost: slightly darker than the glass
        (40, 230, 200, "lit"),  # light on dark (inverse LCD, LED)
        (40, 230, 55, "dark"),
    ],
)
def test_a_mark_is_judged_against_the_digits_contrast_in_either_polarity(
    glass, ink, mark_ink, state
):
    grey = np.full((60, 200), glass, np.uint8)
    grey[10:50, 10:20] = ink  # a lit digit's stroke
    grey[10:50, 110:115] = mark_ink  # the mark's stroke
    seen = mark_seen(grey, (100, 5, 30, 50), [(5, 5, 30, 50)])
    assert seen.state == state, seen
