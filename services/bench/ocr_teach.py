"""`meterhub bench ocr-teach`: how many corrections a meter needs before its own model
reads a display look the shipped model misreads or refuses (needs the `train` extra).

One "meter" is a renderer and style of ``display_frames`` (default ``dseg`` fonts in the
``inverse`` look). Fresh frames of it are read with the shipped model (the baseline, in
this run), then for each N the first N frames are kept as training examples exactly as a
correction on the web page keeps them (``domain.training_examples``, digit boxes as
marked ROIs), ``ocr train --device``'s training runs, and the same fresh frames are read
again through the worker's pipeline, which picks up the device model from
``active.json``. Counts: right (the whole value), refused, wrong.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..core.config.devices import OcrConfig
from ..core.train_extra import missing_train_packages, no_torch_message
from ..domain.device_models import DeviceModels
from ..domain.recent_frames import FrameRecord
from ..domain.training_examples import TrainingExamples
from ..ocr_training.display_frames import STYLES, DisplayFrame, display_frame
from ..ocr_worker.classifier import model_path
from ..ocr_worker.pipeline import FramePipeline, Rois

DEVICE = "teach"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--renderer", choices=["dseg", "polygons"], default="dseg")
    parser.add_argument("--style", choices=sorted(STYLES), default="inverse")
    parser.add_argument("--counts", default="5,10,20", help="corrections per training, a,b,c")
    parser.add_argument("--fresh", type=int, default=60, help="frames read before and after")
    parser.add_argument("--seed", type=int, default=0)


def _ocr(frame: DisplayFrame) -> OcrConfig:
    return OcrConfig(digits=frame.digits, decimals=frame.decimals, quantity="energy_import_kwh")


def _read(pipeline: FramePipeline, frames: list[DisplayFrame]) -> dict[str, int]:
    counts = {"right": 0, "refused": 0, "wrong": 0}
    for frame in frames:
        rois = Rois(digits=frame.cells)
        outcome = pipeline.process(DEVICE, frame.jpeg, _ocr(frame), rois, None)
        if outcome.read is None:
            counts["refused"] += 1
        elif abs(outcome.read.value - frame.value) < 1e-9:
            counts["right"] += 1
        else:
            counts["wrong"] += 1
    return counts


def run(args: argparse.Namespace) -> int:
    if missing := missing_train_packages():
        print(f"error: bench ocr-teach trains models: {no_torch_message(missing)}")
        return 2
    from ..ocr_training.device_train import DEVICE_CONFIG, train_device

    counts = sorted(int(n) for n in args.counts.split(","))
    taught_rng, fresh_rng = (np.random.default_rng([args.seed, n]) for n in (0, 1))
    taught = [display_frame(args.renderer, args.style, taught_rng) for _ in range(counts[-1])]
    fresh = [display_frame(args.renderer, args.style, fresh_rng) for _ in range(args.fresh)]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        pipeline = FramePipeline(data_dir, keep_images=False)
        baseline = _read(pipeline, fresh)
        print(f"{args.renderer}/{args.style}, {args.fresh} fresh frames")
        print(f"shipped model: {baseline}", flush=True)
        examples, models = TrainingExamples(data_dir), DeviceModels(data_dir)
        shipped = model_path("lcd").read_bytes()
        for n in counts:
            for i in range(len(examples.list(DEVICE)), n):
                frame = taught[i]
                record = FrameRecord(
                    frame_id=f"taught{i:04d}", ts=datetime.now(UTC), boxes=frame.cells
                )
                examples.add(DEVICE, frame.jpeg, record, frame.value, _ocr(frame), "bench", "cli")
            models.activate(DEVICE, "lcd", None, why="bench: each N starts from shipped")
            began = time.perf_counter()
            config = DEVICE_CONFIG
            decision = train_device(data_dir, DEVICE, "lcd7", shipped, lambda _: None, config)
            seconds = time.perf_counter() - began
            after = _read(pipeline, fresh)
            rows.append({"corrections": n, "switched": decision.switch, **after,
                         "train_s": round(seconds, 1)})  # fmt: skip
            print(f"N={n}: {after}, {seconds:.0f} s training; {decision.why}", flush=True)
    print(json.dumps({"bench": "ocr-teach", "renderer": args.renderer, "style": args.style,
                      "fresh": args.fresh, "shipped": baseline, "rows": rows}))  # fmt: skip
    return 0
