"""The sequence reader's network in PyTorch, its CTC training, and its ONNX export.

Only training imports this module (the ``train`` extra). The network: four 3×3
convolution blocks (batch norm, ReLU) that pool the strip's height away and its width by
four, then two 1-D convolutions along the strip and a linear layer to the blank plus
``ALPHABET`` for each of ``STEPS`` columns. No recurrent layer: one window is read in a
millisecond or two on one core, and a digit's context is a few columns wide anyway.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
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
from .digit_net import finished
from .training import SequenceTraining

_OPSET = 18


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
    """The network a completed run left in ``checkpoint`` (its windows need not be drawn
    again), or None."""
    if checkpoint is None or not checkpoint.is_file():
        return None
    saved = torch.load(checkpoint, weights_only=False)
    if saved["epoch"] < config.epochs:
        return None
    net = SequenceNet()
    net.load_state_dict(saved["net"])
    return net.eval()


def train(
    strips: np.ndarray,
    texts: list[str],
    config: SequenceTraining,
    progress: Callable[[str], None],
    checkpoint: Path | None = None,
) -> SequenceNet:
    """CTC training, seeded; resumes from ``checkpoint`` after an interruption."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    net = SequenceNet()
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(texts) / config.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, config.learning_rate, total_steps=config.epochs * steps_per_epoch
    )
    start = 0
    if checkpoint is not None and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(saved["net"])
        optimiser.load_state_dict(saved["optimiser"])
        schedule.load_state_dict(saved["schedule"])
        rng.bit_generator.state = saved["rng"]
        start = saved["epoch"]
        progress(f"resumed after epoch {start}")
    loss_fn = nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(start, config.epochs):
        net.train()
        order = rng.permutation(len(texts))
        total = 0.0
        for first in range(0, len(order), config.batch):
            chosen = order[first : first + config.batch]
            batch = torch.from_numpy(_augmented(strips[chosen], rng)[:, None])
            targets, lengths = _targets([texts[i] for i in chosen])
            log_probs = net(batch).transpose(0, 1)  # STEPS, N, classes
            inputs = torch.full((len(chosen),), log_probs.shape[0], dtype=torch.long)
            loss = loss_fn(log_probs, targets, inputs, lengths)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(chosen)
        progress(f"epoch {epoch + 1}/{config.epochs}: CTC loss {total / len(texts):.4f}")
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            state = {
                "net": net.state_dict(),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
                "rng": rng.bit_generator.state,
                "epoch": epoch + 1,
            }
            torch.save(state, checkpoint)
    net.eval()
    return net


class Members(nn.Module):
    """Every member's log-probabilities, stacked: (members, N, STEPS, classes)."""

    def __init__(self, nets: list[SequenceNet]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, strips: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(strips) for net in self.nets])


def to_onnx(nets: list[SequenceNet], meta: dict[str, object]) -> bytes:
    """The trained networks as one ONNX graph (any batch size), ``meta`` as JSON inside."""
    members = Members(nets).eval()
    example = torch.zeros(2, 1, STRIP_HEIGHT, STRIP_WIDTH)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            members, (example,), dynamo=True, input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME], dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=_OPSET, verbose=False,
        )  # fmt: skip
    assert program is not None
    return finished(program.model_proto, "meterhub ocr train-sequence", meta)


def training_meta(config: SequenceTraining, sources: dict[str, int]) -> dict[str, object]:
    return {"training": asdict(config), "sources": sources}
