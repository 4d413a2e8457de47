"""Single-digit classifier for meter displays: a crop of one digit in, ten probabilities out.

Two trained models ship with the package (``models/digits_lcd.npz`` for 7-segment
LCD/LED digits, ``models/digits_drum.npz`` for mechanical drum counters) and run with
numpy alone; nothing is downloaded. ``meterhub ocr train`` rebuilds them.

Conventions the OCR pipeline relies on:

* ``probabilities[k]`` is the probability that the crop shows digit ``k``; they sum to 1.
* Drum digits roll. A drum between ``d`` and ``d + 1`` (the bottom of ``d`` at the top of
  the window, the top of ``d + 1`` coming up from below) was trained toward
  ``probabilities[d] = 1 - f`` and ``probabilities[(d + 1) % 10] = f``, where ``f`` is
  the fraction of one digit pitch the drum has turned past ``d``: the two largest
  probabilities are then the adjacent digits and their ratio says how far it turned
  (``DigitPrediction.rolling`` gives ``(d, f)``). 9 rolls to 0.
* A blank LCD cell (a suppressed leading zero) reads as ``0``: real meter datasets label
  it so, and as a leading digit its value is 0.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from .convnet import ConvNet, load_models, softmax

DigitKind = Literal["lcd", "drum"]
KINDS: tuple[DigitKind, ...] = ("lcd", "drum")
MODELS_DIR = Path(__file__).with_name("models")
INPUT_HEIGHT, INPUT_WIDTH = 32, 24

# Contrast is stretched to the crop's own range, but a range narrower than this many grey
# levels is not stretched further: a blank cell stays flat instead of turning its sensor
# noise into strokes.
_MIN_INK_LEVELS = 12.0
_BATCH = 256


@dataclass(frozen=True)
class DigitPrediction:
    digit: str
    confidence: float  # probability of ``digit``
    probabilities: np.ndarray  # shape (10,), index = digit

    @property
    def rolling(self) -> tuple[int, float]:
        """For a drum digit: ``(d, f)``, the drum turned a fraction ``f`` (0 ≤ f ≤ 1) of
        the way from ``d`` to ``d + 1``, estimated from the two largest probabilities when
        they are adjacent digits (otherwise ``(digit, 0.0)``)."""
        first, second = (int(k) for k in np.argsort(self.probabilities)[::-1][:2])
        if (first + 1) % 10 == second:
            lower, upper = first, second
        elif (second + 1) % 10 == first:
            lower, upper = second, first
        else:
            return first, 0.0
        total = float(self.probabilities[lower] + self.probabilities[upper])
        return lower, float(self.probabilities[upper]) / total


class DigitClassifier:
    """A trained model (a few networks whose answers are averaged); ``load`` caches it
    per kind; ``predict`` keeps no state, so threads may share one instance."""

    def __init__(self, nets: Sequence[ConvNet], meta: dict[str, object]) -> None:
        if not nets or any(net.arch.input_hw != (INPUT_HEIGHT, INPUT_WIDTH) for net in nets):
            raise ValueError(
                f"a digit model needs networks taking {INPUT_HEIGHT}x{INPUT_WIDTH} inputs"
            )
        self.nets = list(nets)
        self.meta = meta

    @classmethod
    def load(cls, kind: DigitKind) -> DigitClassifier:
        """The shipped model for ``kind``, loaded once per process."""
        if kind not in KINDS:
            raise ValueError(f"unknown digit kind {kind!r}; expected one of {KINDS}")
        with _lock:
            return _load_cached(kind)

    @classmethod
    def from_file(cls, path: Path) -> DigitClassifier:
        nets, meta = load_models(path)
        return cls(nets, meta)

    def predict(self, crops: Sequence[np.ndarray]) -> list[DigitPrediction]:
        """One prediction per crop (BGR, BGRA or grey uint8, any size and polarity)."""
        if len(crops) == 0:
            return []
        probs = self.probabilities(np.stack([normalise_crop(crop) for crop in crops]))
        return [DigitPrediction(str(int(row.argmax())), float(row.max()), row) for row in probs]

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities for normalised inputs (N, H, W): the mean over the networks
        and over each input and its negative (both polarities)."""
        parts = []
        for start in range(0, len(inputs), _BATCH):
            batch = inputs[start : start + _BATCH]
            both = np.concatenate([batch, -batch])
            mean = np.mean([softmax(net.logits(both)) for net in self.nets], axis=0)
            parts.append((mean[: len(batch)] + mean[len(batch) :]) / 2)
        return np.concatenate(parts).astype(np.float64)


_lock = threading.Lock()


@cache
def _load_cached(kind: DigitKind) -> DigitClassifier:
    path = model_path(kind)
    if not path.is_file():
        raise FileNotFoundError(f"no digit model at {path}; build one with `meterhub ocr train`")
    return DigitClassifier.from_file(path)


def model_path(kind: DigitKind, directory: Path = MODELS_DIR) -> Path:
    return directory / f"digits_{kind}.npz"


def normalise_crop(image: np.ndarray) -> np.ndarray:
    """A crop as the network sees it: grey, INPUT_HEIGHT × INPUT_WIDTH, the median
    (background: ink covers well under half a digit cell) at 0 and the contrast
    stretched to about ±1.

    The sign is left as it is: the network is trained on both polarities and its answer
    averaged over the crop and its negative, because no rule picks the ink side of a
    drum window reliably (a white digit on a black drum in a red housing has three tones).
    """
    grey = _grey(image)
    h, w = grey.shape
    shrinking = h > INPUT_HEIGHT or w > INPUT_WIDTH
    small = cv2.resize(
        grey,
        (INPUT_WIDTH, INPUT_HEIGHT),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
    ).astype(np.float32)
    low, background, high = _percentiles(small.ravel(), (0.02, 0.5, 0.98))
    spread = max(high - low, _MIN_INK_LEVELS)
    return np.clip((small - background) / spread * 2, -2.0, 2.0)


def _percentiles(values: np.ndarray, fractions: tuple[float, ...]) -> list[float]:
    """Order statistics by partial sort: several times faster than ``np.percentile``,
    which matters when training normalises hundreds of thousands of crops."""
    ranks = [round(f * (len(values) - 1)) for f in fractions]
    ordered = np.partition(values, ranks)
    return [float(ordered[r]) for r in ranks]


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    if image.ndim != 2 or min(image.shape) < 2:
        raise ValueError(f"not a digit image: shape {image.shape}")
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return image
