"""The sequence reader's training side: its members exported as one graph answer as the
torch networks do, and a finished member is taken from its checkpoint, not redrawn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the train extra: pip install -e '.[train]'")
pytest.importorskip("onnxscript", reason="the ONNX export needs the train extra")

import torch

from services.ocr_training.sequence_net import SequenceNet, to_onnx, trained_already
from services.ocr_training.training import SequenceTraining
from services.ocr_worker.sequence_reader import (
    INPUT_NAME,
    OUTPUT_NAME,
    STRIP_HEIGHT,
    STRIP_WIDTH,
    SequenceReader,
)


def test_the_graph_gives_every_members_answer_as_torch_does() -> None:
    torch.manual_seed(0)
    nets = [SequenceNet().eval(), SequenceNet().eval()]
    reader = SequenceReader(to_onnx(nets, {"members": 2}))
    strips = np.random.default_rng(0).uniform(-1, 1, (3, 1, STRIP_HEIGHT, STRIP_WIDTH))
    strips = strips.astype(np.float32)
    (graph,) = reader.session.run([OUTPUT_NAME], {INPUT_NAME: strips})
    with torch.no_grad():
        expected = np.stack([net(torch.from_numpy(strips)).numpy() for net in nets])
    assert graph.shape == expected.shape == (2, 3, *expected.shape[2:])
    np.testing.assert_allclose(graph, expected, atol=1e-4)
    assert reader.meta == {"members": 2}


def test_a_finished_member_comes_from_its_checkpoint(tmp_path: Path) -> None:
    config = replace(SequenceTraining(), epochs=3)
    net = SequenceNet()
    checkpoint = tmp_path / "member.pt"
    assert trained_already(checkpoint, config) is None  # nothing there yet
    torch.save({"net": net.state_dict(), "epoch": 2}, checkpoint)
    assert trained_already(checkpoint, config) is None  # interrupted: resumed, not taken
    torch.save({"net": net.state_dict(), "epoch": 3}, checkpoint)
    taken = trained_already(checkpoint, config)
    assert taken is not None and not taken.training
    for name, weights in net.state_dict().items():
        assert torch.equal(taken.state_dict()[name], weights)
