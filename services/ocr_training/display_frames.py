"""Photo-like camera frames of whole displays drawn by an independent renderer.

The benchmark on a held-out renderer (`bench ocr-frames --holdout-renderer dseg`) reads
whole numbers off frames no model was trained on. Here the digits of a display are drawn
by ``dseg`` (the DSEG7/DSEG14 fonts), ``polygons`` (``synth``'s segment shapes) or
``dotmatrix`` (a character LCD's 5×8 dot cells, ``dot_matrix``) with their faint unlit
segments or dots, coloured as one of three looks (``STYLES``), set behind a
bezel on a meter body with printed labels, on a cluttered background, then seen by a
camera: turned and keystoned, unevenly lit, with glare, blur, noise and JPEG at quality
30–95. Each frame knows where its display and every digit cell ended up, so a benchmark
can give the reader the digit area, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import partial

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..ocr_worker.geometry import Box
from ..simulator.lcd import FRAME_HEIGHT, FRAME_WIDTH, encode_jpeg
from .dot_matrix import dot_matrix_cells
from .font_digits import dseg_fonts
from .glass_marks import with_half_digit, with_marks
from .synth import _HD, SegmentStyle, _draw_point, draw_cell

Colour = tuple[float, float, float]  # BGR
# name -> (glass, ink, how strong the unlit segments show at most, glow); glass and ink
# are ranges per channel, drawn per frame.
STYLES: dict[str, tuple[tuple[Colour, Colour], tuple[Colour, Colour], float, bool]] = {
    "lcd": (((120, 150, 130), (215, 235, 225)), ((10, 10, 10), (80, 80, 80)), 0.25, False),
    "inverse": (((20, 10, 0), (90, 50, 40)), ((180, 170, 150), (255, 255, 240)), 0.15, False),
    "led": (((0, 0, 0), (40, 40, 40)), ((0, 0, 200), (80, 90, 255)), 0.06, True),
}
_LABELS = ("kWh", "TOKEN", "SISA", "kW", "CREDIT", "IMP", "m3", "TOTAL", "No. 4711")
_MAX_TURN_DEG = 4.0  # digit boxes of a turned display stay apart (one box per digit)
HALF_DIGIT_SHARE = 0.3  # of marked 7-segment displays: a leading half digit (``glass_marks``)


@dataclass(frozen=True)
class Glass:
    centre: tuple[float, float]
    size: tuple[float, float]
    upright_deg: float


@dataclass(frozen=True)
class DisplayFrame:
    renderer: str
    style: str
    jpeg: bytes
    shown: str  # what the display shows, e.g. "  127.03" (blank leading cells as spaces)
    value: float
    digits: int
    decimals: int
    display: Box  # the glass, in frame pixels (upright around it where it is turned)
    cells: list[Box]  # one box per digit position, left to right
    # The glass as a turned rectangle: its centre, size along and across its digits, and
    # the turn that makes it upright (``geometry.crop``'s convention). Only where a frame
    # is drawn with ``turn_deg``; the camera's own small turn is not counted.
    glass: Glass | None = None


# A display's digits as masks: (lit, ghost, cell boxes (x0, y0, x1, y1) in mask pixels).
Masks = tuple[np.ndarray, np.ndarray, list[tuple[float, float, float, float]]]
CellDrawer = Callable[[list[str], int | None, np.random.Generator], Masks]


def _polygon_cells(
    chars: list[str],
    point_after: int | None,
    rng: np.random.Generator,
    fourteen_share: float = 0.0,
) -> Masks:
    """``synth``'s segment shapes, the whole display in one style (no dot matrix: these
    are segment displays), ``fourteen_share`` of styles in alphanumeric 14-segment cells
    (a split middle bar, centre strokes and diagonals as ghosts). Its 7-segment zeros are
    never slashed, as the shipped models' frames were drawn; a 14-segment style may
    slash them."""
    style = SegmentStyle.random(rng, fourteen_share=fourteen_share)
    while style.shape == "matrix":
        style = SegmentStyle.random(rng, fourteen_share=fourteen_share)
    if not style.fourteen:
        style = replace(style, variants=style.variants - {"0"})
    width = style.aspect * _HD
    pitch = style.pitch * width
    margin = _HD * 0.4
    size = (round(2 * margin + _HD), round(2 * margin + pitch * len(chars) + style.slant * _HD))
    lit, ghost = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
    cells = []
    for i, char in enumerate(chars):
        x = margin + i * pitch
        draw_cell(lit, ghost, char, x, margin, width, style)
        point_x = x + width + (pitch - width) / 2
        _draw_point(lit if i == point_after else ghost, point_x, margin + _HD, style, rng)
        cells.append((x, margin, x + width + style.slant * _HD, margin + _HD))
    return lit.astype(np.float32) / 255, ghost.astype(np.float32) / 255, cells


_DSEG_SIZE = 72
_DSEG_BLANK, _DSEG_ALL = "!", "8"


def _dseg_cells(chars: list[str], point_after: int | None, rng: np.random.Generator) -> Masks:
    """The DSEG fonts typed whole (their zero-width point sits between two cells)."""
    fonts = dseg_fonts()
    if not fonts:
        raise FileNotFoundError("no DSEG7/DSEG14 fonts found: install Debian's fonts-dseg")
    font = ImageFont.truetype(str(fonts[int(rng.integers(len(fonts)))]), _DSEG_SIZE)
    typed = [c or _DSEG_BLANK for c in chars]
    lit_text = "".join(c + ("." if i == point_after else "") for i, c in enumerate(typed))
    ghost_text = (_DSEG_ALL + ".") * len(chars)
    margin = _DSEG_SIZE // 2
    cell_w = font.getlength(_DSEG_ALL)
    size = (round(cell_w * len(chars)) + 2 * margin, _DSEG_SIZE + 2 * margin)
    lit, ghost = Image.new("L", size), Image.new("L", size)
    ImageDraw.Draw(lit).text((margin, margin), lit_text, font=font, fill=255)
    ImageDraw.Draw(ghost).text((margin, margin), ghost_text, font=font, fill=255)
    cells = [
        (margin + i * cell_w, margin, margin + (i + 1) * cell_w, margin + _DSEG_SIZE)
        for i in range(len(chars))
    ]
    return np.asarray(lit, np.float32) / 255, np.asarray(ghost, np.float32) / 255, cells


CELL_DRAWERS: dict[str, CellDrawer] = {
    "dseg": _dseg_cells,
    "polygons": _polygon_cells,
    "dotmatrix": dot_matrix_cells,
}


def _cell_drawer(renderer: str, fourteen_share: float) -> CellDrawer:
    """``renderer``'s cells; only the polygon renderer draws 14-segment ones."""
    if CELL_DRAWERS[renderer] is _polygon_cells:
        return partial(_polygon_cells, fourteen_share=fourteen_share)
    return CELL_DRAWERS[renderer]


