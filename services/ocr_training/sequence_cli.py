"""Build the sequence reader (`models/sequence_display.onnx`): whole display windows
from every renderer but the held-out one, plus rows of real LCD digit crops; trained with
CTC; then scored on fresh windows of the held-out renderer, which it never saw.

The shipped model holds out ``dseg`` (the DSEG fonts), so `bench ocr-frames
--holdout-renderer dseg` measures it honestly. Seeded; an interrupted run resumes from
its checkpoint. Needs the ``train`` extra (PyTorch).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ..ocr_worker.sequence_reader import MIN_CHAR_CONFIDENCE, SequenceReader, model_file
from .build_args import add_build_arguments, torch_ready
from .display_strips import SOURCES, make_strips
from .train_cli import DEFAULT_DATASET
from .training import (
    LabelledCrops,
    SequenceTraining,
    load_crops,
    recipe_digest,
    say,
    write_model,
)

# Windows per source in the shipped model's run (the held-out source gets none); twice
# the first recipe's, which read more held-out frames with none wrong (docs/ocr.md).
WINDOWS = {"polygons": 10000, "dseg": 10000, "dotmatrix": 8000, "simulator": 8000, "real": 6000}
HELD_OUT_WINDOWS = 600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SequenceTraining()
    add_build_arguments(parser, defaults.seed, defaults.epochs, "windows")
    parser.add_argument(
        "--without",
        choices=[s for s in SOURCES if s != "real"],
        default="dseg",
        help="the renderer held out of training and scored afterwards",
    )
    parser.add_argument("--dataset", type=Path, default=None, help="real crops (lcd/)")
    parser.add_argument(
        "--members",
        type=int,
        default=defaults.members,
        help="networks trained per scale (seed, seed + 1, …)",
    )
    parser.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=list(defaults.scales),
        help="each trains --members networks on the windows times it (times --scale)",
    )
    parser.add_argument(
        "--marked-share",
        type=float,
        default=defaults.marked_share,
        help="share of rendered windows with a unit, annunciators or a half digit in the glass",
    )
    parser.add_argument(
        "--fourteen-share",
        type=float,
        default=defaults.fourteen_share,
        help="share of polygon displays drawn in alphanumeric 14-segment cells",
    )


def run(args: argparse.Namespace) -> int:
    for flag, share in (
        ("--marked-share", args.marked_share),
        ("--fourteen-share", args.fourteen_share),
    ):
        if not 0.0 <= share <= 1.0:
            print(f"error: {flag} {share} is not a share (0 to 1)", file=sys.stderr)
            return 2
    if any(scale <= 0 for scale in args.scales):
        print(f"error: --scales {args.scales} must all be above 0", file=sys.stderr)
        return 2
    dataset = (args.dataset or DEFAULT_DATASET) / "lcd"
    if not torch_ready(args.jobs):
        return 2
    if not (dataset / "labels.csv").is_file():
        print(f"error: no labelled LCD crops in {dataset} (pass --dataset DIR)", file=sys.stderr)
        return 2
    began = time.perf_counter()
    config = replace(
        SequenceTraining(),
        epochs=args.epochs,
        seed=args.seed,
        members=args.members,
        scales=tuple(args.scales),
        marked_share=args.marked_share,
        fourteen_share=args.fourteen_share,
    )
    model = build(
        args.without, load_crops(dataset), config, args.scale, args.jobs, args.checkpoints, say
    )
    write_model(model_file(args.out), model, began)
    return 0


def build(
    without: str,
    crops: LabelledCrops,
    config: SequenceTraining,
    scale: float = 1.0,
    jobs: int = 1,
    checkpoints: Path | None = None,
    progress: Callable[[str], None] = say,
) -> bytes:
    """A sequence model trained without ``without``, its score on that renderer inside:
    ``config.members`` networks at each of ``config.scales`` (times ``scale``)."""
    from .sequence_net import to_onnx, train, trained_already, training_meta

    shares = (config.marked_share, config.fourteen_share)  # the same for every member
    planned = planned_members(without, config, scale)
    nets = []
    for n, (member_sources, member) in enumerate(planned, start=1):
        progress(
            f"member {n}/{len(planned)}: {sum(member_sources.values())} windows "
            f"({member_sources}), seed {member.seed}"
        )
        name = f"{member_name(member, member_sources)}.pt"
        checkpoint = checkpoints / name if checkpoints else None
        if (net := trained_already(checkpoint, member)) is not None:
            progress(f"member {n}: trained already ({checkpoint})")
            nets.append(net)
            continue
        strips, texts = make_strips(member_sources, member.seed, crops, jobs, progress, *shares)
        nets.append(train(strips.astype(np.float32), texts, member, progress, checkpoint))
        del strips
    meta = training_meta(config, recipe_sources(without, scale))
    progress(f"scoring on {HELD_OUT_WINDOWS} windows of {without}, never trained on")
    held_out = {without: HELD_OUT_WINDOWS}
    held, truth = make_strips(held_out, config.seed + 1, crops, jobs, None, *shares)
    right, wrong, refused = score(SequenceReader(to_onnx(nets, meta)), held, truth)
    meta["held_out"] = {"renderer": without, "right": right, "wrong": wrong, "refused": refused}
    progress(
        f"{without} (held out): {right} right, {wrong} wrong, {refused} refused of "
        f"{len(truth)} windows"
    )
    return to_onnx(nets, meta)


def planned_members(
    without: str, config: SequenceTraining, scale: float = 1.0
) -> list[tuple[dict[str, int], SequenceTraining]]:
    """Every network the recipe trains, in the graph's order: its windows per source and
    its own recipe (seed + k), ``config.members`` at each of ``config.scales``."""
    return [
        (recipe_sources(without, scale * times), replace(config, seed=config.seed + k))
        for times in config.scales
        for k in range(config.members)
    ]


def member_name(member: SequenceTraining, sources: dict[str, int]) -> str:
    """A network's checkpoint name, from what shapes it: its recipe less the scales (it is
    drawn at one, and ``sources`` says how many windows that made), so a network keeps
    its name whatever other scales the graph holds."""
    training = {name: value for name, value in asdict(member).items() if name != "scales"}
    return f"sequence-{recipe_digest({'training': training, 'sources': sources})}"


def recipe_sources(without: str, scale: float = 1.0) -> dict[str, int]:
    """Windows per source the recipe draws when ``without`` is held out."""
    return {name: round(count * scale) for name, count in WINDOWS.items() if name != without}


def score(reader: SequenceReader, strips: np.ndarray, texts: list[str]) -> tuple[int, int, int]:
    """Right, wrong and refused windows, refusing as the worker does (views that differ,
    an unsure character)."""
    right = wrong = refused = 0
    reads = [r for i in range(0, len(texts), 256) for r in reader.read_strips(strips[i : i + 256])]
    for read, text in zip(reads, texts, strict=True):
        if (
            read.other_read is not None
            or not read.text
            or min(read.confidences) < MIN_CHAR_CONFIDENCE
        ):
            refused += 1
        elif read.text == text:
            right += 1
        else:
            wrong += 1
    return right, wrong, refused
