"""Digit, sequence and locator models trained without one renderer, for the held-out renderer
benchmark.

Smaller than the shipped models' run (one network, a few epochs: minutes on two cores
under ``nice``), seeded, and cached: a finished model is kept in the cache folder under a
name made of everything that shapes it, and an interrupted run resumes from its
per-epoch checkpoints. Needs the ``train`` extra (PyTorch).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from ..ocr_worker.annotate import write_atomically
from ..ocr_worker.classifier import DigitKind, model_path
from ..ocr_worker.display_locator import MODEL_FILE as LOCATOR_FILE
from ..ocr_worker.sequence_reader import MODEL_FILE as SEQUENCE_FILE
from .training import LocatorTraining, SequenceTraining, TrainConfig, load_crops, recipe_digest

# The kinds whose models read a renderer's frames: the simulator's drums are the only
# drums; the other renderers' frames are 7-segment displays read cell by cell.
KINDS_READING: dict[str, tuple[DigitKind, ...]] = {
    "simulator": ("drum",),
    "dseg": ("lcd",),
    "polygons": ("lcd",),
    "dotmatrix": ("lcd",),
}
HOLDOUT_TRAINING = TrainConfig(members=1, epochs=8, synthetic=5000, real_copies=6)


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meterhub" / "holdout-models"


def models_without(
    renderer: str,
    dataset: Path,
    cache: Path,
    seed: int,
    progress: Callable[[str], None],
) -> Path:
    """The folder holding models trained without ``renderer`` (trained now if not cached)."""
    from .trainer import train_kind

    config = replace(HOLDOUT_TRAINING, seed=seed, without=renderer)
    folder = cache / f"without-{renderer}-{recipe_digest([asdict(config), str(dataset.resolve())])}"
    for kind in KINDS_READING[renderer]:
        path = model_path(kind, folder)
        if path.is_file():
            progress(f"{kind}: cached model trained without {renderer}: {path}")
            continue
        crops = load_crops(dataset / kind)
        progress(f"{kind}: training without {renderer} ({len(crops)} real crops, {config})")
        model = train_kind(
            kind, crops, config, progress, checkpoints=cache / "checkpoints",
            meta={"without_renderer": renderer},
        )  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, model)
    return folder


def sequence_cache_path(
    renderer: str, dataset: Path, cache: Path, config: SequenceTraining
) -> Path:
    """Where the sequence model without ``renderer`` is kept, named by all that shapes it."""
    from .sequence_cli import recipe_sources

    shaping = [renderer, asdict(config), recipe_sources(renderer), str(dataset.resolve())]
    digest = recipe_digest(shaping)
    return cache / f"sequence-without-{renderer}-{digest}" / SEQUENCE_FILE


def sequence_model_without(
    renderer: str, dataset: Path, cache: Path, seed: int, progress: Callable[[str], None]
) -> Path:
    """The sequence model trained without ``renderer`` by the shipped model's recipe
    (trained now if not cached, from the networks its checkpoints hold already; from
    nothing about three and a half hours on two cores)."""
    from .sequence_cli import build

    config = replace(SequenceTraining(), seed=seed)
    path = sequence_cache_path(renderer, dataset, cache, config)
    return _cached(path, "sequence reader", renderer, config, progress, lambda: build(
        renderer, load_crops(dataset / "lcd"), config, jobs=2,
        checkpoints=cache / "checkpoints", progress=progress,
    ))  # fmt: skip


def locator_model_without(
    renderer: str, cache: Path, seed: int, progress: Callable[[str], None]
) -> Path:
    """The display locator trained without ``renderer`` by the shipped model's recipe
    (trained now if not cached)."""
    from .locator_cli import build

    config = replace(LocatorTraining(), seed=seed)
    digest = recipe_digest([renderer, asdict(config)])
    path = cache / f"locator-without-{renderer}-{digest}" / LOCATOR_FILE
    return _cached(path, "display locator", renderer, config, progress, lambda: build(
        renderer, config, jobs=2, checkpoints=cache / "checkpoints", progress=progress
    ))  # fmt: skip


def _cached(
    path: Path,
    what: str,
    renderer: str,
    config: object,
    progress: Callable[[str], None],
    build: Callable[[], bytes],
) -> Path:
    if path.is_file():
        progress(f"{what}: cached model trained without {renderer}: {path}")
        return path
    progress(f"{what}: training without {renderer} ({config})")
    model = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, model)
    return path