def display_frame(
    renderer: str,
    style: str,
    rng: np.random.Generator,
    turn_deg: float = 0.0,
    marks: bool = False,
    fourteen_share: float = 0.0,
) -> DisplayFrame:
    """One frame of a random number on a display drawn by ``renderer`` in ``style``;
    ``turn_deg``: the display also turned by up to that about its own centre, as a phone
    held askew sees it; ``marks``: a unit, annunciators and (7-segment) a leading half
    digit inside the glass (``glass_marks``); ``fourteen_share``: of polygon displays,
    those in 14-segment cells (the sequence reader's recipe). The frames drawn without
    any of them stay as they were."""
    digits = int(rng.integers(4, 9))
    decimals = int(rng.integers(0, min(3, digits - 1) + 1))
    whole = int(rng.integers(1, digits - decimals + 1))  # digits of the integer part
    units = int(rng.integers(10 ** (whole - 1) if whole > 1 else 0, 10**whole))
    number = f"{units}" + "".join(str(int(d)) for d in rng.integers(0, 10, decimals))
    blank = " " if rng.random() < 0.7 else "0"  # most displays suppress leading zeros
    shown = number.rjust(digits, blank)
    return _frame(renderer, style, shown, decimals, rng, rng, turn_deg, marks, fourteen_share)


