"""A learned reader of a whole display window: the digits and the decimal point as one
sequence, without cutting the window into cells first.

The hand-tuned geometry (``lcd7``) splits a display into digit cells from its ink; on a
look it was not tuned to it refuses ("blank gap between digits", "digit cell outside the
display window"). This reader takes the window as a strip and a small convolutional
network scores, for each of ``STEPS`` columns, a blank or one of ``ALPHABET``; the best
path with repeats and blanks removed (CTC) is the text. Blank leading cells and unlit
(ghost) segments read as nothing. Each character carries the probability of its best
column, and the reading is refused below ``MIN_CHAR_CONFIDENCE``, or when the text does
not fit the display's layout (digit count, decimals).

A network can be sure and wrong on a look it never saw; it is then rarely wrong the same
way twice. So the shipped graph holds several independently trained networks (members),
each window is read in ``VIEWS`` (as cut, a little closer, a little farther, a little to
the side, as a user's ROI might have been drawn, and once with its mid-tones darkened, so
that a faint lit stroke shows), and the reading stands only when every member in every
view reads the same text, but for one plain view's read that all the others outvote; each
character keeps its least sure read's confidence. Measured on 600 windows of a renderer
held out of training, this cut the wrong readings accepted from 34 to 2 (docs/ocr.md).

Trained with ``meterhub ocr train-sequence`` (the ``train`` extra); the worker runs the
shipped ONNX graph (``models/sequence_display.onnx``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from .byte_percentiles import percentiles
from .channels import brightest
from .classifier import MODELS_DIR, embedded_meta, one_thread_session
from .lcd7 import UnreadableDisplay

ALPHABET = "0123456789."  # class i + 1; class 0 is CTC's blank
STRIP_HEIGHT, STRIP_WIDTH = 32, 128
STEPS = STRIP_WIDTH // 4  # output columns
INPUT_NAME, OUTPUT_NAME = "window", "log_probs"
MODEL_FILE = "sequence_display.onnx"
# A character's least sure read of all (members × views) that agree. 0.6 read more
# held-out DSEG frames, 0 wrong, but a dot-matrix 78 as 28 (0.72) with dot-matrix held
# out (docs/ocr.md).
MIN_CHAR_CONFIDENCE = 0.9
# Reads of all (members × views) that may differ from the rest and be left out, where at
# least ``MIN_OUTVOTING`` others agree; never a darkened view's, which alone may see a
# faint lit stroke. One read 23-24 more of 1,440 held-out frames, 0 wrong; two read one
# wrong (an 8's middle bar lost: 28504 as 20504; docs/ocr.md, "One read outvoted").
MAY_DISSENT = 1
MIN_OUTVOTING = 4
# Of all reads, the share that must fit the display's digit count for the rest to be
# left out (``_fitting``). Half read 17 more of 960 held-out frames, 0 wrong (docs/ocr.md,
# "Reads that cannot be the display").
MIN_FITTING_SHARE = 0.5


class View(NamedTuple):
    zoom: float  # about the strip's centre
    shift: float  # right, in strip pixels
    # Above 1, mid-tones pushed toward the ink: a lit stroke the camera's blur left as
    # faint as the ghosts (a 14-segment 8's split middle bar) shows, and a reader that
    # took it for unlit is torn instead of sure and wrong (docs/ocr.md, "A darkened view").
    gamma: float = 1.0


# The first is the window as cut.
VIEWS: tuple[View, ...] = (
    View(1.0, 0.0), View(1.06, 0.0), View(0.93, 0.0), View(1.0, 3.0), View(1.0, 0.0, 1.5),
)  # fmt: skip


def strip(window: np.ndarray) -> np.ndarray:
    """The window as the network sees it: ``normalised``, ``STRIP_HEIGHT`` ×
    ``STRIP_WIDTH``."""
    return normalised(window, (STRIP_WIDTH, STRIP_HEIGHT))


def normalised(window: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The window grey, dark digits on light (a light-on-dark window is inverted by its
    median), contrast stretched, resized to ``size`` (width, height), float32 in about
    [-1, 1]."""
    resized, (low, middle, high) = _resized_levels(window, size)
    small = resized.astype(np.float32)
    if _light_digits(low, middle, high):
        small = 255.0 - small
        low, high = 255.0 - high, 255.0 - low
    stretched = np.clip((small - low) / max(high - low, 8.0), 0.0, 1.0) * 2.0 - 1.0
    return stretched.astype(np.float32)


