"""Tesseract and ssocr as digit readers (``engine: tesseract | ssocr``).

They are the baselines Meterhub's classifier is measured against (``meterhub bench
ocr-digits``) and stay selectable per device for comparison. Either reads one digit
crop at a time through its command-line program; Meterhub still finds the display, cuts
the digits and judges the reading. An answer that is not exactly one digit is no
answer: the reading is refused, never guessed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

_TESSERACT_ARGS = ("--psm", "10", "-c", "tessedit_char_whitelist=0123456789")
_TIMEOUT_S = 30.0
NO_DIGIT = "?"


class EngineMissing(RuntimeError):
    """The engine's program is not installed; ``str(error)`` says how to get it."""


@dataclass(frozen=True)
class EnginePrediction:
    """One crop's answer in the classifier's shape: all probability on the digit read,
    none at all (``digit`` = ``NO_DIGIT``, confidence 0) when nothing single was read."""

    digit: str
    confidence: float
    probabilities: np.ndarray


def answer(text: str) -> EnginePrediction:
    text = text.strip()
    probabilities = np.zeros(10)
    if len(text) == 1 and text.isdigit():
        probabilities[int(text)] = 1.0
        return EnginePrediction(text, 1.0, probabilities)
    return EnginePrediction(NO_DIGIT, 0.0, probabilities)


class ExternalEngine:
    """A digit reader behind a program; ``predict`` takes crops, ``predict_files`` the
    image files themselves (the benchmark hands over the dataset's files untouched)."""

    program: str
    package: str  # the Debian package that provides ``program``

    def __init__(self) -> None:
        if shutil.which(self.program) is None:
            raise EngineMissing(
                f"engine {self.program}: the program is not installed "
                f"(apt-get install {self.package})"
            )

    def predict(self, crops: Sequence[np.ndarray]) -> list[EnginePrediction]:
        if not crops:
            return []
        with tempfile.TemporaryDirectory(prefix="meterhub-ocr-") as scratch:
            paths = []
            for index, image in enumerate(crops):
                path = Path(scratch) / f"digit_{index}.png"
                if not cv2.imwrite(str(path), _with_margin(image)):
                    raise ValueError(f"digit {index + 1}: crop of shape {image.shape} not writable")
                paths.append(path)
            return self.predict_files(paths)

    def predict_files(self, paths: Sequence[Path]) -> list[EnginePrediction]:
        raise NotImplementedError


class TesseractDigits(ExternalEngine):
    """One tesseract run over a list of crops (``--psm 10``: one character per page,
    digits only): a process start per frame, not per digit."""

    program, package = "tesseract", "tesseract-ocr"

    def predict_files(self, paths: Sequence[Path]) -> list[EnginePrediction]:
        if not paths:
            return []
        with tempfile.TemporaryDirectory(prefix="meterhub-ocr-") as scratch:
            listing = Path(scratch) / "crops.txt"
            listing.write_text("".join(f"{Path(path).resolve()}\n" for path in paths))
            done = _run([self.program, str(listing), "stdout", *_TESSERACT_ARGS])
        pages = done.split("\f")[: len(paths)]  # a form feed after each page
        pages += [""] * (len(paths) - len(pages))
        return [answer(page) for page in pages]


class SsocrDigits(ExternalEngine):
    """ssocr per crop (``-d 1``), tried inverted when the first polarity gives no digit."""

    program, package = "ssocr", "ssocr"

    def predict_files(self, paths: Sequence[Path]) -> list[EnginePrediction]:
        predictions = []
        for path in paths:
            found = answer("")
            for polarity in ((), ("invert",)):
                found = answer(_run([self.program, "-d", "1", *polarity, str(path)]))
                if found.digit != NO_DIGIT:
                    break
            predictions.append(found)
        return predictions


def _with_margin(image: np.ndarray) -> np.ndarray:
    """A crop cut tight round its digit, given a margin of its own background: both
    programs look for a character with space around it."""
    margin = max(2, image.shape[0] // 4)
    background = np.median(image.reshape(-1, image.shape[2] if image.ndim == 3 else 1), axis=0)
    return cv2.copyMakeBorder(
        image, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=background.tolist()
    )


def _run(command: list[str]) -> str:
    """The program's output; empty when it fails (a crop it cannot read is no answer)."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout if done.returncode == 0 else ""


ENGINES: dict[str, Callable[[], ExternalEngine]] = {
    "tesseract": TesseractDigits,
    "ssocr": SsocrDigits,
}
