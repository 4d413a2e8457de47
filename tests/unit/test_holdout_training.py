"""Models trained without a renderer for `bench ocr-frames --holdout-renderer`: trained
once, cached under a name made of what shapes them, marked with the renderer left out.
Needs the `train` extra; `make test` skips these."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the train extra: pip install -e '.[train]'")
pytest.importorskip("onnxscript", reason="the ONNX export needs the train extra")

from services.cli import main
from services.ocr_training import holdout_models
from services.ocr_training.synth import render_lcd_digit
from services.ocr_worker.classifier import DigitClassifier
from tests.font_helpers import needs_fonts


@needs_fonts
def test_models_without_a_renderer_are_trained_once_and_marked(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = replace(holdout_models.HOLDOUT_TRAINING, epochs=1, synthetic=40, real_copies=1)
    monkeypatch.setattr(holdout_models, "HOLDOUT_TRAINING", tiny)
    dataset, rng = tmp_path / "digits", np.random.default_rng(1)
    (dataset / "lcd").mkdir(parents=True)
    rows = ["file,digit"]
    for i in range(20):
        cv2.imwrite(str(dataset / "lcd" / f"{i}.png"), render_lcd_digit(i % 10, rng)[0])
        rows.append(f"{i}.png,{i % 10}")
    (dataset / "lcd" / "labels.csv").write_text("\n".join(rows) + "\n")
    argv = ["bench", "ocr-frames", "--holdout-renderer", "polygons", "--per-style", "1",
            "--readers", "", "--cache", str(tmp_path / "cache"), "--dataset", str(dataset)]  # fmt: skip
    main(argv)
    first = capsys.readouterr().out
    assert "training without polygons" in first
    assert json.loads(first.strip().splitlines()[-1])["holdout_renderer"] == "polygons"
    (model,) = (tmp_path / "cache").glob("without-polygons-*/digits_lcd.onnx")
    assert DigitClassifier.from_file(model).meta["without_renderer"] == "polygons"
    main(argv)
    again = capsys.readouterr().out
    assert "cached model trained without polygons" in again and "training" not in again
