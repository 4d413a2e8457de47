"""The sequence reader's network in PyTorch, its CTC training, and its ONNX export.

Only training imports this module (the ``train`` extra). The network: four 3×3
convolution blocks (batch norm, ReLU) that pool the strip's height away and its width by
four, then two 1-D convolutions along the strip and a linear layer to the blank plus
``ALPHABET`` for each of ``STEPS`` columns. No recurrent layer: one window is read in a
millisecond or two on one core, and a digit's context is a few columns wide anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..ocr_worker.sequence_reader import (
    ALPHABET,
    INPUT_NAME,
    OUTPUT_NAME,
    STRIP_HEIGHT,
    STRIP_WIDTH,
)
from . import fitting
from .training import SequenceTraining


def _block(channels_in: int, channels: int, pool: tuple[int, int] | None) -> list[nn.Module]:
    layers: list[nn.Module] = [
        nn.Conv2d(channels_in, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
    ]
    return layers + ([nn.MaxPool2d(pool)] if pool else [])


class SequenceNet(nn.Module):
    """Log-probabilities (N, STEPS, classes) for strips (N, 1, H, W)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *_block(1, 16, (2, 2)),  # 16 × 64
            *_block(16, 32, (2, 2)),  # 8 × 32
            *_block(32, 48, (2, 1)),  # 4 × 32
            *_block(48, 64, (4, 1)),  # 1 × 32
        )
        self.along = nn.Sequential(
            nn.Conv1d(64, 96, 3, padding=1),
            nn.ReLU(),
            nn.Conv1d(96, 96, 3, padding=1),
            nn.ReLU(),
            nn.Dropout(0.1),
        )
        self.head = nn.Conv1d(96, len(ALPHABET) + 1, 1)

    def forward(self, strips: torch.Tensor) -> torch.Tensor:
        columns = self.features(strips).squeeze(2)  # N, C, STEPS
        scores = self.head(self.along(columns))  # N, classes, STEPS
        return torch.log_softmax(scores.transpose(1, 2), dim=2)


def _targets(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    codes = [[ALPHABET.index(c) + 1 for c in text] for text in texts]
    flat = torch.tensor([c for code in codes for c in code], dtype=torch.long)
    return flat, torch.tensor([len(code) for code in codes], dtype=torch.long)


def _augmented(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light per-epoch changes: contrast, offset, a shift of a few columns."""
    out = batch.astype(np.float32)
    gain = rng.uniform(0.7, 1.2, (len(out), 1, 1))
    out = np.clip(out * gain + rng.uniform(-0.2, 0.2, (len(out), 1, 1)), -1, 1)
    shift = int(rng.integers(-3, 4))
    return np.roll(out, shift, axis=2).astype(np.float32)


def trained_already(checkpoint: Path | None, config: SequenceTraining) -> SequenceNet | None:
    """A member a completed run left in ``checkpoint`` (its windows need not be drawn
    again), or None."""
    return fitting.trained_already(checkpoint, config, SequenceNet)  # type: ignore[return-value]


def train(
    strips: np.ndarray,
    texts: list[str],
    config: SequenceTraining,
    progress: Callable[[str], None],
    checkpoint: Path | None = None,
) -> SequenceNet:
    """CTC training, seeded; resumes from ``checkpoint`` after an interruption."""
    loss_fn = nn.CTCLoss(blank=0, zero_infinity=True)

    def step(net: nn.Module, chosen: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        batch = torch.from_numpy(_augmented(strips[chosen], rng)[:, None])
        targets, lengths = _targets([texts[i] for i in chosen])
        log_probs = net(batch).transpose(0, 1)  # STEPS, N, classes
        inputs = torch.full((len(chosen),), log_probs.shape[0], dtype=torch.long)
        return loss_fn(log_probs, targets, inputs, lengths)

    net = fitting.fit(SequenceNet, len(texts), step, config, progress, checkpoint)
    return net  # type: ignore[return-value]


class Members(nn.Module):
    """Every member's log-probabilities, stacked: (members, N, STEPS, classes)."""

    def __init__(self, nets: list[SequenceNet]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, strips: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(strips) for net in self.nets])


def to_onnx(nets: list[SequenceNet], meta: dict[str, object]) -> bytes:
    """The trained networks as one ONNX graph (any batch size), ``meta`` as JSON inside."""
    example = torch.zeros(2, 1, STRIP_HEIGHT, STRIP_WIDTH)
    names = (INPUT_NAME, OUTPUT_NAME)
    return fitting.exported(Members(nets), example, names, "meterhub ocr train-sequence", meta)


def training_meta(config: SequenceTraining, sources: dict[str, int]) -> dict[str, object]:
    return {"training": asdict(config), "sources": sources}
