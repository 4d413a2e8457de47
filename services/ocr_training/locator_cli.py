"""Build the display locator (`models/display_locator.onnx`): whole camera frames from
every renderer but the held-out one, each seen from another distance and angle; trained
per cell against the glass's share; then scored on fresh frames of the held-out renderer,
which it never saw.

The shipped model holds out ``dseg`` (the DSEG fonts), as the sequence reader does, so
`bench ocr-frames --holdout-renderer dseg` measures both honestly. Seeded; an interrupted
run resumes from its checkpoint. Needs the ``train`` extra (PyTorch).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..ocr_worker.display_locator import INPUT_NAME, DisplayLocator, model_file
from .build_args import add_build_arguments, torch_ready
from .locator_frames import SOURCES, make_frames
from .training import LocatorTraining, recipe_digest, say, write_model

# Frames per source in the shipped model's run (the held-out source gets none).
FRAMES = {"polygons": 2500, "dseg": 2500, "dotmatrix": 2500, "simulator": 1500}
HELD_OUT_FRAMES = 300
FOUND_IOU = 0.5  # a frame's glass counts as found from this overlap with the truth


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = LocatorTraining()
    add_build_arguments(parser, defaults.seed, defaults.epochs, "frames")
    parser.add_argument(
        "--without", choices=SOURCES, default="dseg",
        help="the renderer held out of training and scored afterwards",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if not torch_ready(args.jobs):
        return 2
    began = time.perf_counter()
    config = replace(LocatorTraining(), epochs=args.epochs, seed=args.seed)
    model = build(args.without, config, args.scale, args.jobs, args.checkpoints, say)
    write_model(model_file(args.out), model, began)
    return 0


def build(
    without: str,
    config: LocatorTraining,
    scale: float = 1.0,
    jobs: int = 1,
    checkpoints: Path | None = None,
    progress: Callable[[str], None] = say,
) -> bytes:
    """A locator trained without ``without``, its score on that renderer inside."""
    from .locator_net import to_onnx, train, training_meta

    sources = {name: round(count * scale) for name, count in FRAMES.items() if name != without}
    progress(f"drawing {sum(sources.values())} frames ({sources}), seed {config.seed}")
    inputs, targets = make_frames(sources, config.seed, jobs, progress)
    meta = training_meta(config, sources)
    checkpoint = checkpoints / f"locator-{recipe_digest(meta)}.pt" if checkpoints else None
    net = train(inputs, targets, config, progress, checkpoint)
    del inputs, targets
    progress(f"scoring on {HELD_OUT_FRAMES} frames of {without}, never trained on")
    held, truth = make_frames({without: HELD_OUT_FRAMES}, config.seed + 1, jobs)
    found, mean_iou = score(DisplayLocator(to_onnx(net, meta)), held, truth)
    meta["held_out"] = {"renderer": without, "found": found, "frames": len(truth),
                        "mean_iou": round(mean_iou, 3)}  # fmt: skip
    progress(
        f"{without} (held out): glass found in {found} of {len(truth)} frames "
        f"(overlap ≥ {FOUND_IOU}), mean overlap {mean_iou:.2f}"
    )
    return to_onnx(net, meta)


def score(locator: DisplayLocator, inputs: np.ndarray, targets: np.ndarray) -> tuple[int, float]:
    """Frames whose predicted glass cells overlap the true ones by ``FOUND_IOU`` or more
    (intersection over union on the output grid), and the mean overlap."""
    (logits,) = locator.session.run(None, {INPUT_NAME: inputs.astype(np.float32)})
    predicted = logits[:, 0] > 0
    truth = targets.astype(np.float32) > 0.5
    inter = (predicted & truth).sum(axis=(1, 2))
    union = np.maximum((predicted | truth).sum(axis=(1, 2)), 1)
    overlap = inter / union
    return int((overlap >= FOUND_IOU).sum()), float(overlap.mean())
