"""The display locator's training side: the exported graph answers as the torch network
does, and a seeded run is reproducible."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the train extra: pip install -e '.[train]'")
pytest.importorskip("onnxscript", reason="the ONNX export needs the train extra")

import torch

from services.ocr_training.locator_net import LocatorNet, to_onnx, train
from services.ocr_training.training import LocatorTraining
from services.ocr_worker.display_locator import (
    INPUT_HEIGHT,
    INPUT_NAME,
    INPUT_WIDTH,
    OUTPUT_NAME,
    DisplayLocator,
)


def test_the_graph_answers_as_torch_does() -> None:
    torch.manual_seed(0)
    net = LocatorNet().eval()
    locator = DisplayLocator(to_onnx(net, {"sources": {"polygons": 1}}))
    frames = np.random.default_rng(0).uniform(-1, 1, (2, 3, INPUT_HEIGHT, INPUT_WIDTH))
    frames = frames.astype(np.float32)
    (graph,) = locator.session.run([OUTPUT_NAME], {INPUT_NAME: frames})
    with torch.no_grad():
        expected = net(torch.from_numpy(frames)).numpy()
    assert graph.shape == (2, 1, INPUT_HEIGHT // 4, INPUT_WIDTH // 4)
    np.testing.assert_allclose(graph, expected, atol=1e-4)
    assert locator.meta == {"sources": {"polygons": 1}}


def test_a_seeded_run_trains_the_same_network_twice() -> None:
    rng = np.random.default_rng(1)
    inputs = rng.uniform(-1, 1, (12, 3, INPUT_HEIGHT, INPUT_WIDTH)).astype(np.float16)
    targets = (rng.random((12, INPUT_HEIGHT // 4, INPUT_WIDTH // 4)) > 0.7).astype(np.float16)
    config = replace(LocatorTraining(), epochs=1, batch=4)
    first, second = (train(inputs, targets, config, lambda _: None) for _ in range(2))
    for name, weights in first.state_dict().items():
        assert torch.equal(second.state_dict()[name], weights), name
