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
# A glass turned less than this from the camera's set turn is read upright: the readers
# learned displays turned a little (the renderers turn them up to 4 degrees).
UPRIGHT_WITHIN_DEG = 4.0
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
    in the pixels of a frame of ``shape``; None where no region is large enough."""
    region = _largest_region(logits)
    return None if region is None else _upright_box(region, shape)


def _upright_box(region: np.ndarray, shape: tuple[int, ...]) -> Box:
    """``region``'s outline (input pixels) as a padded upright box in frame pixels."""
    x, y, w, h = cv2.boundingRect(region)
    height, width = shape[:2]
    to_x, to_y = width / INPUT_WIDTH, height / INPUT_HEIGHT
    pad_x, pad_y = w * PAD, h * PAD
    x0, y0 = max(0, round((x - pad_x) * to_x)), max(0, round((y - pad_y) * to_y))
    x1 = min(width, round((x + w + pad_x) * to_x))
    y1 = min(height, round((y + h + pad_y) * to_y))
    return (x0, y0, x1 - x0, y1 - y0)


def turned_glass(
    logits: np.ndarray, shape: tuple[int, ...], rotation_deg: float = 0.0
) -> tuple[Box, float] | None:
    """The largest region, as ``glass_box`` finds it, as a box and the turn that makes it
    upright (``geometry.crop``'s arguments). A region whose own axes lie within
    ``UPRIGHT_WITHIN_DEG`` of ``rotation_deg`` (the camera's turn to upright, as set) is
    read at that turn, as the readers learned displays turned a little (with a quarter
    turn or none set, in ``glass_box``'s box, as before turned glass was looked for);
    else at its own turn, the way round nearest ``rotation_deg`` (a display is read along
    its length), in the smallest rectangle round it."""
    region = _largest_region(logits)
    if region is None:
        return None
    height, width = shape[:2]
    points = region.reshape(-1, 2).astype(np.float32) + 0.5
    points *= np.float32([width / INPUT_WIDTH, height / INPUT_HEIGHT])
    centre, (w, h), angle = cv2.minAreaRect(points)
    # The rectangle's four ways round: its first side turned by angle + k·90°.
    turns = [(angle + 90.0 * k, (w, h) if k % 2 == 0 else (h, w)) for k in range(4)]
    turn, upright = min(turns, key=lambda t: _apart(t[0], rotation_deg))
    if _apart(turn, rotation_deg) > UPRIGHT_WITHIN_DEG:
        return box_about(centre, upright, turn), turn
    if rotation_deg % 90 == 0:
        return _upright_box(region, shape), rotation_deg
    return box_about(centre, upright, rotation_deg), rotation_deg


def box_about(centre: tuple[float, float], upright: tuple[float, float], turn_deg: float) -> Box:
    """The box that ``geometry.crop`` turns by ``turn_deg`` into an upright view of size
    ``upright`` centred on ``centre`` (frame pixels): a box keeps the frame's way round,
    so a quarter turn swaps its sides."""
    along, across = upright
    w, h = (across, along) if round(turn_deg / 90.0) % 2 else (along, across)
    return (round(centre[0] - w / 2), round(centre[1] - h / 2), round(w), round(h))


def _apart(a_deg: float, b_deg: float) -> float:
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)


def _largest_region(logits: np.ndarray) -> np.ndarray | None:
    """The outline (input pixels) of the largest region above one half; None where it is
    a speck. Regions are traced at the input's size, not the frame's: as sharp as the
    grid, and a fraction of the time."""
    chance = cv2.resize(1.0 / (1.0 + np.exp(-logits)), (INPUT_WIDTH, INPUT_HEIGHT))
    mask = (chance > 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[largest, cv2.CC_STAT_AREA] < MIN_GLASS_SHARE * INPUT_WIDTH * INPUT_HEIGHT:
        return None
    contours, _ = cv2.findContours(
        (labels == largest).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    return max(contours, key=cv2.contourArea)


class DisplayLocator:
    def __init__(self, model: bytes | Path) -> None:
        self.session = one_thread_session(model)
        self.meta = embedded_meta(self.session)

    def find_turned(self, frame: np.ndarray, rotation_deg: float = 0.0) -> tuple[Box, float] | None:
        """Where the display's glass is in ``frame`` and how far it is turned
        (``turned_glass``); None: nowhere."""
        (logits,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: frame_input(frame)[None]})
        return turned_glass(logits[0, 0], frame.shape, rotation_deg)


def model_file(directory: Path = MODELS_DIR) -> Path:
    return directory / MODEL_FILE


@cache
def shipped_locator() -> DisplayLocator | None:
    """The shipped model, loaded once per process; None where it is not built."""
    path = model_file()
    return DisplayLocator(path) if path.is_file() else None
