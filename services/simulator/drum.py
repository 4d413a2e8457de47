"""Camera frames of a simulated Ferraris meter: a mechanical drum counter behind glass.

The counter turns like the real mechanism: the rightmost drum (tenths, red) turns
continuously with the disc; every other drum stands still until the drum to its right
rolls from 9 to 0 and is carried along during that last step. Frames therefore show
drums caught between two digits, which is what makes drum counters hard to read.

The number a frame shows follows the meter reader's rule: the lower digit while a drum
is between two, the next one once it is within ``READ_SNAP`` of a step of it (where the
lower digit is right too: ``lower_steps``).

Digits are drawn from TrueType faces (DejaVu, shipped with matplotlib), among those the
digit classifier's synthetic drums use: the frames test the pipeline (window, cells,
alignment, rolling drums, plausibility); real crops the model never saw test the
classifier (``meterhub ocr train --folds``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..core.config.simulator import FrameEffects
from .optics import camera_view

FRAME_WIDTH, FRAME_HEIGHT = 640, 480
READ_SNAP = 0.1
DRUM_W, DRUM_GAP, WINDOW_H = 40, 8, 56
WINDOW_TOP = 128
_FACES = ("DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf")
_GLYPH_H = 42  # digit height in the window, pixels (three quarters of it, as on real drums)
_PITCH = 1.4 * _GLYPH_H  # distance between digits on a drum

Color = tuple[int, int, int]


@dataclass(frozen=True)
class DrumLayout:
    """Where a counter of ``drums`` drums sits on the meter front (before the camera)."""

    drums: int

    @property
    def left(self) -> int:
        return (FRAME_WIDTH - self.width) // 2 - 10

    @property
    def width(self) -> int:
        return self.drums * DRUM_W + (self.drums - 1) * DRUM_GAP

    @property
    def window(self) -> tuple[int, int, int, int]:
        """The drums' window (x, y, w, h): a display ROI around exactly the drums."""
        return self.left, WINDOW_TOP, self.width, WINDOW_H

    def drum_box(self, index: int) -> tuple[int, int, int, int]:
        return self.left + index * (DRUM_W + DRUM_GAP), WINDOW_TOP, DRUM_W, WINDOW_H

    @property
    def marks(self) -> list[tuple[int, int, int, int]]:
        """Boxes around the two upper screws and the 'kWh' label: features for alignment."""
        return [(96, 66, 32, 32), (512, 66, 32, 32), (self.left + self.width + 8, 150, 44, 26)]


def drum_turns(value_steps: float, drums: int) -> list[float]:
    """Each drum's position on its 0–10 circle, left to right, for a register at
    ``value_steps`` (units of the last drum): a drum turns with the carry only while the
    drum to its right rolls from 9 to 0."""
    turns = [value_steps % 10.0]
    for i in range(1, drums):
        stands = math.floor(value_steps / 10**i) % 10
        turns.append(stands + max(0.0, turns[-1] - 9.0))
    return list(reversed(turns))


def shown_steps(value_steps: float, drums: int) -> int:
    """The number a meter reader writes down for the register, in last-drum steps."""
    return math.floor(value_steps + READ_SNAP) % 10**drums


def lower_steps(value_steps: float, drums: int) -> int:
    """The register's fully turned steps: the utilities' "the lower digit" rule, which
    is right too while the last drum is within ``READ_SNAP`` of its next digit."""
    return math.floor(value_steps) % 10**drums


def render_drum_frame(
    value_steps: float,
    drums: int,
    effects: FrameEffects,
    rng: np.random.Generator,
    shift_px: float = 0.0,
) -> np.ndarray:
    """A BGR frame of the meter with its register at ``value_steps``. ``shift_px``: how
    far the camera may have been knocked aside (plus up to a degree of turn)."""
    layout = DrumLayout(drums)
    face = _FACES[int(rng.integers(len(_FACES)))]
    front = _draw_front(layout, drum_turns(value_steps, drums), face, rng)
    frame = _camera(front, effects.perspective, shift_px, rng)
    if effects.glare > 0:
        frame = _glare(frame, effects.glare, rng)
    if effects.blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), effects.blur)
    if effects.noise > 0:
        grain = rng.standard_normal(frame.shape[:2], dtype=np.float32) * np.float32(effects.noise)
        frame = cv2.add(frame, cv2.merge([grain, grain, grain]), dtype=cv2.CV_8U)
    return frame


def reference_frame(drums: int, seed: int = 0) -> np.ndarray:
    """The meter square to the camera, no effects: what alignment marks are cut from."""
    rng = np.random.default_rng(seed)
    front = _draw_front(DrumLayout(drums), [0.0] * drums, _FACES[0], rng, jitter=False)
    return front


# --- drawing -----------------------------------------------------------------------------


