"""Training data for the digit classifier: synthetic renderings plus real labelled crops.

Each epoch sees a pool of synthetic digits (rendered once per run) and every real crop
several times, all through freshly drawn camera effects, so the network learns digits,
not these particular photos. Drum models also learn rolling digits: synthetic drums at
any position, and pairs of real crops of ``d`` and ``d + 1`` stacked and seen through a
window part-way between them, with targets split between the two digits by how far the
drum has turned (the convention in ``classifier``).

Everything is seeded: the same seed, data and settings give the same samples. This
module needs no torch (benchmarks and folds use it); ``trainer`` fits the networks.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..ocr_worker.annotate import write_atomically
from ..ocr_worker.classifier import KINDS, DigitClassifier, DigitKind, normalise_crop
from .augment import camera_effects
from .renderers import drum_fonts, lcd_renderers
from .synth import render_drum_digit, render_lcd_digit


@dataclass(frozen=True)
class KindRecipe:
    members: int  # networks per model, from different seeds, answers averaged
    synthetic: int  # synthetic renderings per network, reused with fresh effects each epoch
    real_copies: int  # times each real crop is shown per epoch
    vertical_shift: float  # how far a crop may sit off-centre vertically (fraction)
    invert_share: float  # real crops also shown inverted (the other polarity)
    rolling_share: float  # synthetic drums caught between two digits
    rolled_real_share: float  # extra samples made of two stacked real crops, per real one


# LCD crops are few and varied, so synthetic digits carry more of the load; drum crops
# are many, and their rolling states exist only as synthetic or stacked samples. Three
# LCD networks read about 2 points more of a 7-segment font never trained on than one
# did; one drum network shown each real crop 20 times read more held-out real crops
# (99.5 % over 4 folds) and more simulated drum frames than three shown it 10 times
# (docs/ocr.md).
RECIPES: dict[DigitKind, KindRecipe] = {
    "lcd": KindRecipe(
        members=3, synthetic=5000, real_copies=24, vertical_shift=0.06, invert_share=0.15,
        rolling_share=0.0, rolled_real_share=0.0,
    ),
    "drum": KindRecipe(
        members=1, synthetic=5000, real_copies=20, vertical_shift=0.03, invert_share=0.3,
        rolling_share=0.6, rolled_real_share=0.5,
    ),
}  # fmt: skip
_EFFECTS_SHARE = 0.85  # the rest of the samples are shown as they are


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    members: int | None = None  # None: the kind's recipe
    epochs: int = 15
    synthetic: int | None = None  # None: the kind's recipe
    real_copies: int | None = None
    batch: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4  # decoupled, on the weights (not the biases)
    # A renderer (``renderers.RENDERERS``) kept out of the synthetic digits, so a
    # benchmark on its frames measures a look the model never saw; None: the recipe's.
    without: str | None = None


@dataclass(frozen=True)
class LabelledCrops:
    images: list[np.ndarray]
    labels: np.ndarray  # int digit per image
    names: list[str]

    def subset(self, index: np.ndarray) -> LabelledCrops:
        return LabelledCrops(
            [self.images[i] for i in index], self.labels[index], [self.names[i] for i in index]
        )

    def __len__(self) -> int:
        return len(self.images)

    def copies(self) -> np.ndarray:
        """An id per crop, shared by crops whose pixels are identical."""
        first_seen: dict[bytes, int] = {}
        ids = [
            first_seen.setdefault(hashlib.sha1(image.tobytes()).digest(), i)
            for i, image in enumerate(self.images)
        ]
        return np.array(ids, np.int64)


def load_crops(folder: Path) -> LabelledCrops:
    """The crops listed in ``folder/labels.csv`` (``file,digit``)."""
    listing = folder / "labels.csv"
    if not listing.is_file():
        raise FileNotFoundError(f"{listing} not found (expected a file,digit list of crops)")
    images, labels, names = [], [], []
    with listing.open(newline="") as file:
        for row in csv.DictReader(file):
            image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f"{folder / row['file']}: not a readable image")
            images.append(image)
            labels.append(int(row["digit"]))
            names.append(row["file"])
    return LabelledCrops(images, np.array(labels, np.int64), names)


def stratified_folds(
    labels: np.ndarray, folds: int, seed: int, copies: np.ndarray | None = None
) -> list[np.ndarray]:
    """Indices of ``folds`` disjoint parts, each with its share of every digit.

    ``copies``: an id per crop, equal for identical images; copies stay in one part, so
    no crop is scored by a model that saw its twin (the dev sets repeat a few photos).
    """
    groups = np.arange(len(labels)) if copies is None else copies
    rng = np.random.default_rng([seed, 7])
    parts: list[list[int]] = [[] for _ in range(folds)]
    offset = 0
    for digit in range(10):
        members = np.unique(groups[labels == digit])
        for j, group in enumerate(rng.permutation(members)):
            part = parts[(offset + j) % folds]
            part.extend(int(i) for i in np.flatnonzero((groups == group) & (labels == digit)))
        offset += len(members)
    return [np.array(sorted(part), np.int64) for part in parts]


def holdout_split(
    crops: LabelledCrops, fraction: float, seed: int
) -> tuple[LabelledCrops, LabelledCrops]:
    """(train, held out), the held-out part about ``fraction`` of each digit's crops."""
    folds = max(2, round(1 / fraction))
    held = stratified_folds(crops.labels, folds, seed, crops.copies())[0]
    train = np.setdiff1d(np.arange(len(crops)), held)
    return crops.subset(train), crops.subset(held)


