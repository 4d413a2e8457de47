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
  for digits), and a point anywhere else is refused anyway (``sequence_reader.fitted``).

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


def confirmed_characters(
    window: np.ndarray, read: SequenceRead, decimals: int, least: float
) -> frozenset[int]:
    """Indices into ``read.text`` of the unsure characters (under ``MIN_CHAR_CONFIDENCE``;
    no digit under ``least``) that a second look confirms; empty unless every unsure
    character is confirmed, or where the reads differ."""
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
    if digits and not _segments_confirm(window, read, digits):
        return frozenset()
    return frozenset(unsure)


def _point_as_laid_out(text: str, decimals: int) -> bool:
    """One point, with ``decimals`` digits after it."""
    return text.count(".") == 1 and len(text.partition(".")[2]) == decimals


def _segments_confirm(window: np.ndarray, read: SequenceRead, unsure: list[int]) -> bool:
    """Whether the segments in the cells of the ``unsure`` digits spell them clearly."""
    placed = [i for i, char in enumerate(read.text) if char != "."]
    centres = [(read.columns[i] + 0.5) / STEPS for i in placed]
    try:
        cells = dict(zip(placed, digits_in_cells(_dark_on_light(window), centres), strict=True))
    except UnreadableDisplay:
        return False
    return all(cells[i][0] == read.text[i] and cells[i][1] >= MIN_DIGIT_CONFIDENCE for i in unsure)


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
