"""Camera frames of a simulated PLN prepaid meter: a 7-segment LCD on a meter front.

The frames feed the same OCR path as a real ESP32-CAM, so they carry what makes real
photos hard: a slanted LCD font, faint unlit segments, distracting labels and keypad
digits, a camera that is never quite square to the meter, and optional blur, noise,
keystone and glare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..core.config.simulator import FrameEffects
from ..core.sevenseg import SEGMENTS
from .optics import camera_view

FRAME_WIDTH = 640
FRAME_HEIGHT = 480

Color = tuple[int, int, int]
_LCD_TINTS: list[Color] = [(150, 188, 168), (165, 182, 172), (140, 190, 185)]  # green to grey
_SHIFT = 4  # fractional bits for cv2 drawing, for sub-pixel anti-aliased edges
_SCALE = 1 << _SHIFT


@dataclass(frozen=True)
class _Cell:
    char: str  # "" for a blank cell
    point: bool


def render_lcd_frame(
    text: str,
    digits: int,
    effects: FrameEffects,
    rng: np.random.Generator,
    *,
    credit_lit: bool = True,
) -> np.ndarray:
    """A BGR camera frame of the meter showing ``text`` (e.g. "127.03"), right-aligned;
    ``credit_lit``: the "CREDIT" indicator on the glass, which a cycling meter lights on
    its balance register only (``CREDIT_MARK``)."""
    cells = _layout(text, digits)
    front = _draw_front(cells, rng, credit_lit)
    frame = _camera(front, effects.perspective, rng)
    if effects.glare > 0:
        frame = _glare(frame, effects.glare, rng)
    if effects.blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), effects.blur)
    if effects.noise > 0:
        # Luma grain, the part of sensor noise that survives JPEG.
        grain = rng.standard_normal(frame.shape[:2], dtype=np.float32) * np.float32(effects.noise)
        frame = cv2.add(frame, cv2.merge([grain, grain, grain]), dtype=cv2.CV_8U)
    return frame


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """JPEG bytes as an ESP32-CAM would upload them."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("image could not be encoded as JPEG")
    return buf.tobytes()


def _layout(text: str, digits: int) -> list[_Cell]:
    """Digit cells left to right; a '.' belongs to the digit before it."""
    shown: list[_Cell] = []
    for ch in text.strip():
        if ch == ".":
            if not shown or shown[-1].point:
                raise ValueError(f"misplaced decimal point in {text!r}")
            shown[-1] = _Cell(shown[-1].char, True)
        elif ch in SEGMENTS:
            shown.append(_Cell(ch, False))
        else:
            raise ValueError(f"a 7-segment display cannot show {ch!r} in {text!r}")
    if len(shown) > digits:
        raise ValueError(f"{text!r} needs {len(shown)} digits, the display has {digits}")
    return [_Cell("", False)] * (digits - len(shown)) + shown


def _jitter_color(rng: np.random.Generator, base: Color, spread: int) -> Color:
    b, g, r = (min(max(c + int(rng.integers(-spread, spread + 1)), 0), 255) for c in base)
    return (b, g, r)


def _draw_front(cells: list[_Cell], rng: np.random.Generator, credit_lit: bool) -> np.ndarray:
    """The meter seen square-on, before the camera's own geometry and optics."""
    wall = _jitter_color(rng, (120, 135, 150), 40)
    shade = np.linspace(0.85, 1.1, FRAME_WIDTH, dtype=np.float32)[:, None]
    row = np.clip(shade * np.array(wall, np.float32), 0, 255).astype(np.uint8)
    img = np.ascontiguousarray(np.broadcast_to(row, (FRAME_HEIGHT, FRAME_WIDTH, 3)))

    body = _jitter_color(rng, (200, 215, 222), 15)
    _rounded_rect(img, (70, -30), (570, 510), 28, body)
    _draw_labels(img, rng)

    bezel = _jitter_color(rng, (55, 55, 60), 12)
    _rounded_rect(img, (125, 62), (515, 222), 10, bezel)
    lcd_box = (136, 73, 504, 211)
    _draw_lcd(img, lcd_box, cells, rng, credit_lit)
    _draw_keypad(img, rng)
    return img