@dataclass(frozen=True)
class FixedMeter:
    """One meter on one wall under one fixed camera, as a user's camera sees it: the
    font, colours, bezel, background and pose stay from photo to photo; the number, the
    light, glare, blur, noise and JPEG quality change. What ``ocr train --device`` learns."""

    renderer: str
    style: str
    digits: int
    decimals: int
    seed: int  # draws everything that stays

    def photo(self, value: float, rng: np.random.Generator) -> DisplayFrame:
        """``value`` on this meter (leading zeros blank), seen once more."""
        number = f"{round(value * 10**self.decimals):d}"
        if len(number) > self.digits:
            raise ValueError(f"{value} does not fit {self.digits} digits")
        shown = number.rjust(self.decimals + 1, "0").rjust(self.digits)
        stays = np.random.default_rng(self.seed)
        return _frame(self.renderer, self.style, shown, self.decimals, stays, rng)


def _frame(
    renderer: str,
    style: str,
    shown: str,
    decimals: int,
    stays: np.random.Generator,
    changes: np.random.Generator,
    turn_deg: float = 0.0,
    marks: bool = False,
    fourteen_share: float = 0.0,
) -> DisplayFrame:
    """``shown`` (blank cells as spaces) drawn and photographed: ``stays`` draws the
    display and the camera's pose, ``changes`` the light and the optics."""
    draw_cells = _cell_drawer(renderer, fourteen_share)
    half_digit = marks and renderer != "dotmatrix" and stays.random() < HALF_DIGIT_SHARE
    if half_digit:  # lit only in front of a full display, as a 3½-digit meter counts on
        shown = ("1" if shown[0] != " " and stays.random() < 0.6 else " ") + shown
    digits = len(shown)
    chars = ["" if c == " " else c for c in shown]
    point_after = digits - decimals - 1 if decimals else None
    if half_digit:  # drawn as a 1 and, by the same draw, blank: the 1's own columns
        blank, _, _ = draw_cells(["", *chars[1:]], point_after, deepcopy(stays))
        one, ghost, cells = draw_cells(["1", *chars[1:]], point_after, stays)
        lit, ghost, cells = with_half_digit(one, blank, ghost, cells, shows_one=bool(chars[0]))
    else:
        lit, ghost, cells = draw_cells(chars, point_after, stays)
    if marks:
        lit, ghost, cells = with_marks(lit, ghost, cells, stays)
    glass = _colour(lit, ghost, style, stays)
    image, display, boxes, turned = _photograph(glass, cells, stays, turn_deg)
    image = _optics(image, changes)
    text = shown[: digits - decimals] + ("." + shown[digits - decimals :] if decimals else "")
    return DisplayFrame(
        renderer=renderer,
        style=style,
        jpeg=encode_jpeg(image, int(changes.integers(30, 96))),
        shown=text,
        value=int(shown.replace(" ", "0")) / 10**decimals,
        digits=digits,
        decimals=decimals,
        display=display,
        cells=boxes,
        glass=turned,
    )


def _colour(lit: np.ndarray, ghost: np.ndarray, style: str, rng: np.random.Generator) -> np.ndarray:
    (glass_lo, glass_hi), (ink_lo, ink_hi), ghost_max, glow = STYLES[style]
    glass = rng.uniform(glass_lo, glass_hi).astype(np.float32)
    ink = rng.uniform(ink_lo, ink_hi).astype(np.float32)
    shade = np.maximum(lit, ghost * rng.uniform(0, ghost_max))
    if glow:
        halo = cv2.GaussianBlur(lit, (0, 0), lit.shape[0] / 40) * rng.uniform(0.2, 0.6)
        shade = np.maximum(shade, halo)
    return glass + (ink - glass) * shade[..., None]


