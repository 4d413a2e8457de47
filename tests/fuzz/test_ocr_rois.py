"""ROIs and images from outside, fuzzed: the rules answer any boxes with reasons, every set
of ROIs they let through is read without an unforeseen failure, and any bytes behind an
image signature are taken or refused with a reason."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.config.devices import OcrConfig
from services.core.config.simulator import FrameEffects
from services.core.roi_rules import MIN_ROI_SIDE_PX, roi_problems
from services.ocr_worker.pipeline import FramePipeline, Rois
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from tests.fuzz.strategies import SETTINGS

WIDTH, HEIGHT = 640, 480
coordinate = st.integers(-50, 700)
box = st.tuples(coordinate, coordinate, st.integers(-5, 700), st.integers(-5, 700))


@settings(**SETTINGS)
@given(
    st.none() | box,
    st.lists(box, max_size=14),
    st.floats(-720, 720, allow_nan=False),
    st.none() | st.integers(1, 12),
)
def test_any_boxes_get_an_answer_in_words(display, digits, rotation, shown):
    problems = roi_problems(
        display, digits, rotation_deg=rotation, digits_shown=shown, frame=(WIDTH, HEIGHT)
    )
    assert all(isinstance(p, str) and p for p in problems)


@st.composite
def usable_rois(draw: st.DrawFn) -> Rois:
    """ROIs the rules let through, anywhere on the frame: a display, six digits, or both."""
    w, h = draw(st.integers(6 * MIN_ROI_SIDE_PX, 400)), draw(st.integers(MIN_ROI_SIDE_PX, 200))
    display = (draw(st.integers(0, WIDTH - w)), draw(st.integers(0, HEIGHT - h)), w, h)
    digits: list[tuple[int, int, int, int]] = []
    if draw(st.booleans()):
        dw = draw(st.integers(MIN_ROI_SIDE_PX, WIDTH // 6 - 2))
        dh = draw(st.integers(MIN_ROI_SIDE_PX, 200))
        step = draw(st.integers(dw, WIDTH // 6))
        x0 = draw(st.integers(0, WIDTH - 5 * step - dw))
        y = draw(st.integers(0, HEIGHT - dh))
        digits = [(x0 + i * step, y, dw, dh) for i in range(6)]
    keep = draw(st.sampled_from(["display", "digits", "both"])) if digits else "display"
    rois = Rois(display if keep != "digits" else None, tuple(digits) if keep != "display" else ())
    assert roi_problems(rois.display, rois.digits, digits_shown=6, frame=(WIDTH, HEIGHT)) == []
    return rois


FRAME = encode_jpeg(render_lcd_frame("127.03", 6, FrameEffects(), np.random.default_rng(3)))


@pytest.mark.parametrize("kind", ["lcd7", "drum"])
@settings(max_examples=40, deadline=None)
@given(rois=usable_rois())
def test_rois_the_rules_let_through_never_fail_the_readers(tmp_path_factory, kind, rois):
    ocr = OcrConfig(display=kind, digits=6, decimals=2)
    pipeline = FramePipeline(tmp_path_factory.mktemp("ocr"), keep_images=False)
    outcome = pipeline.process("pln", FRAME, ocr, rois, None)
    assert outcome.accepted or not outcome.reason.startswith("OCR failed"), outcome.reason
