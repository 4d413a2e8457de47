"""The display locator's network in PyTorch, its training and its export to ONNX.

Only training imports this module (the ``train`` extra). A small fully convolutional
network: three conv blocks down to a quarter of the input, three dilated convolutions that
see the whole display and its bezel at once, and a 1×1 head scoring each cell as glass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..ocr_worker.display_locator import INPUT_HEIGHT, INPUT_NAME, INPUT_WIDTH, OUTPUT_NAME
from . import fitting
from .training import LocatorTraining


def _block(channels_in: int, channels: int, dilation: int = 1) -> list[nn.Module]:
    return [
        nn.Conv2d(channels_in, channels, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
    ]


class LocatorNet(nn.Module):
    """Glass logits (N, 1, H / 4, W / 4) for frames (N, 3, H, W)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *_block(3, 16),
            nn.MaxPool2d(2),
            *_block(16, 32),
            nn.MaxPool2d(2),
            *_block(32, 48),
            *_block(48, 48, dilation=2),
            *_block(48, 48, dilation=4),
            *_block(48, 48, dilation=8),
            nn.Conv2d(48, 1, 1),
        )

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.layers(frames)


def _augmented(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light per-epoch changes: brightness and a colour cast."""
    out = batch.astype(np.float32)
    gain = rng.uniform(0.6, 1.3, (len(out), 1, 1, 1))
    cast = rng.uniform(-0.15, 0.15, (len(out), 3, 1, 1))
    return np.clip(out * gain + cast, -1, 1).astype(np.float32)


def train(
    inputs: np.ndarray,
    targets: np.ndarray,
    config: LocatorTraining,
    progress: Callable[[str], None],
    checkpoint: Path | None = None,
) -> LocatorNet:
    """Per-cell cross-entropy against the glass's share of each cell, seeded; resumes
    from ``checkpoint`` after an interruption."""
    loss_fn = nn.BCEWithLogitsLoss()

    def step(net: nn.Module, chosen: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        rows = np.sort(chosen)
        batch = torch.from_numpy(_augmented(inputs[rows], rng))
        target = torch.from_numpy(targets[rows].astype(np.float32))[:, None]
        return loss_fn(net(batch), target)

    net = fitting.fit(LocatorNet, len(inputs), step, config, progress, checkpoint)
    return net  # type: ignore[return-value]


def to_onnx(net: LocatorNet, meta: dict[str, object]) -> bytes:
    """The trained network as an ONNX graph (any batch size), ``meta`` as JSON inside."""
    example = torch.zeros(2, 3, INPUT_HEIGHT, INPUT_WIDTH)
    names = (INPUT_NAME, OUTPUT_NAME)
    return fitting.exported(net, example, names, "meterhub ocr train-locator", meta)


def training_meta(config: LocatorTraining, sources: dict[str, int]) -> dict[str, object]:
    return {"training": asdict(config), "sources": sources}
