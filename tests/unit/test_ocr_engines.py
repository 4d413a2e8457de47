"""tesseract and ssocr as selectable digit engines: their answers in the classifier's
shape, no answer as a refusal with a reason, a missing program named with its package."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.core.config.devices import OcrConfig
from services.core.config.simulator import FrameEffects
from services.ocr_worker import engines
from services.ocr_worker.engines import NO_DIGIT, TesseractDigits
from services.ocr_worker.pipeline import FramePipeline, Rois
from services.simulator.lcd import encode_jpeg, render_lcd_frame

LCD = OcrConfig(display="lcd7", digits=6, decimals=2)


def printed_digit(digit: int | None) -> np.ndarray:
    """A digit as a printer sets it, with room around it: what tesseract was made for."""
    image = np.full((60, 40, 3), 235, np.uint8)
    if digit is not None:
        cv2.putText(image, str(digit), (6, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 4)
    return image


def lcd_jpeg(text: str, seed: int) -> bytes:
    return encode_jpeg(render_lcd_frame(text, 6, FrameEffects(), np.random.default_rng(seed)))


def test_tesseract_answers_one_digit_per_crop_and_nothing_for_a_blank() -> None:
    crops = [printed_digit(d) for d in (0, 3, 5, 8)] + [printed_digit(None)]
    predictions = TesseractDigits().predict(crops)
    assert [p.digit for p in predictions] == ["0", "3", "5", "8", NO_DIGIT]
    assert predictions[1].probabilities[3] == 1.0 and predictions[1].confidence == 1.0
    assert predictions[-1].confidence == 0.0 and predictions[-1].probabilities.sum() == 0.0


def test_ssocr_reads_the_digits_the_segment_reader_found(tmp_path) -> None:
    ocr = LCD.model_copy(update={"engine": "ssocr"})
    outcome = FramePipeline(tmp_path).process("pln", lcd_jpeg("8181.81", 3), ocr, Rois(), None)
    assert outcome.accepted, outcome.reason
    assert outcome.read.value == 8181.81 and outcome.read.confidences == [1.0] * 6


def test_an_engine_that_reads_no_digit_refuses_the_frame_naming_the_digit(tmp_path) -> None:
    blank_corner = [(4 + 22 * i, 4, 20, 30) for i in range(6)]  # wall beside the meter
    ocr = LCD.model_copy(update={"engine": "tesseract", "digit_rois": blank_corner})
    outcome = FramePipeline(tmp_path).process("pln", lcd_jpeg("127.03", 0), ocr, Rois(), None)
    assert not outcome.accepted
    assert outcome.reason.startswith("digit 1: tesseract read no single digit; sequence reader")


def test_a_missing_program_is_a_rejection_saying_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(engines.shutil, "which", lambda _: None)
    boxes = [(10 + 22 * i, 10, 20, 30) for i in range(6)]
    ocr = LCD.model_copy(update={"engine": "tesseract", "digit_rois": boxes})
    outcome = FramePipeline(tmp_path).process("pln", lcd_jpeg("127.03", 0), ocr, Rois(), None)
    assert not outcome.accepted
    assert "apt-get install tesseract-ocr" in outcome.reason


@pytest.mark.parametrize("engine", ["builtin", "tesseract", "ssocr"])
def test_config_accepts_the_engines(engine: str) -> None:
    assert OcrConfig(engine=engine).engine == engine


def test_config_refuses_an_unknown_engine() -> None:
    with pytest.raises(ValueError, match="engine"):
        OcrConfig(engine="easyocr")
