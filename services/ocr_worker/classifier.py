"""Single-digit classifier for meter displays: a crop of one digit in, ten probabilities out.

Two trained models ship with the package as ONNX graphs (``models/digits_lcd.onnx`` for
7-segment LCD/LED digits, ``models/digits_drum.onnx`` for mechanical drum counters) and
run in ONNX Runtime on one thread; nothing is downloaded and torch is not needed.
``meterhub ocr train`` (the ``train`` extra, PyTorch) rebuilds them.

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
* The graph takes normalised crops (N, INPUT_HEIGHT, INPUT_WIDTH) and gives probabilities
  (N, 10), already averaged over its networks and over each crop and its negative (both
  polarities); the training metadata is in the graph's metadata under ``META_KEY``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import onnxruntime as ort

DigitKind = Literal["lcd", "drum"]
KINDS: tuple[DigitKind, ...] = ("lcd", "drum")
MODELS_DIR = Path(__file__).with_name("models")
MODEL_SUFFIX = ".onnx"
INPUT_HEIGHT, INPUT_WIDTH = 32, 24
INPUT_NAME, OUTPUT_NAME = "crops", "probabilities"
META_KEY = "meterhub"

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
    """A trained model in an ONNX Runtime session; ``load`` caches it per kind.
    ``predict`` keeps no state and a session may be run from several threads at once."""

    def __init__(self, model: bytes | Path) -> None:
        try:
            self.session = one_thread_session(model)
        except Exception as error:  # ONNX Runtime raises its own, unexported classes
            raise ValueError(f"not a digit model: {error}") from error
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if (
            [i.name for i in inputs] != [INPUT_NAME]
            or list(inputs[0].shape[1:]) != [INPUT_HEIGHT, INPUT_WIDTH]
            or [o.name for o in outputs] != [OUTPUT_NAME]
        ):
            raise ValueError(
                f"a digit model takes {INPUT_NAME!r} (N, {INPUT_HEIGHT}, {INPUT_WIDTH}) "
                f"and gives {OUTPUT_NAME!r} (N, 10)"
            )
        self.meta = embedded_meta(self.session)

    @classmethod
    def load(cls, kind: DigitKind) -> DigitClassifier:
        """The shipped model for ``kind``, loaded once per process."""
        if kind not in KINDS:
            raise ValueError(f"unknown digit kind {kind!r}; expected one of {KINDS}")
        with _lock:
            return _load_cached(kind)

    @classmethod
    def from_file(cls, path: Path) -> DigitClassifier:
        return cls(path)

    def predict(self, crops: Sequence[np.ndarray]) -> list[DigitPrediction]:
        """One prediction per crop (BGR, BGRA or grey uint8, any size and polarity)."""
        if len(crops) == 0:
            return []
        probs = self.probabilities(np.stack([normalise_crop(crop) for crop in crops]))
        return [DigitPrediction(str(int(row.argmax())), float(row.max()), row) for row in probs]

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities for normalised inputs (N, H, W), both polarities averaged
        (inside the graph)."""
        parts = [
            self.session.run([OUTPUT_NAME], {INPUT_NAME: inputs[start : start + _BATCH]})[0]
            for start in range(0, len(inputs), _BATCH)
        ]
        return np.concatenate(parts).astype(np.float64)


def one_thread_session(model: bytes | Path) -> ort.InferenceSession:
    """An ONNX Runtime session of a shipped or trained graph, on one thread."""
    source = str(model) if isinstance(model, Path) else model
    return ort.InferenceSession(source, _session_options(), providers=["CPUExecutionProvider"])


def embedded_meta(session: ort.InferenceSession) -> dict[str, object]:
    """The training metadata a graph carries (``META_KEY``); empty where it has none."""
    return json.loads(session.get_modelmeta().custom_metadata_map.get(META_KEY, "{}"))


def _session_options() -> ort.SessionOptions:
    """One thread per session: a frame's few crops gain nothing from more, and two OCR
    workers or a training run share the cores (see ``services/__init__``)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # warnings about unused initialisers are not news
    return options


_lock = threading.Lock()


@cache
def _load_cached(kind: DigitKind) -> DigitClassifier:
    path = model_path(kind)
    if not path.is_file():
        raise FileNotFoundError(f"no digit model at {path}; build one with `meterhub ocr train`")
    return DigitClassifier.from_file(path)


def model_path(kind: DigitKind, directory: Path = MODELS_DIR) -> Path:
    return directory / f"digits_{kind}{MODEL_SUFFIX}"


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
    return np.clip((small - background) / spread * 2, -2.0, 2.0).astype(np.float32, copy=False)


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
