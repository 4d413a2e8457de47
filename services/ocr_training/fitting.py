"""The training loop the sequence reader and the display locator share: seeded AdamW
with a one-cycle schedule, a checkpoint after every epoch to resume from, and the ONNX
export of a finished network."""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from .digit_net import finished

_OPSET = 18


class Recipe(Protocol):
    epochs: int
    batch: int
    learning_rate: float
    seed: int


def fit(
    make_net: Callable[[], nn.Module],
    count: int,
    step: Callable[[nn.Module, np.ndarray, np.random.Generator], torch.Tensor],
    config: Recipe,
    progress: Callable[[str], None],
    checkpoint: Path | None = None,
) -> nn.Module:
    """``make_net()`` trained on ``count`` rows, a batch of row numbers at a time (``step``
    returns the batch's mean loss), seeded; resumes from ``checkpoint`` after an
    interruption."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    net = make_net()
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    steps_per_epoch = math.ceil(count / config.batch)
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
    for epoch in range(start, config.epochs):
        net.train()
        order = rng.permutation(count)
        total = 0.0
        for first in range(0, count, config.batch):
            chosen = order[first : first + config.batch]
            loss = step(net, chosen, rng)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(chosen)
        progress(f"epoch {epoch + 1}/{config.epochs}: loss {total / count:.4f}")
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
    return net.eval()


def trained_already(
    checkpoint: Path | None, config: Recipe, make_net: Callable[[], nn.Module]
) -> nn.Module | None:
    """The network a completed run left in ``checkpoint`` (its data need not be drawn
    again), or None."""
    if checkpoint is None or not checkpoint.is_file():
        return None
    saved = torch.load(checkpoint, weights_only=False)
    if saved["epoch"] < config.epochs:
        return None
    net = make_net()
    net.load_state_dict(saved["net"])
    return net.eval()


def exported(
    net: nn.Module, example: torch.Tensor, names: tuple[str, str], producer: str,
    meta: dict[str, object],
) -> bytes:  # fmt: skip
    """``net`` as an ONNX graph taking any batch size, ``meta`` as JSON inside."""
    net.eval()
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            net, (example,), dynamo=True, input_names=[names[0]], output_names=[names[1]],
            dynamic_shapes=({0: torch.export.Dim("batch")},), opset_version=_OPSET,
            verbose=False,
        )  # fmt: skip
    assert program is not None
    return finished(program.model_proto, producer, meta)