def _draw_front(
    layout: DrumLayout, turns: list[float], face: str, rng: np.random.Generator, jitter=True
) -> np.ndarray:
    def tone(base: Color, spread: int) -> Color:
        if not jitter:
            return base
        b, g, r = (int(np.clip(c + rng.integers(-spread, spread + 1), 0, 255)) for c in base)
        return b, g, r

    img = np.empty((FRAME_HEIGHT, FRAME_WIDTH, 3), np.uint8)
    img[:] = tone((110, 120, 128), 25)  # the meter cabinet's back wall
    cv2.rectangle(img, (60, 20), (580, 470), tone((38, 38, 40), 8), -1)  # bakelite case
    cv2.rectangle(img, (84, 44), (556, 446), tone((212, 218, 222), 12), -1)  # dial plate
    for cx, cy in ((112, 82), (528, 82), (112, 410), (528, 410)):  # screws
        cv2.circle(img, (cx, cy), 11, (150, 150, 150), -1, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), 11, (70, 70, 70), 1, cv2.LINE_AA)
        cv2.line(img, (cx - 8, cy - 3), (cx + 8, cy + 3), (60, 60, 60), 2, cv2.LINE_AA)
    ink = (40, 35, 30)
    _text(img, "DREHSTROMZAEHLER", (150, 70), 0.6, ink, 2)
    _text(img, "Nr. " + "".join(str(d) for d in rng.integers(0, 10, 8)), (150, 100), 0.5, ink)

    x, y, w, h = layout.window
    cv2.rectangle(img, (x - 8, y - 8), (x + w + 8, y + h + 8), (20, 20, 20), -1)  # bezel
    for index, turn in enumerate(turns):
        last = index == len(turns) - 1
        drum = _drum_face(turn, face, red=last)
        bx, by, bw, bh = layout.drum_box(index)
        img[by : by + bh, bx : bx + bw] = drum
    cv2.rectangle(img, (x + w - DRUM_W - 2, y - 2), (x + w + 2, y + h + 2), (0, 0, 150), 1)
    _text(img, "kWh", (x + w + 12, y + 42), 0.7, ink, 2)

    _text(img, "75 U/kWh", (160, 250), 0.55, ink)
    _text(img, "3x230/400V 10(60)A 50Hz", (160, 278), 0.5, ink)
    cv2.rectangle(img, (200, 310), (440, 350), (25, 25, 25), -1)  # disc window
    cv2.rectangle(img, (206, 322), (434, 338), (175, 178, 182), -1)  # the disc's rim
    mark = 206 + int(rng.uniform(0, 214))
    cv2.rectangle(img, (mark, 322), (mark + 12, 338), (30, 30, 200), -1)
    _text(img, "Kl. 2", (160, 400), 0.5, ink)
    return img


@cache
def _glyph(digit: int, face: str) -> np.ndarray:
    """A white-on-black mask of one digit, _GLYPH_H tall, cropped to its ink."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / face
    font = ImageFont.truetype(str(path), size=int(_GLYPH_H * 1.4))
    canvas = Image.new("L", (_GLYPH_H * 2, _GLYPH_H * 2), 0)
    ImageDraw.Draw(canvas).text((4, 0), str(digit), fill=255, font=font)
    mask = np.asarray(canvas)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    mask = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    width = max(1, round(mask.shape[1] * _GLYPH_H / mask.shape[0] * 0.85))  # condensed
    return cv2.resize(mask, (width, _GLYPH_H), interpolation=cv2.INTER_AREA)


def _drum_face(turn: float, face: str, red: bool) -> np.ndarray:
    """One drum seen through its window: the strip of digits bent round the cylinder."""
    lower = math.floor(turn)
    fraction = turn - lower
    strip_h = int(4 * _PITCH)
    strip = np.zeros((strip_h, DRUM_W), np.uint8)
    centre = 1.5 * _PITCH  # where the lower digit's centre lies on the strip
    for k in range(-1, 3):
        glyph = _glyph((lower + k) % 10, face)
        gh, gw = glyph.shape
        top = round(centre + k * _PITCH - gh / 2)
        left = (DRUM_W - gw) // 2
        region = strip[top : top + gh, left : left + gw]
        np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)
    # A screen row at height y shows the drum at angle asin(y / R).
    radius = (WINDOW_H / 2) / math.sin(0.6)
    rows = np.arange(WINDOW_H, dtype=np.float32) - WINDOW_H / 2 + 0.5
    angles = np.arcsin(np.clip(rows / radius, -1, 1))
    map_y = np.repeat((centre + fraction * _PITCH + radius * angles)[:, None], DRUM_W, axis=1)
    map_x = np.repeat(np.arange(DRUM_W, dtype=np.float32)[None, :], WINDOW_H, axis=0)
    ink = cv2.remap(strip, map_x, map_y.astype(np.float32), cv2.INTER_LINEAR) / 255.0
    background = np.array((30, 30, 170) if red else (28, 28, 28), np.float32)
    colour = np.array((235, 235, 235), np.float32)
    image = background + (colour - background) * ink[:, :, None]
    shading = 1 - 0.45 * (1 - np.cos(angles))[:, None, None] / (1 - math.cos(0.6))
    return np.clip(image * shading, 0, 255).astype(np.uint8)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color, thick=1):
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


# --- camera ------------------------------------------------------------------------------


def _camera(
    front: np.ndarray, keystone: float, shift_px: float, rng: np.random.Generator
) -> np.ndarray:
    """A camera knocked up to ``shift_px`` aside (and turned up to a degree with it)."""
    edge = int(rng.integers(0, 4)) if keystone > 0 else 0
    turn_deg = rng.uniform(-1.0, 1.0) * min(1.0, shift_px / 10.0)
    offset = rng.uniform(-shift_px, shift_px, 2)
    return camera_view(front, keystone, edge, turn_deg, 1.0, offset)


def _glare(frame: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """A soft reflection on the glass cover."""
    h, w = frame.shape[:2]
    cx, cy = rng.uniform(100, 540), rng.uniform(60, 300)
    sx, sy = rng.uniform(40, 110), rng.uniform(20, 60)
    yy, xx = np.mgrid[0:h:4, 0:w:4].astype(np.float32)
    coarse = strength * np.exp(-0.5 * (((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
    alpha = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)[:, :, None]
    return np.clip(frame + (255.0 - frame) * alpha, 0, 255).astype(np.uint8)
