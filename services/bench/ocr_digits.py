"""`meterhub bench ocr-digits DIR --kind lcd|drum`: the digit classifier next to tesseract
and ssocr on the same labelled crops (``DIR/labels.csv``: ``file,digit``).

Each reader gets the crop files as they are. Meterhub's classifier is called with eight
crops at a time, as the worker does for one meter frame. tesseract runs once over the
whole list (``--psm 10``, one character per page, digits only), which spares it a process
start per crop; ssocr runs per crop (``-d 1``), with ``invert`` tried too when the first
polarity gives no digit. An answer other than exactly one digit counts as wrong.

Crops the shipped model was trained on (the dev set) give a flattering number; bench a
held-out set, or a model trained with ``ocr train --holdout``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ocr_training.training import confusion, load_crops
from ..ocr_worker.classifier import KINDS, DigitClassifier
from ..ocr_worker.engines import ENGINES, NO_DIGIT, EngineMissing

_FRAME_DIGITS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="folder with labels.csv (file,digit) and crops")
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--model", type=Path, help="a model file instead of the shipped one")
    parser.add_argument("--limit", type=int, help="only the first N crops")


@dataclass(frozen=True)
class Result:
    name: str
    predicted: np.ndarray  # digit per crop, -1 for no single-digit answer
    seconds: float

    def accuracy(self, truth: np.ndarray) -> float:
        return float((self.predicted == truth).mean())

    def ms_per_digit(self) -> float:
        return 1000 * self.seconds / max(len(self.predicted), 1)


def run(args: argparse.Namespace) -> int:
    crops = load_crops(args.dir)
    if args.limit:
        crops = crops.subset(np.arange(min(args.limit, len(crops))))
    if not len(crops):
        print(f"error: no crops listed in {args.dir / 'labels.csv'}")
        return 1
    paths = [args.dir / name for name in crops.names]
    model = DigitClassifier.from_file(args.model) if args.model else DigitClassifier.load(args.kind)
    print(f"ocr-digits: {len(crops)} {args.kind} crops from {args.dir}")
    results = [_meterhub(model, crops.images)]
    for name in ENGINES:
        try:
            results.append(_engine(name, paths))
        except EngineMissing as error:
            print(f"{error}: skipped")
    truth = crops.labels
    _print_per_digit(results, truth)
    for result in results:
        print(f"\n{result.name}: confusion (rows: true digit, columns: read; '-': no digit)")
        _print_confusion(result, truth)
    ours = results[0]
    print()
    for result in results:
        print(f"{result.name:<10} accuracy {result.accuracy(truth):7.2%}   "
              f"{result.ms_per_digit():7.2f} ms/digit")  # fmt: skip
    for base in results[1:]:
        errors_ratio = (1 - base.accuracy(truth)) / max(1 - ours.accuracy(truth), 1 / len(truth))
        print(f"vs {base.name}: {errors_ratio:.1f}× fewer errors, "
              f"{base.ms_per_digit() / ours.ms_per_digit():.1f}× the speed")  # fmt: skip
    by_name = {r.name: r for r in results}
    line = {
        "bench": "ocr-digits",
        "kind": args.kind,
        "crops": len(crops),
        "accuracy": round(ours.accuracy(truth), 4),
        "tesseract": _rounded(by_name.get("tesseract"), truth),
        "ssocr": _rounded(by_name.get("ssocr"), truth),
        "ms_per_digit": round(ours.ms_per_digit(), 3),
        "tesseract_ms_per_digit": _ms(by_name.get("tesseract")),
        "ssocr_ms_per_digit": _ms(by_name.get("ssocr")),
    }
    print(json.dumps(line))
    return 0


def _rounded(result: Result | None, truth: np.ndarray) -> float | None:
    return None if result is None else round(result.accuracy(truth), 4)


def _ms(result: Result | None) -> float | None:
    return None if result is None else round(result.ms_per_digit(), 3)


def _meterhub(model: DigitClassifier, images: list[np.ndarray]) -> Result:
    model.predict(images[:_FRAME_DIGITS])  # first call pays for lazy set-up, not per digit
    began = time.perf_counter()
    predicted: list[int] = []
    for start in range(0, len(images), _FRAME_DIGITS):
        predicted.extend(int(p.digit) for p in model.predict(images[start : start + _FRAME_DIGITS]))
    return Result("meterhub", np.array(predicted), time.perf_counter() - began)


def _engine(name: str, paths: list[Path]) -> Result:
    engine = ENGINES[name]()
    began = time.perf_counter()
    predictions = engine.predict_files(paths)
    seconds = time.perf_counter() - began
    digits = [int(p.digit) if p.digit != NO_DIGIT else -1 for p in predictions]
    return Result(name, np.array(digits), seconds)


def _print_per_digit(results: list[Result], truth: np.ndarray) -> None:
    print("\nper-digit accuracy")
    print(f"{'digit':>5}{'crops':>7}" + "".join(f"{r.name:>11}" for r in results))
    for digit in range(10):
        mask = truth == digit
        if not mask.any():
            continue
        cells = "".join(f"{(r.predicted[mask] == digit).mean():>11.1%}" for r in results)
        print(f"{digit:>5}{int(mask.sum()):>7}{cells}")


def _print_confusion(result: Result, truth: np.ndarray) -> None:
    matrix = confusion(truth, result.predicted)
    print("     " + "".join(f"{d:>5}" for d in range(10)) + "    -")
    for digit in range(10):
        unread = int(((truth == digit) & (result.predicted < 0)).sum())
        print(f"{digit:>5}" + "".join(f"{n:>5}" for n in matrix[digit]) + f"{unread:>5}")
