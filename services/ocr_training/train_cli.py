"""Build the digit classifier's models (`meterhub ocr train`; needs PyTorch:
`pip install -e '.[train]'`).

One model per digit kind (lcd, drum), trained from synthetic renderings plus the
labelled crops in the dataset folder (DATASET/lcd and DATASET/drum, each with a
labels.csv of file,digit), written as digits_<kind>.onnx to --out (default: the package's
models folder, which the OCR worker loads). The same seed, data and options give the
same model. Ends with an accuracy table:

  --holdout F   keeps a fraction F of each digit's crops out of training and scores the
                model on them (the shipped models use every crop: --holdout 0)
  --folds K     cross-validates instead: K trainings per kind, each scored on the crops
                it did not see; writes no model
  --checkpoints DIR
                saves every network after each epoch; run again with the same options
                to go on from there after an interruption
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core.config import load_config
from ..core.train_extra import missing_train_packages, no_torch_message
from ..domain.device_models import MODEL_KIND, DeviceModels
from ..ocr_worker.annotate import write_atomically
from ..ocr_worker.classifier import KINDS, MODELS_DIR, DigitClassifier, DigitKind, model_path
from .training import (
    LabelledCrops,
    TrainConfig,
    accuracy,
    holdout_split,
    load_crops,
    rolling_top2_share,
    stratified_folds,
    synthetic_test_set,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = REPO_ROOT.parent / "shared" / "datasets" / "digits"
MODEL_FORMAT = 2  # 1: numpy networks in .npz; 2: one ONNX graph


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig()
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where models are written")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="labelled crops: a folder with lcd/ and drum/ (default: ../shared/datasets/digits "
        "beside the repository)",
    )
    parser.add_argument(
        "--device",
        help="train this camera meter's own model from its corrections (docs/ocr.md, "
        "'Teach it your meter'); switched to only when no worse than the one in use",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="with --device: the data directory (default: the config's storage.data_dir)",
    )
    parser.add_argument(
        "--display",
        choices=sorted(MODEL_KIND),
        help="with --device and --data-dir: its display kind, so no config is read",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
    parser.add_argument("--holdout", type=float, default=0.0, metavar="F")
    parser.add_argument("--folds", type=int, default=0, metavar="K")
    parser.add_argument(
        "--synthetic-only", action="store_true", help="train without any real crops"
    )
    tuning = parser.add_argument_group("size of the run (smaller is faster and less accurate)")
    tuning.add_argument("--epochs", type=int, default=defaults.epochs)
    tuning.add_argument(
        "--members", type=int, help="networks per model (default: the kind's recipe, LCD 3, drum 1)"
    )
    tuning.add_argument("--synthetic", type=int, help="synthetic digits per network")
    tuning.add_argument(
        "--real-copies",
        type=int,
        help="times each real crop is shown per epoch (default: the recipe, LCD 24, drum 20)",
    )
    tuning.add_argument("--test-synthetic", type=int, default=1000, help="synthetic test digits")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        default=None,
        metavar="DIR",
        help="save each network after every epoch and resume from there",
    )


@dataclass(frozen=True)
class Row:
    kind: str
    trained_on: int  # real crops
    held_out: tuple[float, int] | None  # accuracy, crops
    synthetic: float
    rolling: float | None
    seconds: float


def run(args: argparse.Namespace) -> int:
    if args.device:
        return _train_device(args)
    if not 0 <= args.holdout < 1 or args.folds == 1 or args.folds < 0:
        print("error: --holdout takes 0 ≤ F < 1 and --folds K ≥ 2", file=sys.stderr)
        return 2
    dataset = None if args.synthetic_only else (args.dataset or DEFAULT_DATASET)
    if dataset is not None and not all((dataset / kind / "labels.csv").is_file() for kind in KINDS):
        print(
            f"error: no labelled digit crops in {dataset} (expected lcd/labels.csv and "
            "drum/labels.csv); pass --dataset DIR, or --synthetic-only to train without them",
            file=sys.stderr,
        )
        return 2
    if missing := missing_train_packages():
        print(f"error: {no_torch_message(missing)}", file=sys.stderr)
        return 2
    config = TrainConfig(
        seed=args.seed,
        members=args.members,
        epochs=args.epochs,
        synthetic=args.synthetic,
        real_copies=args.real_copies,
    )
    kinds: tuple[DigitKind, ...] = KINDS if args.kind == "all" else (args.kind,)
    rows = []
    for kind in kinds:
        crops = load_crops(dataset / kind) if dataset else _no_crops()
        say(f"{kind}: {len(crops)} labelled crops, seed {args.seed}")
        began = time.perf_counter()
        if args.folds:
            rows.append(_cross_validate(kind, crops, config, args))
        else:
            rows.append(_train_and_write(kind, crops, config, args, began))
    _print_table(rows, folds=args.folds)
    return 0


def _train_device(args: argparse.Namespace) -> int:
    if args.data_dir and args.display:
        data_dir, display = args.data_dir, args.display
    else:
        config = load_config(args.config).config
        device = config.devices.get(args.device)
        if device is None or device.ocr is None:
            print(f"error: {args.device} is not a camera device in the config", file=sys.stderr)
            return 2
        data_dir, display = args.data_dir or config.storage.data_dir, device.ocr.display
    if missing := missing_train_packages():
        print(f"error: {no_torch_message(missing)}", file=sys.stderr)
        return 2
    from .device_train import DEVICE_CONFIG, train_device

    kind = MODEL_KIND[display]
    current = (
        DeviceModels(data_dir).active_path(args.device, kind) or model_path(kind)
    ).read_bytes()
    run_config = replace(DEVICE_CONFIG, seed=args.seed)
    decision = train_device(data_dir, args.device, display, current, say, run_config)
    say(decision.why)
    return 0 if decision.switch else 1


def say(line: str) -> None:
    print(line, flush=True)


def _no_crops() -> LabelledCrops:
    return LabelledCrops([], np.zeros(0, np.int64), [])


def _train_and_write(
    kind: DigitKind,
    crops: LabelledCrops,
    config: TrainConfig,
    args: argparse.Namespace,
    began: float,
) -> Row:
    from .trainer import train_kind

    train, held = (
        (crops, None) if not args.holdout else holdout_split(crops, args.holdout, args.seed)
    )
    meta = {"format": MODEL_FORMAT, "epochs": config.epochs, "real_crops": len(train)}
    model = train_kind(
        kind, train, config, progress=say, held_out=held, checkpoints=args.checkpoints, meta=meta
    )
    row = _score(kind, DigitClassifier(model), train, held, config, args, began)
    path = model_path(kind, args.out)
    write_atomically(path, model)
    say(f"{kind}: wrote {path} ({len(model) / 1024:.0f} kB)")
    return row


def _cross_validate(
    kind: DigitKind, crops: LabelledCrops, config: TrainConfig, args: argparse.Namespace
) -> Row:
    from .trainer import train_kind

    began = time.perf_counter()
    if len(crops) < args.folds:
        raise SystemExit(f"error: {len(crops)} {kind} crops cannot make {args.folds} folds")
    right = 0
    classifier = None
    copies = crops.copies()
    if repeated := len(crops) - len(np.unique(copies)):
        say(f"{kind}: {repeated} crops repeat another's pixels; each stays in its twin's fold")
    folds = stratified_folds(crops.labels, args.folds, args.seed, copies)
    for number, held_index in enumerate(folds, 1):
        train_index = np.setdiff1d(np.arange(len(crops)), held_index)
        held = crops.subset(held_index)
        fold_train = crops.subset(train_index)
        classifier = DigitClassifier(
            train_kind(kind, fold_train, config, lambda _: None, checkpoints=args.checkpoints)
        )
        predicted = np.array([int(p.digit) for p in classifier.predict(held.images)])
        wrong = np.flatnonzero(predicted != held.labels)
        right += len(held) - len(wrong)
        misses = ", ".join(f"{held.names[i]} {held.labels[i]}→{predicted[i]}" for i in wrong)
        say(f"{kind}: fold {number}/{args.folds}: {1 - len(wrong) / len(held):.2%} of {len(held)}"
            + (f" (missed {misses})" if misses else ""))  # fmt: skip
    assert classifier is not None
    row = _score(kind, classifier, crops, None, config, args, began)
    return Row(
        kind,
        row.trained_on,
        (right / len(crops), len(crops)),
        row.synthetic,
        row.rolling,
        row.seconds,
    )


def _score(
    kind: DigitKind,
    classifier: DigitClassifier,
    train: LabelledCrops,
    held: LabelledCrops | None,
    config: TrainConfig,
    args: argparse.Namespace,
    began: float,
) -> Row:
    synthetic = synthetic_test_set(kind, args.test_synthetic, config.seed)
    rolling = (
        rolling_top2_share(classifier, args.test_synthetic, config.seed) if kind == "drum" else None
    )
    held_out = (accuracy(classifier, held), len(held)) if held is not None and len(held) else None
    return Row(
        kind,
        len(train),
        held_out,
        accuracy(classifier, synthetic),
        rolling,
        time.perf_counter() - began,
    )


def _print_table(rows: list[Row], folds: int) -> None:
    real = f"{folds}-fold cross-validation" if folds else "held-out real crops"
    say("")
    header = f"{'kind':<6}{'real crops':>11}  {real:<28}{'synthetic':>10}"
    say(f"{header}{'rolling top-2':>15}{'time':>8}")
    for row in rows:
        held = f"{row.held_out[0]:.2%} of {row.held_out[1]}" if row.held_out else "none held out"
        rolling = f"{row.rolling:.1%}" if row.rolling is not None else "-"
        say(f"{row.kind:<6}{row.trained_on:>11}  {held:<28}{row.synthetic:>10.2%}{rolling:>15}"
            f"{row.seconds:>7.0f}s")  # fmt: skip
    say("synthetic: centred digits with camera effects, drawn apart from the training ones")
    say("rolling top-2: half-turned drums whose two likeliest digits are the two in view")
