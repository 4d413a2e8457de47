"""Second looks at the characters the sequence reader reads unsurely.

On a look it never learned, every member of the sequence reader in every view can read
the same text and still be unsure of a character (a 6 at 0.64, the decimal point at
0.72). More members of one recipe are unsure together, so the second look comes from
elsewhere:

- a digit from the segments' geometry (``lcd7``), which decides any segment shape by
  what is lit but often cannot cut a strange display into cells alone ("blank gap
  between digits"). Here the sequence reader says where the digits are, the geometry
  only names what is lit in each cell, and an unsure digit stands where its cell
  clearly spells the same digit;
- a decimal point from the display's layout: a point read where the configured
  decimals put it changes nothing in the number, however unsure (the floor below is
  for digits), and a point anywhere else is refused anyway (``sequence_reader.fitted``);
- none for an 8 (``AGREEMENT_ENOUGH``): the reads' agreement is enough, unless its cell
  clearly spells another digit.

Torn reads (members or views reading different texts) are not settled this way: tried
as a judge between such reads on a held-out renderer, the geometry chose right in most
cells it decided, and surely wrong in some (a 14-segment 8 as 0; docs/ocr.md).
"""

from __future__ import annotations

import cv2
import numpy as np

from .lcd7 import MIN_DIGIT_CONFIDENCE, MIN_IMAGE_SIDE, UnreadableDisplay, digits_in_cells
from .sequence_reader import MIN_CHAR_CONFIDENCE, STEPS, SequenceRead, brightness, light_digits

# Digits the geometry may not confirm, and why: it reads their cells clearly as them
# where they are something else.
UNCONFIRMABLE: dict[str, str] = {
    "0": "a 14-segment 8, its middle bar two short halves, blurs into a clear 0 (held-out "
    "DSEG14 frames: 4 torn 8-or-0 cells read as 0 with clarity 1.0)",
}

# Digits that stand on every read agreeing (over ``least``) without a second look, unless
# their cell clearly spells another digit, and why.
AGREEMENT_ENOUGH: dict[str, str] = {
    "8": "an unsure 8 is most often a 14-segment 8 whose split middle bar is faint, which "
    "the geometry blurs away and so never confirms; of the unsure 8s every read agreed on "
    "in held-out frames, none was another digit (docs/ocr.md, 'An unsure 8')",
}


def confirmed_characters(
    window: np.ndarray, read: SequenceRead, decimals: int, least: float
) -> frozenset[int]:
    """Indices into ``read.text`` of the unsure characters (under ``MIN_CHAR_CONFIDENCE``;
    no digit under ``least``) that a second look confirms, or that need none
    (``AGREEMENT_ENOUGH``); empty unless every unsure character is confirmed, or where
    the reads differ."""
    unsure = [i for i, p in enumerate(read.confidences) if p < MIN_CHAR_CONFIDENCE]
    if read.other_read is not None or not unsure:
        return frozenset()
    if any(read.text[i] == "." for i in unsure) and not _point_as_laid_out(read.text, decimals):
        return frozenset()
    digits = [i for i in unsure if read.text[i] != "."]
    if any(read.confidences[i] < least for i in digits):
        return frozenset()
    if any(read.text[i] in UNCONFIRMABLE for i in digits):
        return frozenset()
    if not digits:
        return frozenset(unsure)
    cells = _segment_digits(window, read) or {}
    for i in digits:
        spelt, clarity = cells.get(i, (None, 0.0))
        clear = clarity >= MIN_DIGIT_CONFIDENCE
        if read.text[i] in AGREEMENT_ENOUGH:
            if clear and spelt != read.text[i]:
                return frozenset()
        elif not (clear and spelt == read.text[i]):
            return frozenset()
    return frozenset(unsure)


def _point_as_laid_out(text: str, decimals: int) -> bool:
    """One point, with ``decimals`` digits after it."""
    return text.count(".") == 1 and len(text.partition(".")[2]) == decimals


def _segment_digits(
    window: np.ndarray, read: SequenceRead
) -> dict[int, tuple[str | None, float]] | None:
    """What the segments spell, and how clearly, in the cell of each digit of ``read``
    (by its index in the text); None where the geometry cannot cut the window into
    those cells."""
    placed = [i for i, char in enumerate(read.text) if char != "."]
    centres = [(read.columns[i] + 0.5) / STEPS for i in placed]
    try:
        return dict(zip(placed, digits_in_cells(_dark_on_light(window), centres), strict=True))
    except UnreadableDisplay:
        return None


def _dark_on_light(window: np.ndarray) -> np.ndarray:
    """The window as the geometry reads it: dark digits on light, in the polarity the
    sequence reader took (light digits inverted, as a grey), at least ``MIN_IMAGE_SIDE``
    tall (``lcd7`` makes it grey otherwise)."""
    image = 255 - brightness(window) if light_digits(window) else window
    height, width = image.shape[:2]
    if min(height, width) < MIN_IMAGE_SIDE:
        factor = MIN_IMAGE_SIDE / min(height, width)
        size = (round(width * factor), round(height * factor))
        image = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    return image
