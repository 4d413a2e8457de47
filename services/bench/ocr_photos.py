"""`meterhub bench ocr-photos [DIR]`: whole readings on real photos, beside other OCRs.

``DIR`` defaults to the photos shipped in ``datasets/photos`` (real photos under
licences that allow it, never trained on). ``DIR/labels.csv`` names each photo and what
it shows (``PhotoLabel``); the photos may be any format the gateway takes, and are
turned into the JPEG the bus carries as the gateway turns them. Each photo is read as
the held-out renderer's frames are (``ocr_holdout``): Meterhub given nothing, a loose
and a tight display area (a drum counter: its window, the only way it is read), and
tesseract, ssocr and a general OCR on the whole photo and on the display area. Nothing
is trained here: the shipped models read, so photos no model saw measure what a user
would get.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Literal

import cv2
from pydantic import BaseModel, ValidationError, model_validator

from ..core.config.devices import OcrConfig
from ..core.images import ImageRefused, read_header, to_jpeg
from ..ocr_worker.display_locator import shipped_locator
from ..ocr_worker.pipeline import classifier_models
from ..ocr_worker.sequence_reader import shipped_reader
from .ocr_holdout import Case, add_reading_arguments, chosen_readers, report, score

LABELS = "labels.csv"
SHIPPED_PHOTOS = Path(__file__).resolve().parents[2] / "datasets" / "photos"
_DISPLAY_OF = {"lcd": "lcd7", "inverse": "lcd7", "led": "lcd7", "drum": "drum"}
_QUANTITY = "energy_import_kwh"  # any cumulative register: photos are read without history


class PhotoLabel(BaseModel):
    """One row of ``labels.csv``: the photo, the number its display shows as written
    there (leading zeros and the point as shown), the display's layout and where its
    glass (a drum counter: its row of drums) lies, in the photo's pixels; other columns
    (source, licence, note) are the record's, not read here."""

    file: str
    text: str
    kind: Literal["lcd", "inverse", "led", "drum"]
    digits: int
    decimals: int
    x0: int
    y0: int
    x1: int
    y1: int
    rotation_deg: float = 0.0  # turns the digits upright, as a user sets for a camera

    @model_validator(mode="after")
    def _consistent(self) -> PhotoLabel:
        whole, _, fraction = self.text.partition(".")
        if not (whole + fraction).isdigit() or len(fraction) != self.decimals:
            raise ValueError(f"text {self.text!r} is not a number with {self.decimals} decimals")
        if len(whole + fraction) > self.digits:
            raise ValueError(f"text {self.text!r} has more digits than the display's {self.digits}")
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValueError("the display box needs x0 < x1 and y0 < y1")
        return self

    @property
    def area(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1 - self.x0, self.y1 - self.y0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        type=Path,
        nargs="?",
        default=SHIPPED_PHOTOS,
        help=f"a folder of photos with {LABELS} (default: the shipped real photos)",
    )
    add_reading_arguments(parser)
    parser.add_argument("--show", type=int, default=3, help="refusal reasons to list per row")
    parser.add_argument(
        "--nudge",
        type=int,
        default=0,
        metavar="PX",
        help="every marked box moved PX pixels down (up where negative), kept inside its "
        "photo: does a reading hold when the display is marked a little off?",
    )
    parser.add_argument(
        "--nudge-right",
        type=int,
        default=0,
        metavar="PX",
        help="every marked box moved PX pixels right (left where negative), as --nudge",
    )


def load_cases(folder: Path, nudge: tuple[int, int] = (0, 0)) -> list[Case]:
    """Every labelled photo as a case, its box moved by ``nudge`` (pixels right, down);
    a row that does not hold up stops the run, naming it."""
    with (folder / LABELS).open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    cases = []
    for line, row in enumerate(rows, start=2):
        try:
            label = PhotoLabel.model_validate(row)
        except ValidationError as error:
            raise SystemExit(f"{folder / LABELS} line {line}: {error}") from None
        try:
            cases.append(_case(label, to_jpeg((folder / label.file).read_bytes()), nudge))
        except (OSError, ImageRefused, ValidationError) as error:
            raise SystemExit(f"{folder / LABELS} line {line}: {label.file}: {error}") from None
    return cases


def _case(label: PhotoLabel, jpeg: bytes, nudge: tuple[int, int] = (0, 0)) -> Case:
    header = read_header(jpeg)  # the size, without decoding the photo again
    drum = label.kind == "drum"
    x, y, w, h = label.area
    right, down = nudge
    x = min(max(x + right, 0), header.width - w)
    area = (x, min(max(y + down, 0), header.height - h), w, h)
    ocr = OcrConfig(
        display=_DISPLAY_OF[label.kind],  # type: ignore[arg-type]
        digits=label.digits,
        decimals=label.decimals,
        quantity=_QUANTITY,
        display_roi=area if drum else None,  # a drum counter is read in its window
        rotation_deg=label.rotation_deg,
    )
    size = (header.width, header.height)
    return Case(label.kind, jpeg, float(label.text), ocr, area, None, size=size)


def run(args: argparse.Namespace) -> int:
    cv2.setNumThreads(1)
    readers = chosen_readers(args.readers)
    if readers is None:
        return 2
    if not (args.dir / LABELS).is_file():
        print(f"error: {args.dir} has no {LABELS} (see docs/ocr.md)", file=sys.stderr)
        return 2
    cases = load_cases(args.dir, (args.nudge_right, args.nudge))
    moved = ""
    if args.nudge or args.nudge_right:
        moved = f", every box moved {args.nudge_right:+d} px right, {args.nudge:+d} px down"
    print(f"ocr-photos: {len(cases)} photos from {args.dir}, read by the shipped models{moved}")
    workdir = Path(tempfile.mkdtemp(prefix="meterhub-bench-photos-"))
    try:
        scores = score(cases, readers, classifier_models(), workdir / "data", args.budget_s,
                       shipped_reader(), shipped_locator())  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    title = f"photos in {args.dir}"
    return report(title, {"photos": len(cases)}, scores, readers, args.show, "ocr-photos")
