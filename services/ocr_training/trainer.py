"""Fitting the digit networks with PyTorch on the CPU (``pip install -e '.[train]'``).

The samples come from ``training`` (seeded numpy, fresh camera effects each epoch); this
module runs the optimiser and exports the trained networks as the ONNX graph the worker
loads. A run is reproducible: numpy and torch are seeded per network, torch uses
deterministic algorithms on ``TORCH_THREADS`` threads. With a checkpoint folder each
network is saved after every epoch and a run started again with the same options goes
on from there, ending with the same model as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional

from ..ocr_worker.annotate import write_atomically
from ..ocr_worker.classifier import KINDS, DigitKind, normalise_crop
from .digit_net import Architecture, DigitNet, export_onnx, probabilities
from .training import (
    RECIPES,
    LabelledCrops,
    TrainConfig,
    epoch_samples,
    grey_crops,
    synthetic_pool,
)

Progress = Callable[[str], None]
# The networks are small: more threads only contend (and a run must not take the cores
# of the services beside it).
TORCH_THREADS = 1


def train_kind(
    kind: DigitKind,
    real: LabelledCrops,
    config: TrainConfig,
    progress: Progress = print,
    held_out: LabelledCrops | None = None,
    checkpoints: Path | None = None,
    meta: dict[str, Any] | None = None,
    start: list[dict[str, torch.Tensor]] | None = None,
) -> bytes:
    """The ONNX model for ``kind`` (``DigitClassifier`` loads it), trained on ``real``
    crops plus synthetic ones; ``meta`` goes into it. ``checkpoints``: a folder to save
    each network in after every epoch and to resume from. ``start``: each network's
    weights to fine-tune from (``digit_net.weights_from_onnx``), one per member."""
    _make_reproducible()
    recipe = RECIPES[kind]
    config = replace(
        config,
        members=recipe.members if config.members is None else config.members,
        real_copies=recipe.real_copies if config.real_copies is None else config.real_copies,
    )
    assert config.members is not None
    arch = Architecture()
    nets: list[DigitNet] = []
    for member in range(config.members):
        name = f"{kind} network {member + 1}/{config.members}"
        checkpoint = None
        if checkpoints is not None:
            checkpoint = (
                checkpoints / f"{kind}-{_fingerprint(kind, real, config, arch)}-{member}.pt"
            )
        nets.append(
            _train_net(
                kind, member, real, config, arch, name, progress, held_out, checkpoint,
                start[member] if start else None,
            )
        )  # fmt: skip
    if held_out is not None and len(held_out) and len(nets) > 1:
        score = _torch_accuracy(nets, held_out)
        progress(f"{kind}: all {len(nets)} networks: held-out accuracy {score:.2%}")
    meta = {"kind": kind, "seed": config.seed, "members": config.members, **(meta or {})}
    return export_onnx(nets, meta)


def _make_reproducible() -> None:
    torch.set_num_threads(TORCH_THREADS)
    torch.use_deterministic_algorithms(True)


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def _fingerprint(kind: str, real: LabelledCrops, config: TrainConfig, arch: Architecture) -> str:
    """Names a checkpoint by everything that shapes the network, so a run with other
    options or crops starts afresh instead of resuming someone else's network. The number
    of networks does not shape any one of them: a run with more picks up those it has."""
    shaping = {**asdict(config), "members": None}
    if config.without is None:  # checkpoints made before renderers could be held out
        del shaping["without"]
    digest = hashlib.sha256(json.dumps([kind, shaping, asdict(arch)]).encode())
    for image in real.images:
        digest.update(hashlib.sha1(image.tobytes()).digest())
    digest.update(real.labels.tobytes())
    return digest.hexdigest()[:16]


def _train_net(
    kind: DigitKind,
    member: int,
    real: LabelledCrops,
    config: TrainConfig,
    arch: Architecture,
    name: str,
    progress: Progress,
    held_out: LabelledCrops | None,
    checkpoint: Path | None,
    initial: dict[str, torch.Tensor] | None = None,
) -> DigitNet:
    recipe = RECIPES[kind]
    synthetic = recipe.synthetic if config.synthetic is None else config.synthetic
    copies = recipe.real_copies if config.real_copies is None else config.real_copies
    rng = np.random.default_rng([config.seed, KINDS.index(kind), member])
    torch.manual_seed(_seed(config.seed, KINDS.index(kind), member))
    # Channels-last runs these small convolutions about 1.5x faster on one CPU thread.
    net = DigitNet(arch)
    if initial is not None:
        net.load_state_dict(initial)
    net = net.to(memory_format=torch.channels_last)
    weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
    optimiser = torch.optim.AdamW(
        [
            {"params": weights, "weight_decay": config.weight_decay},
            {"params": biases, "weight_decay": 0.0},
        ],
        lr=config.learning_rate,
    )
    state = None
    if checkpoint is not None and checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=True)
        net.load_state_dict(state["net"])
        optimiser.load_state_dict(state["optimiser"])
        progress(f"{name}: resuming after epoch {state['epoch']} from {checkpoint}")
        if state["epoch"] >= config.epochs:  # finished: no samples to render
            return net.eval().to(memory_format=torch.contiguous_format)
    progress(f"{name}: rendering {synthetic} synthetic digits")
    pool = synthetic_pool(kind, synthetic, rng, config.without)
    grey_real = grey_crops(real.images)
    per_epoch = synthetic + len(real) * copies * (1 + recipe.rolled_real_share)
    total_steps = math.ceil(per_epoch / config.batch) * config.epochs
    first_epoch, step = 1, 0
    if state is not None:  # the streams as they stood after the saved epoch
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        first_epoch, step = state["epoch"] + 1, state["step"]
    net.train()
    for epoch in range(first_epoch, config.epochs + 1):
        inputs, targets = epoch_samples(kind, pool, grey_real, real.labels, copies, rng)
        order = rng.permutation(len(inputs))
        x_all = torch.from_numpy(inputs).unsqueeze(1).contiguous(memory_format=torch.channels_last)
        t_all = torch.from_numpy(targets)
        losses = []
        for start in range(0, len(order), config.batch):
            batch = torch.from_numpy(order[start : start + config.batch])
            # Cosine decay to 5 % of the initial rate over the whole run.
            cosine = 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0)))
            for group in optimiser.param_groups:
                group["lr"] = config.learning_rate * (0.05 + 0.95 * cosine)
            loss = functional.cross_entropy(net(x_all[batch]), t_all[batch])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
            step += 1
        line = f"{name}: epoch {epoch}/{config.epochs}: {len(inputs)} samples"
        line += f", loss {np.mean(losses):.3f}"
        if held_out is not None and len(held_out):
            line += f", held-out accuracy {_torch_accuracy([net], held_out):.2%}"
        if checkpoint is not None:
            _save(checkpoint, net, optimiser, rng, epoch, step)
        progress(line)
    return net.eval().to(memory_format=torch.contiguous_format)


def _save(
    path: Path,
    net: DigitNet,
    optimiser: torch.optim.Optimizer,
    rng: np.random.Generator,
    epoch: int,
    step: int,
) -> None:
    """Written beside the target and renamed over it: a run killed mid-write leaves the
    previous epoch's checkpoint whole."""
    state = {
        "net": net.state_dict(),
        "optimiser": optimiser.state_dict(),
        "numpy_rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
        "epoch": epoch,
        "step": step,
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_atomically(path, buffer.getvalue())


def _torch_accuracy(nets: list[DigitNet], crops: LabelledCrops) -> float:
    inputs = torch.from_numpy(np.stack([normalise_crop(image) for image in crops.images]))
    predicted = probabilities(nets, inputs).argmax(dim=1).numpy()
    return float((predicted == crops.labels).mean())