def _photograph(
    glass: np.ndarray,
    cells: list[tuple[float, float, float, float]],
    rng: np.random.Generator,
    turn_deg: float = 0.0,
) -> tuple[np.ndarray, Box, list[Box], Glass | None]:
    """The glass set in a meter on a cluttered wall, seen by a camera (optics apart),
    turned by up to ``turn_deg`` more about the glass's centre."""
    scale = FRAME_WIDTH * rng.uniform(0.3, 0.75) / glass.shape[1]
    h, w = round(glass.shape[0] * scale), round(glass.shape[1] * scale)
    h = min(h, FRAME_HEIGHT // 2)
    scale = h / glass.shape[0]
    w = round(glass.shape[1] * scale)
    front = _background(rng)
    x = int(rng.integers(40, max(41, FRAME_WIDTH - w - 40)))
    y = int(rng.integers(60, max(61, FRAME_HEIGHT - h - 60)))
    pad = int(rng.integers(10, 40))
    body = rng.uniform(60, 230, 3)
    cv2.rectangle(front, (x - 2 * pad, y - 3 * pad), (x + w + 2 * pad, y + h + 3 * pad), body, -1)
    bezel = rng.uniform(10, 90, 3)
    inner = pad // 2
    cv2.rectangle(front, (x - inner, y - inner), (x + w + inner, y + h + inner), bezel, -1)
    front[y : y + h, x : x + w] = cv2.resize(glass, (w, h), interpolation=cv2.INTER_AREA)
    for _ in range(int(rng.integers(1, 4))):  # printed labels on the body
        label = _LABELS[int(rng.integers(len(_LABELS)))]
        at = (x + int(rng.uniform(0, 0.8) * w), y + h + pad + int(rng.integers(5, 2 * pad)))
        cv2.putText(front, label, at, cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.4, 0.9),
                    (255 - body).tolist(), 1 + int(rng.integers(2)), cv2.LINE_AA)  # fmt: skip
    matrix = _camera(rng)
    turned = None
    if turn_deg:
        matrix, turned = _turned(matrix, (x, y, x + w, y + h), rng.uniform(-turn_deg, turn_deg))
    image = cv2.warpPerspective(
        np.clip(front, 0, 255).astype(np.uint8), matrix, (FRAME_WIDTH, FRAME_HEIGHT),
        flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    display = _mapped(matrix, (x, y, x + w, y + h))
    boxes = [_mapped(matrix, (x + x0 * scale, y + y0 * scale, x + x1 * scale, y + y1 * scale))
             for x0, y0, x1, y1 in cells]  # fmt: skip
    return image, display, boxes, turned


def _turned(
    matrix: np.ndarray, rect: tuple[float, float, float, float], angle_deg: float
) -> tuple[np.ndarray, Glass]:
    """``matrix`` followed by a turn of ``angle_deg`` (counter-clockwise as seen, y down)
    about where the glass's centre lands, zoomed out about it as far as the turned glass
    needs to stay in the frame; and the glass as a turned rectangle."""
    x0, y0, x1, y1 = rect
    corners = np.float32([[[x0, y0]], [[x1, y0]], [[x1, y1]], [[x0, y1]]])
    seen = cv2.perspectiveTransform(corners, matrix).reshape(-1, 2).astype(np.float64)
    centre = seen.mean(axis=0)
    angle = np.radians(angle_deg)
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    offsets = (seen - centre) @ turn.T
    room = np.array([[centre[0], centre[1]], [FRAME_WIDTH - centre[0], FRAME_HEIGHT - centre[1]]])
    needed = np.array([-offsets.min(axis=0), offsets.max(axis=0)])
    zoom = min(1.0, 0.95 * float(np.min(room / np.maximum(needed, 1e-6))))
    about = np.array([[1, 0, centre[0]], [0, 1, centre[1]], [0, 0, 1]])
    linear = np.eye(3)
    linear[:2, :2] = zoom * turn
    back = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]])
    size = (
        zoom * float(np.linalg.norm(seen[1] - seen[0]) + np.linalg.norm(seen[2] - seen[3])) / 2,
        zoom * float(np.linalg.norm(seen[3] - seen[0]) + np.linalg.norm(seen[2] - seen[1])) / 2,
    )
    camera_turn = np.degrees(np.arctan2(*(seen[1] - seen[0])[::-1]))
    glass = Glass((float(centre[0]), float(centre[1])), size, float(camera_turn - angle_deg))
    return about @ linear @ back @ matrix, glass