def drum_target(position: float) -> np.ndarray:
    """Probabilities for a drum at ``position``: split between the two digits in view."""
    lower = math.floor(position)
    fraction = position - lower
    target = np.zeros(10, np.float32)
    target[lower % 10] += 1 - fraction
    target[(lower + 1) % 10] += fraction
    return target


def accuracy(classifier: DigitClassifier, crops: LabelledCrops) -> float:
    predicted = np.array([int(p.digit) for p in classifier.predict(crops.images)])
    return float((predicted == crops.labels).mean())


def confusion(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """10×10 counts, rows = true digit, columns = predicted (-1s, no answer, left out)."""
    matrix = np.zeros((10, 10), np.int64)
    for t, p in zip(truth, predicted, strict=True):
        if 0 <= p <= 9:
            matrix[t, p] += 1
    return matrix


def synthetic_test_set(kind: DigitKind, count: int, seed: int) -> LabelledCrops:
    """Centred synthetic digits with camera effects, from a stream training never uses."""
    rng = np.random.default_rng([seed, 99, KINDS.index(kind)])
    images, labels = [], []
    for i in range(count):
        digit = i % 10
        image, label = (
            render_lcd_digit(digit, rng)
            if kind == "lcd"
            else (render_drum_digit(digit, rng), digit)
        )
        images.append(camera_effects(image, rng, vertical_shift=RECIPES[kind].vertical_shift))
        labels.append(label)
    return LabelledCrops(
        images, np.array(labels, np.int64), [f"synthetic_{i}" for i in range(count)]
    )


def rolling_top2_share(classifier: DigitClassifier, count: int, seed: int) -> float:
    """Share of synthetic drums turned 30–70 % of the way from ``d`` to ``d + 1`` whose two
    likeliest digits are ``d`` and ``d + 1``."""
    rng = np.random.default_rng([seed, 98])
    lowers = np.arange(count) % 10
    images = [
        camera_effects(render_drum_digit(d + rng.uniform(0.3, 0.7), rng), rng, vertical_shift=0)
        for d in lowers
    ]
    top2 = [set(np.argsort(p.probabilities)[-2:]) for p in classifier.predict(images)]
    hits = [pair == {d, (d + 1) % 10} for pair, d in zip(top2, lowers, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


# --- samples -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    images: list[np.ndarray]
    targets: np.ndarray  # (N, 10)


def synthetic_pool(
    kind: DigitKind, count: int, rng: np.random.Generator, without: str | None = None
) -> Pool:
    """``count`` synthetic digits; ``without``: a renderer held out of them."""
    recipe = RECIPES[kind]
    lcd, fonts = lcd_renderers(without), drum_fonts(without)
    images, targets = [], []
    for i in range(count):
        digit = i % 10
        if kind == "lcd":
            image, label = lcd[(i // 10) % len(lcd)](digit, rng)
            target = np.eye(10, dtype=np.float32)[label]
        else:
            rolling = rng.random() < recipe.rolling_share
            position = digit + (rng.uniform(0, 1) if rolling else rng.normal(0, 0.02))
            position %= 10
            image, target = render_drum_digit(position, rng, fonts), drum_target(position)
        images.append(image)
        targets.append(target)
    return Pool(images, np.array(targets, np.float32))


def epoch_samples(
    kind: DigitKind,
    pool: Pool,
    real: list[np.ndarray],
    labels: np.ndarray,
    copies: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch's inputs and targets: every sample freshly put through camera effects."""
    recipe = RECIPES[kind]
    images: list[np.ndarray] = []
    targets: list[np.ndarray] = [pool.targets]
    images.extend(_effects(image, recipe, rng) for image in pool.images)
    if real:
        one_hot = np.eye(10, dtype=np.float32)
        for _ in range(copies):
            for image in real:
                if rng.random() < recipe.invert_share:
                    image = 255 - image
                images.append(_effects(image, recipe, rng))
            targets.append(one_hot[labels])
        rolled = round(len(real) * copies * recipe.rolled_real_share)
        if rolled:
            stacked, soft = _rolled_real(real, labels, rolled, rng)
            images.extend(_effects(image, recipe, rng) for image in stacked)
            targets.append(soft)
    inputs = np.stack([normalise_crop(image) for image in images])
    inputs *= np.where(rng.random(len(inputs)) < 0.5, -1.0, 1.0).astype(np.float32)[:, None, None]
    return inputs, np.concatenate(targets)


def _effects(image: np.ndarray, recipe: KindRecipe, rng: np.random.Generator) -> np.ndarray:
    if rng.random() >= _EFFECTS_SHARE:
        return image
    return camera_effects(image, rng, vertical_shift=recipe.vertical_shift)


def _rolled_real(
    real: list[np.ndarray], labels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """Real crops of ``d`` above look-alike crops of ``d + 1`` (similar brightness and
    contrast, as if from the same meter), seen through a window part-way down."""
    looks = np.array([[float(image.mean()), float(image.std())] for image in real])
    by_digit = {d: np.flatnonzero(labels == d) for d in range(10)}
    images, targets = [], []
    for _ in range(count):
        upper = int(rng.integers(len(real)))
        digit = int(labels[upper])
        candidates = by_digit[(digit + 1) % 10]
        if len(candidates) == 0:
            continue
        distance = np.abs(looks[candidates] - looks[upper]).sum(axis=1)
        nearest = candidates[np.argsort(distance)[:5]]
        lower_image = real[int(rng.choice(nearest))]
        top = real[upper]
        h, w = top.shape
        bottom = cv2.resize(lower_image, (w, h), interpolation=cv2.INTER_AREA)
        fraction = float(rng.uniform(0.05, 0.95))
        offset = round(fraction * h)
        images.append(np.vstack([top, bottom])[offset : offset + h])
        targets.append(drum_target(digit + offset / h))
    return images, np.array(targets, np.float32).reshape(-1, 10)


def grey_crops(images: list[np.ndarray]) -> list[np.ndarray]:
    return [
        cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image for image in images
    ]


@dataclass(frozen=True)
class SequenceTraining:
    """The sequence reader's recipe (``sequence_net``)."""

    epochs: int = 24
    batch: int = 64
    learning_rate: float = 2e-3
    seed: int = 0  # member k draws its windows and starts from seed + k
    members: int = 2  # networks per scale; a reading stands when all of the graph's agree
    # Each scale trains ``members`` networks on the recipe's windows times it. Networks
    # shown more windows of the same looks grow surer of a look they never saw, and sure
    # of other mistakes than those shown fewer: all four agreeing read a quarter of the
    # wrong numbers the first pair read alone on held-out seeds (docs/ocr.md, "Two
    # recipes in one graph").
    scales: tuple[float, ...] = (1.0, 2.0)
    # Rendered windows with a unit, annunciators or a half digit in the glass
    # (``glass_marks``), and polygon displays in 14-segment cells: real meters mostly
    # print a unit in the glass, and either alone read a wrong number (docs/ocr.md,
    # "Marks and 14-segment cells together").
    marked_share: float = 0.5
    fourteen_share: float = 0.2


@dataclass(frozen=True)
class LocatorTraining:
    """The display locator's recipe (``locator_net``)."""

    epochs: int = 14
    batch: int = 32
    learning_rate: float = 3e-3
    seed: int = 0


def say(line: str) -> None:
    """A training command's progress line, shown at once."""
    print(line, flush=True)


def recipe_digest(shaping: object) -> str:
    """Twelve hex digits naming everything that shapes a model (as JSON): a cache or a
    checkpoint named by them is never taken for another recipe's."""
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:12]


def write_model(path: Path, model: bytes, began: float) -> None:
    """``model`` written where a reader never sees half of it, with its size and the
    time since ``began`` (``time.perf_counter``) said."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, model)
    say(f"wrote {path} ({len(model) / 1024:.0f} kB) in {time.perf_counter() - began:.0f} s")
