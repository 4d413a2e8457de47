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
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.train_extra import missing_train_packages, no_torch_message
from ..ocr_worker.annotate import write_atomically
from ..ocr_worker.classifier import MODELS_DIR
from ..ocr_worker.display_locator import INPUT_NAME, DisplayLocator, model_file
from .locator_frames import SOURCES, make_frames
from .training import LocatorTraining

# Frames per source in the shipped model's run (the held-out source gets none).
FRAMES = {"polygons": 2500, "dseg": 2500, "dotmatrix": 2500, "simulator": 1500}
HELD_OUT_FRAMES = 300
FOUND_IOU = 0.5  # a frame's glass counts as found from this overlap with the truth


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = LocatorTraining()
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where the model is written")
    parser.add_argument(
        "--without", choices=SOURCES, default="dseg",
        help="the renderer held out of training and scored afterwards",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="frames per source, times the recipe's"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes drawing frames")
    parser.add_argument(
        "--checkpoints", type=Path, default=None, help="folder to resume an interrupted run from"
    )


def say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    if missing := missing_train_packages():
        print(f"error: {no_torch_message(missing)}", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(max(1, args.jobs))
    began = time.perf_counter()
    config = replace(LocatorTraining(), epochs=args.epochs, seed=args.seed)
    model = build(args.without, config, args.scale, args.jobs, args.checkpoints, say)
    path = model_file(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, model)
    say(f"wrote {path} ({len(model) / 1024:.0f} kB) in {time.perf_counter() - began:.0f} s")
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
    checkpoint = None
    if checkpoints is not None:
        shaping = json.dumps(meta, sort_keys=True).encode()
        checkpoint = checkpoints / f"locator-{hashlib.sha256(shaping).hexdigest()[:12]}.pt"
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
