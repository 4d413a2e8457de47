"""`meterhub bench ocr-frames --holdout-renderer NAME`: whole readings on frames of a
renderer the models never saw, beside other OCRs. The quick runs here use the shipped
models (``--models``) so they pass without the train extra; the training is the same
``train_kind`` the training tests cover."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.bench.ocr_holdout import Score, report
from services.bench.whole_readers import number_in
from services.cli import main
from services.core.config.devices import OcrConfig
from services.ocr_training import train_cli
from services.ocr_training.display_frames import STYLES, display_frame
from services.ocr_training.font_digits import render_font_digit
from services.ocr_training.renderers import SIMULATOR_DRUM_FACES, drum_fonts, lcd_renderers
from services.ocr_training.synth import (
    _SHAPES,
    SegmentStyle,
    render_lcd_digit,
    render_lcd_digit_without_dots,
)
from services.ocr_worker.classifier import MODELS_DIR
from tests.font_helpers import needs_fonts


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


@needs_fonts
@pytest.mark.parametrize("marks", [False, True])
@pytest.mark.parametrize("renderer", ["dseg", "polygons", "dotmatrix"])
def test_frames_say_where_the_display_and_each_digit_are(renderer: str, marks: bool) -> None:
    rng = np.random.default_rng(5)
    for style in STYLES:
        for _ in range(8):
            frame = display_frame(renderer, style, rng, marks=marks)
            assert len(frame.cells) == frame.digits and frame.jpeg[:2] == b"\xff\xd8"
            digits = frame.shown.replace(".", "").replace(" ", "0")
            assert int(digits) / 10**frame.decimals == pytest.approx(frame.value)
            x, y, w, h = frame.display
            for cx, cy, cw, ch in frame.cells:  # inside the glass, allowing for the turn
                assert x - 4 <= cx and cx + cw <= x + w + 4 and y - 4 <= cy <= cy + ch <= y + h + 4
            if marks:  # a slanted half digit's narrow box may overlap its neighbour's more
                continue  # than digit ROIs may (the bench counts those as refused)
            # Usable as a device's digit ROIs: ordered, apart, big enough.
            OcrConfig(display="lcd7", digits=frame.digits, decimals=frame.decimals,
                      quantity="energy_import_kwh", digit_rois=frame.cells)  # fmt: skip


@needs_fonts
def test_bench_scores_every_style_and_reader_on_the_same_frames(capsys) -> None:
    code = main(["bench", "ocr-frames", "--holdout-renderer", "dseg", "--models", str(MODELS_DIR),
                 "--per-style", "2", "--readers", "tesseract,ssocr,general"])  # fmt: skip
    out = capsys.readouterr().out
    result = _last_json(out)
    assert result["holdout_renderer"] == "dseg" and set(result["scores"]) == set(STYLES)
    for by_reader in result["scores"].values():
        for given in ("nothing", "loose", "area", "digits"):
            assert sum(by_reader[f"meterhub/{given}"]) == 2
        for reader in ("tesseract", "ssocr"):
            assert sum(by_reader[f"{reader}/nothing"]) == sum(by_reader[f"{reader}/area"]) == 2
        assert "general/area" in by_reader or "general: not installed" in out
    # A wrong reading by Meterhub, or a frame it broke on, fails the run.
    assert code == (0 if result["meterhub_wrong"] == result["meterhub_failed"] == 0 else 1)


def test_a_frame_the_reader_broke_on_is_listed_and_fails_the_run(capsys) -> None:
    # A crash is counted as refused, with its reason; unflagged it would hide a bug.
    score = Score()
    score.add(12.5, 12.5)
    score.add(None, 7.0, "OCR failed on this frame: ValueError: zip()", failed=True)
    code = report("t", {}, {"lcd": {"meterhub/area": score}}, [], show=3)
    out = capsys.readouterr().out
    assert "FAILED: OCR failed on this frame: ValueError: zip()" in out
    result = _last_json(out)
    assert result["scores"]["lcd"]["meterhub/area"] == [1, 1, 0]
    assert result["meterhub_failed"] == 1 and code == 1


def test_simulator_frames_include_drums_read_with_their_window(capsys) -> None:
    main(["bench", "ocr-frames", "--holdout-renderer", "simulator", "--models", str(MODELS_DIR),
          "--per-style", "1", "--readers", ""])  # fmt: skip
    scores = _last_json(capsys.readouterr().out)["scores"]
    assert set(scores) == {"lcd", "led", "drum"}
    assert set(scores["drum"]) == {"meterhub/area"}  # a drum counter needs its window marked
    assert set(scores["lcd"]) == {"meterhub/nothing", "meterhub/loose", "meterhub/area"}


def test_a_spent_budget_stops_reading_and_still_reports(capsys) -> None:
    main(["bench", "ocr-frames", "--holdout-renderer", "simulator", "--models", str(MODELS_DIR),
          "--per-style", "3", "--readers", "", "--budget-s", "0"])  # fmt: skip
    out = capsys.readouterr().out
    assert "budget of 0 s spent: 1 of 9 frames read" in out
    lcd = _last_json(out)["scores"]["lcd"]  # one frame, read three ways
    assert set(lcd) == {"meterhub/nothing", "meterhub/loose", "meterhub/area"}
    assert all(sum(score) == 1 for score in lcd.values())


def test_without_torch_or_models_it_says_what_to_install(capsys, monkeypatch) -> None:
    monkeypatch.setattr(train_cli, "missing_train_packages", lambda: ["torch"])
    assert main(["bench", "ocr-frames", "--holdout-renderer", "dseg", "--per-style", "1"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[train]'" in err and "--models" in err


def test_held_out_renderers_are_left_out_of_training() -> None:
    assert lcd_renderers("polygons") == [render_font_digit]
    assert lcd_renderers("dseg") == [render_lcd_digit]
    assert lcd_renderers(None) == [render_lcd_digit]  # the shipped models' recipe
    assert lcd_renderers("dotmatrix") == [render_lcd_digit_without_dots, render_font_digit]
    rng = np.random.default_rng(2)
    assert {SegmentStyle.random(rng, matrix_share=0.0).shape for _ in range(300)} <= set(_SHAPES)
    assert not set(drum_fonts("simulator")) & set(SIMULATOR_DRUM_FACES)
    assert set(SIMULATOR_DRUM_FACES) <= set(drum_fonts("dseg"))


@pytest.mark.parametrize(
    ("text", "decimals", "number"),
    [
        ("127.03\n", 2, 127.03),
        ("12703", 2, 127.03),
        ("kWh 0012,5", 3, 12.5),
        ("TOKEN 47110 SISA 12.34", 2, 471.1),  # the longest run is the one taken
        ("12 34", 1, None),  # two equally long runs: no single answer
        ("1.2.3", 0, None),
        ("kWh", 1, None),
        ("", 0, None),
    ],
)
def test_number_a_user_would_take_from_an_ocr_answer(
    text: str, decimals: int, number: float | None
) -> None:
    assert number_in(text, decimals) == (pytest.approx(number) if number is not None else None)


def test_a_sequence_model_trained_without_the_renderer_is_taken_from_the_cache(tmp_path) -> None:
    from dataclasses import replace

    from services.ocr_training.holdout_models import sequence_cache_path, sequence_model_without
    from services.ocr_training.training import SequenceTraining

    said: list[str] = []
    path = sequence_cache_path(
        "dotmatrix", tmp_path, tmp_path / "cache", replace(SequenceTraining(), seed=3)
    )
    path.parent.mkdir(parents=True)
    path.write_bytes(b"model")
    assert sequence_model_without("dotmatrix", tmp_path, tmp_path / "cache", 3, said.append) == path
    assert "cached model trained without dotmatrix" in said[0]
    other = sequence_cache_path(
        "dseg", tmp_path, tmp_path / "cache", replace(SequenceTraining(), seed=3)
    )
    assert other != path  # each held-out renderer has its own model


def test_a_cached_sequence_model_of_another_recipe_is_not_taken(tmp_path, monkeypatch) -> None:
    from services.ocr_training import sequence_cli
    from services.ocr_training.holdout_models import sequence_cache_path
    from services.ocr_training.training import SequenceTraining

    before = sequence_cache_path("dotmatrix", tmp_path, tmp_path, SequenceTraining())
    fewer = {name: count // 2 for name, count in sequence_cli.WINDOWS.items()}
    monkeypatch.setattr(sequence_cli, "WINDOWS", fewer)
    assert sequence_cache_path("dotmatrix", tmp_path, tmp_path, SequenceTraining()) != before


def test_a_loose_roi_is_the_glass_grown_about_its_centre_inside_the_frame() -> None:
    from services.bench.ocr_holdout import LOOSE_ROI, _loose

    x, y, w, h = _loose((200, 200, 100, 50))
    assert (w, h) == (round(100 * LOOSE_ROI), round(50 * LOOSE_ROI))
    assert (x + w / 2, y + h / 2) == (250, 225)
    assert _loose((0, 0, 640, 480)) == (0, 0, 640, 480)
