"""`meterhub ocr train --device ID`: a model for one meter from its training examples.

The crops come from the meter's corrected frames (``domain.training_examples``: each
example's boxes cut from its photo, one digit of the label per box); the networks learn
them mixed with the kind's synthetic digits so they keep reading what the shipped model
reads. Examples are split by photo (copies of one photo, same SHA-256, stay in one fold);
the new model is switched to only when it is no worse than the model in use on the
held-out examples and on the synthetic benchmark digits. Otherwise it is not kept and
the reason is printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ..domain.device_models import MODEL_KIND, DeviceModels
from ..domain.training_examples import Example, TrainingExamples
from ..ocr_worker.classifier import DigitClassifier
from .training import RECIPES, LabelledCrops, TrainConfig, accuracy, synthetic_test_set

HELD_OUT_SHARE = 0.25  # of the photos, at least one when there are two or more
# The synthetic benchmark may drop this much (about 5 of 1000 digits: its own noise
# between two trainings of one recipe) and still count as "no worse".
BENCHMARK_SLACK = 0.005
BENCHMARK_DIGITS = 1000
# A meter's run fine-tunes every network of the model in use: a few epochs at a quarter
# of the first training's rate (a minute or two on one core, not an hour).
DEVICE_CONFIG = TrainConfig(epochs=3, synthetic=3000, learning_rate=5e-4)
# The meter's crops are at most this share of an epoch's samples: with many examples,
# each is shown fewer times, so the networks do not drift from the synthetic digits.
MAX_REAL_SHARE = 0.3

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Scores:
    held_out: float | None  # None: nothing held out
    benchmark: float


@dataclass(frozen=True)
class Decision:
    switch: bool
    why: str


def example_crops(folder: Path, examples: list[Example]) -> tuple[LabelledCrops, list[str]]:
    """Every digit box of every usable example, and why the others were left out."""
    images: list[np.ndarray] = []
    labels: list[int] = []
    names: list[str] = []
    skipped: list[str] = []
    for example in examples:
        if len(example.boxes) != len(example.label):
            skipped.append(f"{example.id}: {len(example.boxes)} boxes for {example.label}")
            continue
        frame = cv2.imread(str(folder / f"{example.id}.jpg"), cv2.IMREAD_GRAYSCALE)
        if frame is None:
            skipped.append(f"{example.id}: photo missing or unreadable")
            continue
        height, width = frame.shape
        crops = [
            frame[max(y, 0) : min(y + h, height), max(x, 0) : min(x + w, width)]
            for x, y, w, h in example.boxes
        ]
        if any(min(crop.shape) < 2 for crop in crops):
            skipped.append(f"{example.id}: a box lies outside the photo")
            continue
        images.extend(crops)
        labels.extend(int(digit) for digit in example.label)
        names.extend(f"{example.id}#{n}" for n in range(1, len(crops) + 1))
    return LabelledCrops(images, np.array(labels, np.int64), names), skipped


def split_by_photo(examples: list[Example], seed: int) -> tuple[list[Example], list[Example]]:
    """(train, held out): whole photos (twins together), about HELD_OUT_SHARE held out."""
    photos = sorted({e.sha256 for e in examples})
    if len(photos) < 2:
        return examples, []
    order = np.random.default_rng(seed).permutation(len(photos))
    held = {photos[i] for i in order[: max(1, math.floor(len(photos) * HELD_OUT_SHARE))]}
    return [e for e in examples if e.sha256 not in held], [e for e in examples if e.sha256 in held]


def decide(candidate: Scores, current: Scores) -> Decision:
    """Switch only when no worse on the held-out examples and on the benchmark."""
    scores = f"benchmark {candidate.benchmark:.1%} (in use {current.benchmark:.1%})"
    if candidate.held_out is not None:
        scores = f"held-out {candidate.held_out:.1%} (in use {current.held_out:.1%}), {scores}"
        if candidate.held_out < (current.held_out or 0.0):
            return Decision(False, f"worse on the held-out examples: {scores}")
    if candidate.benchmark < current.benchmark - BENCHMARK_SLACK:
        return Decision(False, f"worse on the benchmark digits: {scores}")
    return Decision(True, scores)


def real_copies(kind: str, crops: int, config: TrainConfig) -> int:
    """Times each crop is shown per epoch: the recipe's, fewer when the crops would
    outweigh MAX_REAL_SHARE of the epoch."""
    recipe = RECIPES[kind]  # type: ignore[index]
    synthetic = config.synthetic or recipe.synthetic
    cap = MAX_REAL_SHARE / (1 - MAX_REAL_SHARE) * synthetic / max(crops, 1)
    return max(1, min(recipe.real_copies, int(cap)))


def score(classifier: DigitClassifier, held: LabelledCrops, benchmark: LabelledCrops) -> Scores:
    return Scores(
        accuracy(classifier, held) if len(held) else None, accuracy(classifier, benchmark)
    )


def train_device(
    data_dir: Path,
    device: str,
    display: str,
    current: bytes,
    progress: Progress,
    config: TrainConfig = DEVICE_CONFIG,
) -> Decision:
    """Fine-tune ``current`` (the model file in use), measure both and switch ``device``
    to the new model when it is no worse."""
    from .digit_net import weights_from_onnx  # PyTorch: only here
    from .trainer import train_kind

    kind = MODEL_KIND[display]
    store = TrainingExamples(data_dir)
    examples = [e for e in store.list(device) if e.kind == display]
    if not examples:
        return Decision(
            False, f"{device} has no {display} training examples: correct a frame first"
        )
    train_examples, held_examples = split_by_photo(examples, config.seed)
    train, skipped = example_crops(store.folder(device), train_examples)
    held, skipped_held = example_crops(store.folder(device), held_examples)
    for line in skipped + skipped_held:
        progress(f"left out {line}")
    progress(
        f"{device}: {len(train_examples)} photos ({len(train)} digits) to learn from, "
        f"{len(held_examples)} photos ({len(held)} digits) held out"
    )
    if not len(train):
        return Decision(False, f"{device}: no usable digit crops in its examples")
    meta = {"device": device, "examples": len(train_examples), "real_crops": len(train)}
    start = weights_from_onnx(current)
    config = replace(config, members=len(start), real_copies=real_copies(kind, len(train), config))
    model = train_kind(kind, train, config, progress=progress, meta=meta, start=start)
    benchmark = synthetic_test_set(kind, BENCHMARK_DIGITS, config.seed)
    decision = decide(
        score(DigitClassifier(model), held, benchmark),
        score(DigitClassifier(current), held, benchmark),
    )
    if decision.switch:
        models = DeviceModels(data_dir)
        name = models.add(device, kind, model)
        models.activate(device, kind, name, why=decision.why)
        return Decision(True, f"{device}: switched to {name}: {decision.why}")
    return Decision(False, f"{device}: kept the model in use, the new one is {decision.why}")
