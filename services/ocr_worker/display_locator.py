"""A learned finder of the display in a whole frame, for a meter with no ROI drawn.

The hand-tuned finder (``geometry``) looks for a light window of the simulator's
proportions; an inverse LCD, a display in a dark bezel or one among printed labels it
misses ("no LCD display found"). This one is a small fully convolutional network: the
frame, shrunk to ``INPUT_WIDTH`` × ``INPUT_HEIGHT``, in; for each cell of a grid a quarter
of that, the chance that it lies on the display's glass, out. The glass is the largest
region above one half, as a box in frame pixels (``PAD`` would widen it).

It only says where to look: the sequence reader reads the window, in every view and
with every member agreeing, and refuses a window that does not read as the display's
layout. Trained with ``meterhub ocr train-locator`` (the ``train`` extra); the worker runs
the shipped ONNX graph (``models/display_locator.onnx``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

from .classifier import MODELS_DIR, embedded_meta, one_thread_session
from .geometry import Box

INPUT_WIDTH, INPUT_HEIGHT = 160, 120
GRID = 4  # input pixels per output cell
INPUT_NAME, OUTPUT_NAME = "frame", "glass_logits"
MODEL_FILE = "display_locator.onnx"
MIN_GLASS_SHARE = 0.002  # of the frame: smaller regions are specks, not a display
PAD = 0.0  # of the found box's size, each side: the network finds the glass itself, and
# the sequence reader's views try looser and tighter cuts (0.03, 0.06 read no more on the
# renderers it was trained on)


def frame_input(frame: np.ndarray) -> np.ndarray:
    """The frame as the network sees it: BGR, ``INPUT_HEIGHT`` × ``INPUT_WIDTH``, channels
    first, float32 in [-1, 1]."""
    colour = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    small = cv2.resize(colour, (INPUT_WIDTH, INPUT_HEIGHT), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)


def glass_box(logits: np.ndarray, shape: tuple[int, ...]) -> Box | None:
    """The largest region of ``logits`` (one frame's grid) above one half, as a padded box
    in the pixels of a frame of ``shape``; None where no region is large enough. Regions
    are traced at the input's size, not the frame's: as sharp as the grid, and a
    fraction of the time."""
    height, width = shape[:2]
    chance = cv2.resize(1.0 / (1.0 + np.exp(-logits)), (INPUT_WIDTH, INPUT_HEIGHT))
    mask = (chance > 0.5).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[largest])
    if area < MIN_GLASS_SHARE * INPUT_WIDTH * INPUT_HEIGHT:
        return None
    to_x, to_y = width / INPUT_WIDTH, height / INPUT_HEIGHT
    pad_x, pad_y = w * PAD, h * PAD
    x0, y0 = max(0, round((x - pad_x) * to_x)), max(0, round((y - pad_y) * to_y))
    x1 = min(width, round((x + w + pad_x) * to_x))
    y1 = min(height, round((y + h + pad_y) * to_y))
    return (x0, y0, x1 - x0, y1 - y0)


class DisplayLocator:
    def __init__(self, model: bytes | Path) -> None:
        self.session = one_thread_session(model)
        self.meta = embedded_meta(self.session)

    def find(self, frame: np.ndarray) -> Box | None:
        """Where the display's glass is in ``frame`` (None: nowhere)."""
        (logits,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: frame_input(frame)[None]})
        return glass_box(logits[0, 0], frame.shape)


def model_file(directory: Path = MODELS_DIR) -> Path:
    return directory / MODEL_FILE


@cache
def shipped_locator() -> DisplayLocator | None:
    """The shipped model, loaded once per process; None where it is not built."""
    path = model_file()
    return DisplayLocator(path) if path.is_file() else None