def brightness(window: np.ndarray) -> np.ndarray:
    """The window grey as the reader sees it: a red LED counts as bright."""
    return window if window.ndim == 2 else brightest(window)


def light_digits(window: np.ndarray) -> bool:
    """Whether the strip of ``window`` is read as light digits on a dark glass (and
    inverted)."""
    _, levels = _resized_levels(window, (STRIP_WIDTH, STRIP_HEIGHT))
    return _light_digits(*levels)


def _resized_levels(
    window: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The window's brightness resized to ``size``, and its 2nd, 50th and 98th percentiles."""
    resized = cv2.resize(brightness(window), size, interpolation=cv2.INTER_AREA)
    low, middle, high = percentiles(resized, (2, 50, 98))
    return resized, (low, middle, high)


def _light_digits(low: float, middle: float, high: float) -> bool:
    """The glass (most of the strip) nearer the dark end: light digits."""
    return middle - low < high - middle


def views(strip_: np.ndarray) -> np.ndarray:
    """``strip_`` in each of ``VIEWS``, stacked; edges continue the strip's own border."""
    centre_x, centre_y = STRIP_WIDTH / 2, STRIP_HEIGHT / 2
    strip_ = strip_.astype(np.float32, copy=False)  # training keeps its strips as float16
    out = []
    for zoom, shift, gamma in VIEWS:
        matrix = np.float32(
            [[zoom, 0, (1 - zoom) * centre_x + shift], [0, zoom, (1 - zoom) * centre_y]]
        )
        moved = cv2.warpAffine(
            strip_, matrix, (STRIP_WIDTH, STRIP_HEIGHT), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        out.append(moved if gamma == 1.0 else _darkened(moved, gamma))
    return np.stack(out)


def _darkened(strip_: np.ndarray, gamma: float) -> np.ndarray:
    """A normalised strip (ink at -1, glass at 1) with its mid-tones nearer the ink."""
    unit = np.clip((strip_ + 1.0) / 2.0, 0.0, 1.0)
    return (unit**gamma * 2.0 - 1.0).astype(np.float32)


class NoDigitsSeen(UnreadableDisplay):
    """Every member in every view read no character at all: beside another reader that
    found digits there, an objection (clutter a geometry took for a lone 8), not doubt."""


class InkBeforeDigits(UnreadableDisplay):
    """The cell just left of the digits read holds ink like theirs: a digit missed. Beside
    another reader that read blank cells there too, an objection, not doubt."""


class ReadsDiffer(UnreadableDisplay):
    """The members or views read different ``texts`` (one per read): no reading, and,
    beside another reader's, a sign that the display is not as plain as that one took
    it to be."""

    def __init__(self, reason: str, texts: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.texts = texts


class UnsureDigits(UnreadableDisplay):
    """The members and views agreed on ``digits`` (no point, no blank cells), one of
    them too unsure to stand: no reading, yet a count of digits that another reader's
    may be held against."""

    def __init__(self, reason: str, digits: str) -> None:
        super().__init__(reason)
        self.digits = digits


@dataclass(frozen=True)
class SequenceRead:
    text: str  # e.g. "127.03"
    confidences: list[float]  # per character of ``text``
    columns: list[int]  # per character: its likeliest output column (of ``STEPS``)
    other_read: str | None = None  # another view's or member's text: the reading does not stand
    texts: tuple[str, ...] = ()  # where they differ, every view's and member's text


def agreed(
    reads: list[SequenceRead], outvotable: Sequence[bool] = (), digits: int | None = None
) -> SequenceRead:
    """The reads of every view by every member as one: the same text, each character as
    sure as its least sure read; or the first, marked with another read's text where they
    differ. A read that misses the decimal point the others see in one place does not
    differ: the point is a few pixels, an omission is not a contradiction, and a point
    seen anywhere else is. One read marked ``outvotable`` may differ from all the others
    (at least ``MIN_OUTVOTING`` of them) and is then left out (``MAY_DISSENT``); in that
    count too, a read that only misses the point is one of the others. Where the display's
    ``digits`` are known, reads with more digits than it has are left out first
    (``_fitting``)."""
    if digits is not None:
        reads, outvotable = _fitting(reads, outvotable, digits)
    together = _unanimous(reads)
    if together.other_read is None or not any(outvotable):
        return together
    texts = [r.text for r in reads]
    top = max(sorted(set(texts)), key=lambda text: sum(_bears(read, text) for read in texts))
    dissenting = [i for i, read in enumerate(texts) if not _bears(read, top)]
    if (
        not top
        or len(dissenting) > MAY_DISSENT
        or len(reads) - len(dissenting) < MIN_OUTVOTING
        or not all(outvotable[i] for i in dissenting)
    ):
        return together
    return _unanimous([r for i, r in enumerate(reads) if i not in dissenting])


def _fitting(
    reads: list[SequenceRead], outvotable: Sequence[bool], digits: int
) -> tuple[list[SequenceRead], Sequence[bool]]:
    """The reads that could be a display of ``digits`` digits, where they are at least
    ``MIN_FITTING_SHARE`` of all: a read with more digits than the display has took
    something else for one (a phantom leading 1 at the glass's edge, a label), which says
    nothing against what the others read in the digits' cells. Fewer, and all stay: the
    reader is torn, as before."""
    fits = [len(_pointless(read.text)) <= digits for read in reads]
    if all(fits) or sum(fits) < MIN_FITTING_SHARE * len(reads):
        return reads, outvotable
    kept = [read for read, fit in zip(reads, fits, strict=True) if fit]
    votable = [vote for vote, fit in zip(outvotable, fits, strict=False) if fit]
    return kept, votable


def _unanimous(reads: list[SequenceRead]) -> SequenceRead:
    pointed = [r for r in reads if "." in r.text]
    first = pointed[0] if pointed else reads[0]
    for other in reads:
        if not _bears(other.text, first.text):
            texts = tuple(r.text for r in reads)
            return SequenceRead(first.text, first.confidences, first.columns, other.text, texts)
    per_read = [_on_positions(r.confidences, first.text, r.text) for r in reads]
    columns = zip(*per_read, strict=True)
    confidences = [min(c for c in column if c is not None) for column in columns]
    return SequenceRead(first.text, confidences, first.columns)


def _pointless(text: str) -> str:
    return text.replace(".", "")


def _bears(read: str, text: str) -> bool:
    """``read`` is ``text``, or ``text`` with its point missed (not one seen elsewhere)."""
    return read == text or read == _pointless(text)


def _on_positions(confidences: list[float], full: str, text: str) -> list[float | None]:
    """A read's confidences placed on ``full``'s characters (None where it missed a point:
    ``text`` is ``full`` without its points, however many it holds)."""
    sure = iter(confidences)
    return [None if c == "." and text != full else next(sure) for c in full]


def agreed_strips(
    log_probs: np.ndarray, strips: int, digits: int | None = None
) -> list[SequenceRead]:
    """Each strip's reading from the graph's (members, strips × views, STEPS, classes)
    output, agreed over every member's every view (on a display of ``digits``, where
    known); a graph of one network may leave the members axis out."""
    if log_probs.ndim == 3:
        log_probs = log_probs[None]
    per_strip = log_probs.reshape(len(log_probs), strips, len(VIEWS), *log_probs.shape[2:])
    outvotable = [view.gamma == 1.0 for view in VIEWS] * len(log_probs)
    return [
        agreed(
            [decode(scores) for member in per_strip[:, i] for scores in member], outvotable, digits
        )
        for i in range(strips)
    ]


def decode(log_probs: np.ndarray) -> SequenceRead:
    """The best path of one window's (STEPS, classes) log-probabilities: repeats merged,
    blanks dropped; a character's confidence is its best column's probability."""
    best = log_probs.argmax(axis=1)
    probs = np.exp(log_probs.max(axis=1))
    text: list[str] = []
    confidences: list[float] = []
    columns: list[int] = []
    previous = 0
    for column, (cls, p) in enumerate(zip(best.tolist(), probs.tolist(), strict=True)):
        if cls != 0 and cls != previous:
            text.append(ALPHABET[cls - 1])
            confidences.append(p)
            columns.append(column)
        elif cls != 0 and p > confidences[-1]:
            confidences[-1], columns[-1] = p, column
        previous = cls
    return SequenceRead("".join(text), [round(c, 3) for c in confidences], columns)


def fitted(
    read: SequenceRead, digits: int, decimals: int, confirmed: frozenset[int] = frozenset()
) -> str:
    """The read text as ``digits`` digit characters (blank leading cells as zeros), or
    ``UnreadableDisplay`` naming why it does not fit the display. The characters at
    ``confirmed`` (indices into the text) were confirmed by another reader and may be
    less sure than ``MIN_CHAR_CONFIDENCE``."""
    text = read.text
    if read.other_read is not None:
        raise ReadsDiffer(
            f"sequence reader: {text!r} moved a little or read by another member is "
            f"{read.other_read!r}",
            read.texts or (text, read.other_read),
        )
    if not text:
        raise NoDigitsSeen("sequence reader: no digits in the window")
    whole, point, fraction = text.partition(".")
    if "." in fraction or (point and not whole):
        raise UnreadableDisplay(f"sequence reader: {text!r} is not one number")
    if len(fraction) != decimals or (decimals and not point):
        raise UnreadableDisplay(
            f"sequence reader: {text!r} has {len(fraction)} decimals, the display {decimals}"
        )
    number = whole + fraction
    if len(number) > digits:
        raise UnreadableDisplay(
            f"sequence reader: {text!r} has {len(number)} digits, the display {digits}"
        )
    unsure = [
        i for i, p in enumerate(read.confidences) if p < MIN_CHAR_CONFIDENCE and i not in confirmed
    ]
    if unsure:
        worst = min(unsure, key=lambda i: read.confidences[i])
        raise UnsureDigits(
            f"sequence reader: character {worst + 1} of {text!r} is unclear "
            f"(confidence {read.confidences[worst]:.2f})",
            number,
        )
    return number.rjust(digits, "0")


class SequenceReader:
    def __init__(self, model: bytes | Path) -> None:
        self.session = one_thread_session(model)
        self.meta = embedded_meta(self.session)

    def read(self, window: np.ndarray, digits: int | None = None) -> SequenceRead:
        """``window`` read, on a display of ``digits`` where known (``agreed``)."""
        return self.read_strips(strip(window)[None], digits)[0]

    def read_strips(self, strips: np.ndarray, digits: int | None = None) -> list[SequenceRead]:
        """Each of ``strips`` (N, STRIP_HEIGHT, STRIP_WIDTH) read in every view by every
        member, agreed."""
        batch = np.concatenate([views(s) for s in strips]).astype(np.float32)[:, None]
        (log_probs,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})
        return agreed_strips(log_probs, len(strips), digits)


def model_file(directory: Path = MODELS_DIR) -> Path:
    return directory / MODEL_FILE


@cache
def shipped_reader() -> SequenceReader | None:
    """The shipped model, loaded once per process; None where it is not built."""
    path = model_file()
    return SequenceReader(path) if path.is_file() else None
