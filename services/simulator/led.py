"""Camera frames of an LED 7-segment module (a TM1637-style board): lit red segments on a
black face, unlit ones barely visible, on a coloured circuit board. The opposite
polarity of an LCD, which the OCR worker must read as well.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..core.config.simulator import FrameEffects
from ..core.sevenseg import SEGMENTS
from .drum import _camera, _glare

FRAME_WIDTH, FRAME_HEIGHT = 640, 480
FACE = (150, 170, 340, 130)  # x, y, w, h of the black display face on the board
_SHIFT = 4


def render_led_frame(
    text: str, digits: int, effects: FrameEffects, rng: np.random.Generator
) -> np.ndarray:
    """A BGR frame of the module showing ``text`` (e.g. "42.7"), right-aligned."""
    cells: list[tuple[str, bool]] = []
    for ch in text:
        if ch == ".":
            cells[-1] = (cells[-1][0], True)
        else:
            cells.append((ch, False))
    if len(cells) > digits:
        raise ValueError(f"{text!r} needs {len(cells)} digits, the module has {digits}")
    cells = [("", False)] * (digits - len(cells)) + cells

    img = np.empty((FRAME_HEIGHT, FRAME_WIDTH, 3), np.uint8)
    img[:] = (70, 75, 80)  # the box it is mounted in
    board = tuple(int(c) for c in rng.choice([(140, 80, 20), (40, 110, 30), (30, 30, 30)]))
    cv2.rectangle(img, (110, 130), (530, 340), board, -1)
    for cx, cy in ((128, 148), (512, 148), (128, 322), (512, 322)):
        cv2.circle(img, (cx, cy), 8, (200, 200, 200), -1, cv2.LINE_AA)
    x, y, w, h = FACE
    cv2.rectangle(img, (x, y), (x + w, y + h), (18, 18, 18), -1)

    hue = rng.choice([(40, 40, 255), (60, 255, 60), (255, 160, 60)], p=[0.7, 0.15, 0.15])
    lit = np.array(hue, np.float64)
    unlit = (32, 32, 40)
    glow = np.zeros((FRAME_HEIGHT, FRAME_WIDTH), np.uint8)
    pitch = (w - 30) / digits
    digit_w, digit_h = 0.62 * pitch, 0.72 * h
    lean = math.tan(math.radians(rng.uniform(0, 9)))
    top = y + (h - digit_h) / 2
    for i, (char, point) in enumerate(cells):
        left = x + 15 + i * pitch + 0.1 * pitch
        on = SEGMENTS.get(char, frozenset())
        for name, poly in _segments(left, top, digit_w, digit_h, lean).items():
            pts = np.round(poly * (1 << _SHIFT)).astype(np.int32)
            target = glow if name in on else img
            colour = 255 if name in on else unlit
            cv2.fillPoly(target, [pts], colour, cv2.LINE_AA, _SHIFT)
        centre = (round(left + digit_w + 0.12 * pitch), round(top + digit_h - 3))
        cv2.circle(glow if point else img, centre, 4, 255 if point else unlit, -1, cv2.LINE_AA)
    # Lit segments glow a little beyond their edges.
    halo = cv2.GaussianBlur(glow, (0, 0), 2.5).astype(np.float32) / 255.0
    strength = np.maximum(glow.astype(np.float32) / 255.0, 0.6 * halo)[:, :, None]
    img = np.clip(img * (1 - strength) + lit * strength, 0, 255).astype(np.uint8)

    frame = _camera(img, effects.perspective, 6.0, rng)
    if effects.glare > 0:
        frame = _glare(frame, effects.glare, rng)
    if effects.blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), effects.blur)
    if effects.noise > 0:
        grain = rng.standard_normal(frame.shape[:2], dtype=np.float32) * np.float32(effects.noise)
        frame = cv2.add(frame, cv2.merge([grain, grain, grain]), dtype=cv2.CV_8U)
    return frame


def _segments(x: float, y: float, w: float, h: float, lean: float) -> dict[str, np.ndarray]:
    """Bar segments with gaps between them, leaning like most LED modules."""
    t = 0.14 * h
    g = 0.03 * h
    bars = {
        "a": (t / 2 + g, 0, w - t / 2 - g, t),
        "g": (t / 2 + g, h / 2 - t / 2, w - t / 2 - g, h / 2 + t / 2),
        "d": (t / 2 + g, h - t, w - t / 2 - g, h),
        "f": (0, t / 2 + g, t, h / 2 - g),
        "b": (w - t, t / 2 + g, w, h / 2 - g),
        "e": (0, h / 2 + g, t, h - t / 2 - g),
        "c": (w - t, h / 2 + g, w, h - t / 2 - g),
    }
    return {
        name: np.array(
            [
                (x + px + (h - py) * lean, y + py)
                for px, py in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
            ]
        )
        for name, (x0, y0, x1, y1) in bars.items()
    }
