"""Training the digit classifier with PyTorch: seeded and reproducible, resumable, and
exported to the ONNX graph the worker runs. Needs the `train` extra
(`pip install -e '.[train]'`); `make test` does not install it, so these are skipped there.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the train extra: pip install -e '.[train]'")
pytest.importorskip("onnxscript", reason="the ONNX export needs the train extra")

import torch

from services.cli import main
from services.ocr_training.digit_net import (
    Architecture,
    DigitNet,
    export_onnx,
    probabilities,
)
from services.ocr_training.synth import render_drum_digit, render_lcd_digit
from services.ocr_training.trainer import train_kind
from services.ocr_training.training import LabelledCrops, TrainConfig, synthetic_test_set
from services.ocr_worker.classifier import KINDS, DigitClassifier, model_path

_TINY = TrainConfig(seed=7, members=1, epochs=2, synthetic=60, real_copies=1)


def _quiet(_: str) -> None:
    pass


def _tiny_real() -> LabelledCrops:
    rng = np.random.default_rng(0)
    images = [render_drum_digit(float(d % 10), rng) for d in range(30)]
    return LabelledCrops(images, np.arange(30) % 10, [f"d{i}" for i in range(30)])


def _answers(model: bytes) -> np.ndarray:
    probe = synthetic_test_set("drum", 20, seed=3).images
    return np.array([p.probabilities for p in DigitClassifier(model).predict(probe)])


def test_the_onnx_graph_answers_as_the_torch_networks_do() -> None:
    torch.manual_seed(0)
    nets = [DigitNet(Architecture()).eval() for _ in range(2)]
    model = export_onnx(nets, {"kind": "lcd", "note": "test"})
    assert b"stack_trace" not in model and b"digit_net.py" not in model
    classifier = DigitClassifier(model)
    inputs = np.random.default_rng(1).standard_normal((5, 32, 24)).astype(np.float32)
    expected = probabilities(nets, torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(classifier.probabilities(inputs), expected, atol=1e-5)
    # Both polarities, inside the graph: a crop and its negative get one answer.
    np.testing.assert_allclose(
        classifier.probabilities(-inputs), classifier.probabilities(inputs), atol=1e-6
    )
    assert classifier.meta == {"kind": "lcd", "note": "test"}


def test_training_is_deterministic_for_a_seed() -> None:
    first, second = (_answers(train_kind("drum", _tiny_real(), _TINY, _quiet)) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    other = _answers(train_kind("drum", _tiny_real(), replace(_TINY, seed=8), _quiet))
    assert not np.array_equal(first, other)


class _Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path: Path) -> None:
    straight = _answers(train_kind("drum", _tiny_real(), _TINY, _quiet))

    def stop_after_first_epoch(line: str) -> None:
        if "epoch 1/" in line:
            raise _Interrupted

    checkpoints = tmp_path / "checkpoints"
    with pytest.raises(_Interrupted):
        train_kind("drum", _tiny_real(), _TINY, stop_after_first_epoch, checkpoints=checkpoints)
    assert len(list(checkpoints.glob("*.pt"))) == 1
    lines: list[str] = []
    resumed = train_kind("drum", _tiny_real(), _TINY, lines.append, checkpoints=checkpoints)
    assert any("resuming after epoch 1" in line for line in lines)
    assert not any("epoch 1/" in line for line in lines)
    np.testing.assert_array_equal(_answers(resumed), straight)
    # A finished network is taken as it is, without rendering its samples again.
    lines.clear()
    again = train_kind("drum", _tiny_real(), _TINY, lines.append, checkpoints=checkpoints)
    assert any("resuming after epoch 2" in line for line in lines)
    assert not any("rendering" in line for line in lines)
    np.testing.assert_array_equal(_answers(again), straight)
    # Other options do not pick up this run's networks.
    lines.clear()
    train_kind("drum", _tiny_real(), replace(_TINY, seed=9), lines.append, checkpoints=checkpoints)
    assert not any("resuming" in line for line in lines)


def test_ocr_train_writes_loadable_onnx_models_and_a_table(tmp_path: Path, capsys) -> None:
    dataset = tmp_path / "digits"
    rng = np.random.default_rng(1)
    for kind in KINDS:
        (dataset / kind).mkdir(parents=True)
        rows = ["file,digit"]
        for i in range(20):
            image = (
                render_drum_digit(float(i % 10), rng)
                if kind == "drum"
                else render_lcd_digit(i % 10, rng)[0]
            )
            cv2.imwrite(str(dataset / kind / f"{i}.png"), image)
            rows.append(f"{i}.png,{i % 10}")
        (dataset / kind / "labels.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "models"
    argv = ["ocr", "train", "--out", str(out), "--dataset", str(dataset), "--epochs", "1"]
    argv += ["--members", "1", "--synthetic", "40", "--real-copies", "1", "--test-synthetic", "20"]
    assert main([*argv, "--holdout", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "held-out real crops" in printed and "rolling top-2" in printed
    for kind in KINDS:
        model = DigitClassifier.from_file(model_path(kind, out))
        assert model.meta["kind"] == kind and model.meta["real_crops"] == 16
        assert len(model.predict([np.full((40, 24), 90, np.uint8)])) == 1
    assert sorted(path.name for path in out.iterdir()) == ["digits_drum.onnx", "digits_lcd.onnx"]
