"""A meter's own digit models: stored beside the shipped ones, never over them; the worker
switches on the next frame after training or a rollback; `ocr model list|rollback`."""

from __future__ import annotations

import argparse
import hashlib

import pytest
import yaml

from services.domain.device_models import DeviceModels, NoModel
from services.ocr_worker import model_cli
from services.ocr_worker.classifier import MODELS_DIR, model_path
from services.ocr_worker.pipeline import FramePipeline


def _shipped_digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in MODELS_DIR.iterdir()}


@pytest.fixture
def store(tmp_path):
    return DeviceModels(tmp_path)


def test_rollback_returns_to_the_previous_model_and_then_to_the_shipped_one(store):
    first = store.add("pln", "lcd", b"first")
    second = store.add("pln", "lcd", b"second")
    assert first != second and store.files("pln") == [first, second]
    store.activate("pln", "lcd", first, why="trained")
    store.activate("pln", "lcd", second, why="trained again")
    assert store.active_path("pln", "lcd") == store.folder("pln") / second
    assert store.rollback("pln", "lcd").active == first
    assert store.rollback("pln", "lcd").active == second  # a rollback can be undone
    store.activate("pln", "lcd", None, why="shipped")
    assert store.active_path("pln", "lcd") is None
    assert store.active_path("pln", "drum") is None


def test_nothing_to_roll_back_and_unknown_models_say_so(store):
    with pytest.raises(NoModel, match="shipped lcd model"):
        store.rollback("pln", "lcd")
    with pytest.raises(NoModel, match="no model"):
        store.activate("pln", "lcd", "lcd-20260101T000000Z.onnx", why="")
    with pytest.raises(ValueError, match="not a device id"):
        store.folder("../etc")


def test_a_broken_active_file_is_an_error_not_a_guess(store):
    store.active_file("pln").parent.mkdir(parents=True)
    store.active_file("pln").write_text("{not json")
    with pytest.raises(ValueError):
        store.read("pln")


def test_the_worker_switches_models_on_the_next_frame_and_back(tmp_path, store):
    before = _shipped_digests()
    pipeline = FramePipeline(tmp_path, keep_images=False)
    shipped_lcd = pipeline.model_for("lcd")
    assert pipeline.device_models.model_for("pln")("lcd") is shipped_lcd
    # A stand-in for a trained model: the drum model, told apart by its metadata.
    name = store.add("pln", "lcd", model_path("drum").read_bytes())
    store.activate("pln", "lcd", name, why="test")
    own = pipeline.device_models.model_for("pln")("lcd")
    assert own is not shipped_lcd and own.meta["kind"] == "drum"
    assert pipeline.device_models.model_for("other")("lcd") is shipped_lcd
    store.rollback("pln", "lcd")
    assert pipeline.device_models.model_for("pln")("lcd") is shipped_lcd
    assert _shipped_digests() == before


def test_an_unloadable_device_model_falls_back_to_the_shipped_one(tmp_path, store, caplog):
    pipeline = FramePipeline(tmp_path, keep_images=False)
    store.activate("pln", "lcd", store.add("pln", "lcd", b"not onnx"), why="test")
    assert pipeline.device_models.model_for("pln")("lcd") is pipeline.model_for("lcd")
    assert "device model unusable" in caplog.text


def _model_cli(config, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    model_cli.add_arguments(parser)
    args = parser.parse_args(argv)
    args.config = str(config)
    return model_cli.run(args)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yml"
    device = {"kind": "camera", "ocr": {"digits": 6, "decimals": 2}}
    path.write_text(
        yaml.safe_dump({"storage": {"data_dir": str(tmp_path)}, "devices": {"pln": device}})
    )
    return path


def test_cli_lists_and_rolls_back(config, store, capsys):
    name = store.add("pln", "lcd", b"model")
    store.activate("pln", "lcd", name, why="held-out 9/10 vs 4/10")
    assert _model_cli(config, "list", "--device", "pln") == 0
    out = capsys.readouterr().out
    assert f"lcd: active {name}, previous (shipped)" in out and f"* {name}" in out
    assert "held-out 9/10" in out
    assert _model_cli(config, "rollback", "--device", "pln") == 0
    assert "pln lcd: now (shipped)" in capsys.readouterr().out
    assert store.active_path("pln", "lcd") is None
    assert _model_cli(config, "rollback", "--device", "pln", "--kind", "lcd") == 1
    assert "nothing to roll back" in capsys.readouterr().err
    assert _model_cli(config, "list", "--device", "nope") == 2
