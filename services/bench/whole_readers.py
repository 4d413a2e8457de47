"""What a user would try instead of Meterhub, reading a whole frame or display area.

The held-out renderer benchmark scores these on the same frames as Meterhub:

- ``tesseract``: one text line (``--psm 7``) on a display area, sparse text
  (``--psm 11``) on a whole frame; digits and the point only.
- ``ssocr``: the 7-segment reader, digits counted by itself (``-d -1``, iterative
  threshold), tried inverted when the first polarity reads nothing.
- ``general``: a general OCR, PP-OCR through ``rapidocr-onnxruntime`` (its detection and
  recognition models ship inside the wheel: nothing is downloaded). Optional; see
  docs/ocr.md for installing it beside OpenCV's headless build.

Each answers with the text it read or ``""``; ``number_in`` turns that into the number a
user would take from it, so a wrong number counts as wrong, not as refused.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ..ocr_worker.engines import _run

WholeReader = Callable[[np.ndarray, bool], str]  # (BGR image, a display area?) -> text
_NUMBER = re.compile(r"\d[\d.,]*")
GENERAL_OCR_PACKAGE = "rapidocr-onnxruntime"


def tesseract(image: np.ndarray, area: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="meterhub-ocr-") as scratch:
        path = Path(scratch) / "frame.png"
        cv2.imwrite(str(path), image)
        psm = "7" if area else "11"
        return _run(["tesseract", str(path), "stdout", "--psm", psm,
                     "-c", "tessedit_char_whitelist=0123456789."])  # fmt: skip


def ssocr(image: np.ndarray, area: bool) -> str:
    del area  # ssocr looks at whatever it is given
    with tempfile.TemporaryDirectory(prefix="meterhub-ocr-") as scratch:
        path = Path(scratch) / "frame.png"
        cv2.imwrite(str(path), image)
        for polarity in ((), ("invert",)):
            text = _run(["ssocr", "-d", "-1", "-T", *polarity, str(path)]).strip()
            if any(c.isdigit() for c in text):
                return text
    return ""


@cache
def _rapidocr() -> object:
    from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-not-found]

    return RapidOCR()


def general(image: np.ndarray, area: bool) -> str:
    del area
    found, _ = _rapidocr()(image)  # type: ignore[operator]
    return " ".join(str(text) for _, text, _ in found or [])


# name -> (reader, how to tell it is here, what to install when it is not)
READERS: dict[str, tuple[WholeReader, Callable[[], bool], str]] = {
    "tesseract": (tesseract, lambda: shutil.which("tesseract") is not None, "tesseract-ocr"),
    "ssocr": (ssocr, lambda: shutil.which("ssocr") is not None, "ssocr"),
    "general": (
        general,
        lambda: importlib.util.find_spec("rapidocr_onnxruntime") is not None,
        GENERAL_OCR_PACKAGE,
    ),
}


def number_in(text: str, decimals: int) -> float | None:
    """The number a user would take from ``text``: its longest run of digits (a point or
    comma in it is the decimal mark; without one the display's ``decimals`` place it).
    None when there is no digit, or two runs equally long (no single answer)."""
    runs = sorted(_NUMBER.findall(text), key=lambda run: -sum(c.isdigit() for c in run))
    if not runs:
        return None
    if len(runs) > 1 and sum(c.isdigit() for c in runs[0]) == sum(c.isdigit() for c in runs[1]):
        return None
    run = runs[0].replace(",", ".").strip(".")
    if run.count(".") > 1:
        return None
    if "." in run:
        return float(run)
    return int(run) / 10**decimals
