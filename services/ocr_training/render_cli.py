"""Write labelled digit crops from one renderer (`meterhub ocr render-digits`).

The folder it writes (crops plus labels.csv of file,digit) is what `meterhub bench
ocr-digits DIR --kind lcd` scores, so a renderer the models were not trained on measures
them, tesseract and ssocr on the same crops:

  meterhub ocr render-digits /tmp/dseg --renderer dseg --count 500
  meterhub bench ocr-digits /tmp/dseg --kind lcd
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from .augment import camera_effects
from .font_digits import render_font_digit
from .synth import render_lcd_digit

Renderer = Callable[[int, np.random.Generator], tuple[np.ndarray, int]]

# name -> (renderer, how far a crop may sit off-centre vertically under camera effects)
RENDERERS: dict[str, tuple[Renderer, float]] = {
    "polygons": (render_lcd_digit, 0.06),  # synth's 7-segment and dot-matrix cells
    "dseg": (render_font_digit, 0.06),  # DSEG7/DSEG14 fonts (Debian's fonts-dseg)
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, help="folder to write the crops and labels.csv to")
    parser.add_argument("--renderer", choices=sorted(RENDERERS), default="dseg")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clean", action="store_true", help="without camera effects")


def run(args: argparse.Namespace) -> int:
    if args.count < 1:
        print("error: --count takes N ≥ 1", file=sys.stderr)
        return 2
    render, shift = RENDERERS[args.renderer]
    rng = np.random.default_rng([args.seed, 31])
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for i in range(args.count):
            image, label = render(i % 10, rng)
            if not args.clean:
                image = camera_effects(image, rng, vertical_shift=shift)
            name = f"{args.renderer}_{i:05d}.png"
            cv2.imwrite(str(args.out / name), image)
            rows.append((name, label))
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with (args.out / "labels.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("file", "digit"))
        writer.writerows(rows)
    print(f"wrote {len(rows)} {args.renderer} crops and labels.csv to {args.out}")
    return 0
