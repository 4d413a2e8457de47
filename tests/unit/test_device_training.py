"""`ocr train --device`: examples split by photo, the switch rule and the answer without
PyTorch need no torch; the fine-tune itself (skipped without the train extra) learns a
look the shipped model refuses and switches the worker to it."""

from __future__ import annotations

import argparse
import importlib.util
from datetime import UTC, datetime

import numpy as np
import pytest
import yaml

from services.core.config.devices import OcrConfig
from services.domain.device_models import DeviceModels
from services.domain.recent_frames import FrameRecord
from services.domain.training_examples import TrainingExamples
from services.ocr_training import train_cli
from services.ocr_training.device_train import (
    MAX_REAL_SHARE,
    Scores,
    decide,
    example_crops,
    real_copies,
    split_by_photo,
)
from services.ocr_training.display_frames import display_frame
from services.ocr_training.training import RECIPES, TrainConfig

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="training needs the train extra: pip install -e '.[train]'",
)


def _ocr(frame) -> OcrConfig:
    return OcrConfig(digits=frame.digits, decimals=frame.decimals, quantity="energy_import_kwh")


def _teach(data_dir, count: int, seed: int = 0, twins: int = 0):
    """``count`` dseg frames kept as corrections (the last ``twins`` again under new ids)."""
    rng = np.random.default_rng(seed)
    examples = TrainingExamples(data_dir)
    frames = [display_frame("dseg", "inverse", rng) for _ in range(count)]
    for i, frame in enumerate(frames + frames[count - twins :]):
        record = FrameRecord(frame_id=f"f{i:03d}", ts=datetime.now(UTC), boxes=frame.cells)
        examples.add("pln", frame.jpeg, record, frame.value, _ocr(frame), "test", "cli")
    return frames


def test_copies_of_one_photo_stay_on_one_side_of_the_split(tmp_path):
    _teach(tmp_path, 8, twins=3)
    examples = TrainingExamples(tmp_path).list("pln")
    train, held = split_by_photo(examples, seed=0)
    assert len(train) + len(held) == 11 and held
    assert not {e.sha256 for e in train} & {e.sha256 for e in held}
    assert split_by_photo(examples[:1], seed=0) == (examples[:1], [])


def test_crops_are_the_boxes_with_their_digits_and_bad_examples_are_named(tmp_path):
    frames = _teach(tmp_path, 2)
    store = TrainingExamples(tmp_path)
    examples = sorted(store.list("pln"), key=lambda e: e.id)
    crops, skipped = example_crops(store.folder("pln"), examples)
    assert len(crops) == sum(f.digits for f in frames) and not skipped
    assert "".join(map(str, crops.labels[: frames[0].digits])) == examples[0].label
    broken = examples[1].model_copy(update={"boxes": examples[1].boxes[:-1]})
    crops, skipped = example_crops(store.folder("pln"), [broken])
    assert not len(crops) and "boxes for" in skipped[0]


@pytest.mark.parametrize(
    ("candidate", "switch", "why"),
    [
        (Scores(0.9, 0.95), True, "held-out 90.0%"),
        (Scores(0.4, 0.95), False, "worse on the held-out examples"),
        (Scores(0.9, 0.90), False, "worse on the benchmark digits"),
        (Scores(0.5, 0.946), True, "benchmark 94.6%"),  # within the benchmark's own noise
    ],
)
def test_a_model_is_switched_to_only_when_no_worse(candidate, switch, why):
    decision = decide(candidate, Scores(0.5, 0.95))
    assert decision.switch is switch and why in decision.why


def test_many_corrections_are_shown_fewer_times_so_the_model_does_not_drift():
    config = TrainConfig(synthetic=3000)
    few, many = real_copies("lcd", 30, config), real_copies("lcd", 600, config)
    assert few == RECIPES["lcd"].real_copies and 1 <= many < few
    assert many * 600 <= 3000 * MAX_REAL_SHARE / (1 - MAX_REAL_SHARE)


def _train(config, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    args = parser.parse_args(argv)
    args.config = str(config)
    return train_cli.run(args)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yml"
    device = {"kind": "camera", "ocr": {"digits": 6, "decimals": 2}}
    path.write_text(
        yaml.safe_dump({"storage": {"data_dir": str(tmp_path)}, "devices": {"pln": device}})
    )
    return path


def test_without_torch_the_cli_names_the_train_extra(config, monkeypatch, capsys):
    monkeypatch.setattr(train_cli, "missing_train_packages", lambda: ["torch"])
    assert _train(config, "--device", "pln") == 2
    assert "pip install -e '.[train]'" in capsys.readouterr().err
    assert _train(config, "--device", "nope") == 2


@needs_torch
def test_fine_tuning_on_corrections_reads_frames_the_shipped_model_refused(tmp_path, config):
    from services.ocr_worker.pipeline import FramePipeline, Rois

    _teach(tmp_path, 10)
    rng = np.random.default_rng(99)
    fresh = [display_frame("dseg", "inverse", rng) for _ in range(30)]
    pipeline = FramePipeline(tmp_path, keep_images=False)

    def right() -> int:
        outcomes = [
            pipeline.process("pln", f.jpeg, _ocr(f), Rois(digits=f.cells), None) for f in fresh
        ]
        return sum(o.read is not None and abs(o.read.value - f.value) < 1e-9
                   for o, f in zip(outcomes, fresh, strict=True))  # fmt: skip

    before = right()
    assert _train(config, "--device", "pln") == 0
    assert DeviceModels(tmp_path).active_path("pln", "lcd") is not None
    assert right() > before