def _background(rng: np.random.Generator) -> np.ndarray:
    front = np.empty((FRAME_HEIGHT, FRAME_WIDTH, 3), np.float32)
    front[:] = rng.uniform(40, 220, 3)
    for _ in range(int(rng.integers(5, 20))):  # shelves, pipes, cables, other boxes
        p0 = (int(rng.integers(FRAME_WIDTH)), int(rng.integers(FRAME_HEIGHT)))
        p1 = (int(rng.integers(FRAME_WIDTH)), int(rng.integers(FRAME_HEIGHT)))
        colour = rng.uniform(0, 255, 3).tolist()
        if rng.random() < 0.5:
            cv2.rectangle(front, p0, p1, colour, -1)
        else:
            cv2.line(front, p0, p1, colour, int(rng.integers(1, 12)), cv2.LINE_AA)
    return front


def _camera(rng: np.random.Generator) -> np.ndarray:
    """A small turn, keystone and zoom about the frame's centre."""
    corners = np.float32([[0, 0], [FRAME_WIDTH, 0], [FRAME_WIDTH, FRAME_HEIGHT], [0, FRAME_HEIGHT]])
    angle = np.radians(rng.uniform(-_MAX_TURN_DEG, _MAX_TURN_DEG))
    centre = np.float32([FRAME_WIDTH / 2, FRAME_HEIGHT / 2])
    turn = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (corners - centre) @ turn.T + centre
    moved += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * [FRAME_WIDTH, FRAME_HEIGHT]
    return cv2.getPerspectiveTransform(corners, moved.astype(np.float32))


def _mapped(matrix: np.ndarray, rect: tuple[float, float, float, float]) -> Box:
    x0, y0, x1, y1 = rect
    points = np.float32([[[x0, y0]], [[x1, y0]], [[x1, y1]], [[x0, y1]]])
    moved = cv2.perspectiveTransform(points, matrix).reshape(-1, 2)
    left, top = np.floor(moved.min(axis=0)).astype(int)
    right, bottom = np.ceil(moved.max(axis=0)).astype(int)
    left, top = max(0, int(left)), max(0, int(top))
    right, bottom = min(FRAME_WIDTH, int(right)), min(FRAME_HEIGHT, int(bottom))
    return (left, top, right - left, bottom - top)


def _optics(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven light, glare, blur and sensor noise."""
    frame = image.astype(np.float32)
    ramp = np.linspace(rng.uniform(0.5, 1.0), rng.uniform(0.8, 1.2), FRAME_WIDTH, dtype=np.float32)
    frame *= ramp[None, :, None] if rng.random() < 0.5 else ramp[::-1][None, :, None]
    if rng.random() < 0.5:
        glare = np.zeros(frame.shape[:2], np.float32)
        centre = (int(rng.integers(FRAME_WIDTH)), int(rng.integers(FRAME_HEIGHT)))
        cv2.circle(glare, centre, int(rng.integers(10, 60)), 1.0, -1)
        glare = cv2.GaussianBlur(glare, (0, 0), 25) * rng.uniform(40, 160)
        frame += glare[..., None]
    sigma = rng.uniform(0, 1.3)
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame += rng.standard_normal(frame.shape[:2], dtype=np.float32)[..., None] * rng.uniform(0, 8)
    return np.clip(frame, 0, 255).astype(np.uint8)