def _rounded_rect(
    img: np.ndarray, p0: tuple[int, int], p1: tuple[int, int], radius: int, color: Color
) -> None:
    (x0, y0), (x1, y1) = p0, p1
    cv2.rectangle(img, (x0 + radius, y0), (x1 - radius, y1), color, -1)
    cv2.rectangle(img, (x0, y0 + radius), (x1, y1 - radius), color, -1)
    for cx, cy in (
        (x0 + radius, y0 + radius),
        (x1 - radius, y0 + radius),
        (x0 + radius, y1 - radius),
        (x1 - radius, y1 - radius),
    ):
        cv2.circle(img, (cx, cy), radius, color, -1, cv2.LINE_AA)


def _text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float, color: Color, thick: int = 1
) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def _draw_labels(img: np.ndarray, rng: np.random.Generator) -> None:
    """Printed text on the meter body; it holds digits, which the reader must not pick up."""
    ink = (60, 50, 40)
    cv2.rectangle(img, (100, 14), (170, 50), (150, 90, 20), -1)
    _text(img, "PLN", (106, 43), 0.9, (255, 255, 255), 2)
    _text(img, "METER PRABAYAR 1 FASA", (190, 32), 0.55, ink, 1)
    meter_no = "".join(str(d) for d in rng.integers(0, 10, 11))
    _text(img, f"No. {meter_no}", (190, 52), 0.5, ink, 1)
    _text(img, "230V 5(60)A 50Hz", (400, 470), 0.42, ink, 1)
    _text(img, "1000 imp/kWh", (415, 300), 0.42, ink, 1)
    cv2.circle(img, (440, 325), 7, (40, 40, 190), -1, cv2.LINE_AA)
    _text(img, "kWh", (455, 331), 0.45, ink, 1)
    _text(img, "CL.1", (100, 470), 0.42, ink, 1)


def _draw_keypad(img: np.ndarray, rng: np.random.Generator) -> None:
    key = _jitter_color(rng, (70, 70, 75), 10)
    labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "<", "0", "E"]
    for i, label in enumerate(labels):
        row, col = divmod(i, 3)
        x, y = 175 + col * 78, 250 + row * 52
        _rounded_rect(img, (x, y), (x + 62, y + 38), 6, key)
        _text(img, label, (x + 22, y + 28), 0.8, (235, 235, 235), 2)


def _draw_lcd(
    img: np.ndarray,
    box: tuple[int, int, int, int],
    cells: list[_Cell],
    rng: np.random.Generator,
    credit_lit: bool,
) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    tint = _LCD_TINTS[int(rng.integers(len(_LCD_TINTS)))]
    base = np.array(_jitter_color(rng, tint, 12), np.float32)
    # Uneven backlight: brighter in the middle, darker toward the corners.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    falloff = 1.0 - 0.10 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 4
    window = np.clip(base[None, None, :] * falloff[:, :, None], 0, 255).astype(np.uint8)
    img[y0:y1, x0:x1] = window

    ink = _jitter_color(rng, (45, 58, 50), 8)
    dim = rng.uniform(0.92, 0.96)  # unlit segments are only slightly darker than the glass
    ghost: Color = (int(base[0] * dim), int(base[1] * dim), int(base[2] * dim))
    pitch = min(51.0, (w - 60.0) / len(cells))
    digit_w = 0.7 * pitch
    digit_h = min(72.0, 2.0 * digit_w)
    thick = 0.13 * digit_h
    lean = math.tan(math.radians(rng.uniform(6.0, 10.0)))
    top = y0 + (h - digit_h) / 2 + 8.0
    left = x0 + 14.0 + rng.uniform(-2.0, 2.0)
    for i, cell in enumerate(cells):
        cx = left + i * pitch
        polys = _segment_polygons(cx, top, digit_w, digit_h, thick, lean)
        lit = SEGMENTS.get(cell.char, frozenset())
        for name, poly in polys.items():
            _fill(img, poly, ink if name in lit else ghost)
        dot = (cx + digit_w + (pitch - digit_w) / 2, top + digit_h - 0.45 * thick)
        _dot(img, dot, 0.45 * thick, ink if cell.point else ghost)

    _text(img, "kWh", (int(left + len(cells) * pitch + 2), int(top + digit_h)), 0.45, ink, 1)
    _text(img, "TOKEN", (x0 + 12, y0 + 20), 0.35, ghost, 1)
    _text(img, "CREDIT", (x0 + 70, y0 + 20), 0.35, ink if credit_lit else ghost, 1)
    for k in range(4):  # signal-strength bars, a typical LCD indicator
        bx = x1 - 40 + k * 7
        cv2.rectangle(img, (bx, y0 + 22 - 3 * k), (bx + 4, y0 + 22), ink, -1)


def _segment_polygons(
    x: float, y: float, w: float, h: float, t: float, lean: float
) -> dict[str, np.ndarray]:
    """Hexagonal segments of one digit box, sheared about its baseline like an italic LCD."""
    gap = 0.2 * t
    half = t / 2

    def horizontal(cy: float) -> list[tuple[float, float]]:
        a, b = half + gap, w - half - gap
        return [
            (a, cy),
            (a + half, cy - half),
            (b - half, cy - half),
            (b, cy),
            (b - half, cy + half),
            (a + half, cy + half),
        ]

    def vertical(cx: float, top: float, bottom: float) -> list[tuple[float, float]]:
        a, b = top + gap, bottom - gap
        return [
            (cx, a),
            (cx + half, a + half),
            (cx + half, b - half),
            (cx, b),
            (cx - half, b - half),
            (cx - half, a + half),
        ]

    shapes = {
        "a": horizontal(half),
        "b": vertical(w - half, half, h / 2),
        "c": vertical(w - half, h / 2, h - half),
        "d": horizontal(h - half),
        "e": vertical(half, h / 2, h - half),
        "f": vertical(half, half, h / 2),
        "g": horizontal(h / 2),
    }
    return {
        name: np.array([(x + px + (h - py) * lean, y + py) for px, py in pts], np.float64)
        for name, pts in shapes.items()
    }


def _fill(img: np.ndarray, poly: np.ndarray, color: Color) -> None:
    pts = np.round(poly * _SCALE).astype(np.int32)
    cv2.fillPoly(img, [pts], color, cv2.LINE_AA, _SHIFT)


def _dot(img: np.ndarray, center: tuple[float, float], radius: float, color: Color) -> None:
    c = (round(center[0] * _SCALE), round(center[1] * _SCALE))
    cv2.circle(img, c, round(radius * _SCALE), color, -1, cv2.LINE_AA, _SHIFT)


def _camera(front: np.ndarray, keystone: float, rng: np.random.Generator) -> np.ndarray:
    """Project the meter front as a camera never mounted quite square would see it."""
    edge = int(rng.integers(0, 4)) if keystone > 0 else 0
    turn_deg, scale = rng.uniform(-2.0, 2.0), rng.uniform(0.96, 1.03)
    offset = rng.uniform(-6.0, 6.0, 2)
    return camera_view(front, keystone, edge, turn_deg, scale, offset)


def _glare(frame: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """A soft specular reflection, most often on the glossy LCD window."""
    h, w = frame.shape[:2]
    if rng.random() < 0.6:
        cx, cy = rng.uniform(150, 490), rng.uniform(80, 210)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sx, sy = rng.uniform(40, 110), rng.uniform(20, 60)
    theta = rng.uniform(0, math.pi)
    # Only the spot's surroundings change; beyond 3.5 sigma it adds under half a grey level.
    reach = 3.5 * max(sx, sy)
    x0, x1 = max(int(cx - reach), 0), min(int(cx + reach) + 1, w)
    y0, y1 = max(int(cy - reach), 0), min(int(cy + reach) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return frame
    # The spot is smooth: compute it on a coarse grid and scale it up.
    step = 4
    yy, xx = np.mgrid[y0:y1:step, x0:x1:step].astype(np.float32)
    u = (xx - cx) * math.cos(theta) + (yy - cy) * math.sin(theta)
    v = -(xx - cx) * math.sin(theta) + (yy - cy) * math.cos(theta)
    coarse = strength * np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))
    alpha = cv2.resize(coarse, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    out = frame.copy()
    roi = out[y0:y1, x0:x1]
    headroom = cv2.subtract(np.full_like(roi, 255), roi)
    added = cv2.multiply(headroom, cv2.merge([alpha, alpha, alpha]), dtype=cv2.CV_32F)
    out[y0:y1, x0:x1] = cv2.add(roi, added, dtype=cv2.CV_8U)
    return out
