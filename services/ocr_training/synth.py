"""Synthetic digit crops for training the digit classifier.

Two renderers, each returning a grey uint8 crop cut the way the OCR pipeline cuts one
digit out of a display:

* ``render_lcd_digit``: a 7-segment digit between parts of its neighbours, in one of
  several segment shapes (pointed, bar, bevelled, rounded LED), thicknesses, gaps and
  slants, as a dark-on-light LCD with faint unlit segments or a glowing LED, with
  decimal points, commas and frame lines around it.
* ``render_drum_digit``: a mechanical counter's drum seen through its window at any
  position, e.g. 3.4 = turned 40 % of the way from 3 to 4: the bottom of the 3 leaves at
  the top while the 4 comes up from below, bent by the drum's curvature.

Camera effects (blur, noise, perspective, glare, JPEG) are added by ``augment``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from ..core.sevenseg import SEGMENTS
from .augment import frame_lines

_HD = 64  # digits are drawn this tall, then the crop is scaled to its final size
_SHIFT = 3  # fractional bits for sub-pixel polygon corners
_AA = cv2.LINE_AA

# Segment centre lines in a unit digit box (x right, y down) and the side facing out of
# the digit, which bevelled segments keep long.
_STROKES: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[int, int]]] = {
    "a": ((0, 0), (1, 0), (0, -1)),
    "b": ((1, 0), (1, 0.5), (1, 0)),
    "c": ((1, 0.5), (1, 1), (1, 0)),
    "d": ((0, 1), (1, 1), (0, 1)),
    "e": ((0, 0.5), (0, 1), (-1, 0)),
    "f": ((0, 0), (0, 0.5), (-1, 0)),
    "g": ((0, 0.5), (1, 0.5), (0, 0)),
    "slash": ((0.85, 0.12), (0.15, 0.88), (0, 0)),  # some LCDs slash their zero
    # 14-segment (alphanumeric) cells: the middle bar in two halves, two centre
    # verticals and four diagonals, the latter unlit in digits but there as ghosts.
    "g1": ((0, 0.5), (0.6, 0.5), (0, 0)),  # the halves run past the centre line,
    "g2": ((0.4, 0.5), (1, 0.5), (0, 0)),  # so only their gaps part them
    "i": ((0.5, 0), (0.5, 0.5), (0, 0)),
    "l": ((0.5, 0.5), (0.5, 1), (0, 0)),
    "h": ((0.14, 0.1), (0.4, 0.4), (0, 0)),
    "j": ((0.86, 0.1), (0.6, 0.4), (0, 0)),
    "k": ((0.4, 0.6), (0.14, 0.9), (0, 0)),
    "m": ((0.6, 0.6), (0.86, 0.9), (0, 0)),
}
_SEVEN = (*"abcdefg",)
_FOURTEEN = (*"abcdef", "g1", "g2", *"ijhklm")
# A 14-segment cell lights a digit's middle bar as both halves and slashes a zero
# through two diagonals, as alphanumeric LCDs and LEDs do.
_AS_FOURTEEN: dict[str, tuple[str, ...]] = {"g": ("g1", "g2"), "slash": ("j", "k")}

# Makers' variants of the same digit (hooked 7, 6 and 9 without their tails, slashed 0),
# each used by a style with the given probability.
_VARIANTS: dict[str, tuple[frozenset[str], float]] = {
    "7": (frozenset("abcf"), 0.25),
    "6": (frozenset("cdefg"), 0.25),
    "9": (frozenset("abcfg"), 0.3),
    "0": (frozenset("abcdef") | {"slash"}, 0.05),
}

# (low, high) of each style parameter, uniformly drawn.
_LCD_RANGES: dict[str, tuple[float, float]] = {
    "aspect": (0.42, 0.7),  # digit width / height
    "thickness": (0.07, 0.2),  # stroke / height
    "gap": (0.0, 0.05),  # between segments / height
    "slant": (0.0, 0.2),  # tan of the italic lean
    "pitch": (1.15, 1.6),  # cell pitch / digit width
}
_SHAPES = ("hex", "bar", "bevel", "round")
_FOURTEEN_SLASHED_ZERO = 0.5  # of 14-segment styles: the zero slashed, as most such fonts do
# Character LCDs draw digits as 5×7 dots instead of segments (the zero slashed): the
# common dot-matrix font's digits, rows top to bottom.
DOT_MATRIX_FONT: dict[str, tuple[str, ...]] = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}
_MATRIX_SHARE = 0.15  # of LCD styles
_LED_SHARE = 0.25
_BLANK_SHARE = 0.05  # blank cells, labelled 0 (see classifier)

# Drum typefaces: the outline fonts matplotlib ships (sans, serif, bold, light, and one
# monospaced bold for its dotted zero, which some counters print) and OpenCV's stroke
# fonts, each drawn at several stroke weights; real drum crops teach the rest. The
# simulated Ferraris meter draws its drums in DejaVu faces, so `bench ocr-frames`
# measures the pipeline on typefaces the model knows; real crops it never saw (`ocr
# train --folds`) measure the classifier.
_OUTLINE_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "cmr10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
    "cmb10.ttf",
)
_STROKE_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)
DRUM_FONTS: tuple[str | int, ...] = (*_OUTLINE_FONTS, *_STROKE_FONTS)
_GLYPH_SIZE = 120  # px, glyphs are drawn this large once and cached


@dataclass(frozen=True)
class SegmentStyle:
    shape: str
    aspect: float
    thickness: float
    gap: float
    slant: float
    pitch: float
    variants: frozenset[str]  # digits drawn in their variant form
    strokes: tuple[str, ...] = _SEVEN  # every stroke of a cell, lit or ghost

    @classmethod
    def random(
        cls,
        rng: np.random.Generator,
        matrix_share: float = _MATRIX_SHARE,
        fourteen_share: float = 0.0,
    ) -> SegmentStyle:
        """A style of 7-segment cells, or now and then 5×7 dots (``matrix_share``) or
        14-segment cells (``fourteen_share``; with none asked for, nothing more is drawn
        from ``rng``, so the digit crops stay as the shipped digit model learned them)."""
        values = {name: float(rng.uniform(lo, hi)) for name, (lo, hi) in _LCD_RANGES.items()}
        variants = frozenset(d for d, (_, share) in _VARIANTS.items() if rng.random() < share)
        shape = "matrix" if rng.random() < matrix_share else str(rng.choice(_SHAPES))
        if shape == "round":  # round-capped strokes merge into blobs when thick
            values["thickness"] = min(values["thickness"], 0.13)
        if shape == "matrix":  # upright 5×7 cells, a little apart
            values.update(aspect=rng.uniform(0.6, 0.78), slant=0.0, pitch=rng.uniform(1.12, 1.4))
        fourteen = fourteen_share > 0 and shape != "matrix" and rng.random() < fourteen_share
        if fourteen:  # thinner strokes apart, or the centre ones merge
            values.update(thickness=min(values["thickness"], 0.12), gap=max(values["gap"], 0.015))
            if rng.random() < _FOURTEEN_SLASHED_ZERO:
                variants |= {"0"}
        strokes = _FOURTEEN if fourteen else _SEVEN
        return cls(shape=shape, variants=variants, strokes=strokes, **values)

    @property
    def fourteen(self) -> bool:
        """14-segment (alphanumeric) cells rather than 7-segment ones."""
        return self.strokes == _FOURTEEN

    def segments(self, digit: str) -> frozenset[str]:
        on = _VARIANTS[digit][0] if digit in self.variants else SEGMENTS[digit]
        if not self.fourteen:
            return on
        return frozenset(part for name in on for part in _AS_FOURTEEN.get(name, (name,)))


def draw_cell(
    lit: np.ndarray, ghost: np.ndarray, char: str, left: float, top: float, width: float,
    style: SegmentStyle,
) -> None:  # fmt: skip
    """One segment cell showing ``char`` ("" blank): its lit strokes on ``lit``, the rest
    of the cell's strokes on ``ghost`` (a slashed zero's slash only where lit)."""
    on = style.segments(char) if char else frozenset()
    for name in (*style.strokes, *sorted(on - set(style.strokes))):
        _draw_segment(lit if name in on else ghost, name, left, top, width, style)


def render_lcd_digit(
    digit: int, rng: np.random.Generator, matrix_share: float = _MATRIX_SHARE
) -> tuple[np.ndarray, int]:
    """A crop of one 7-segment cell showing ``digit`` (or, now and then, a blank cell)
    and the label to learn for it."""
    style = SegmentStyle.random(rng, matrix_share)
    char = "" if rng.random() < _BLANK_SHARE else str(digit)
    label = int(char or 0)
    width = style.aspect * _HD
    pitch = style.pitch * width
    height = int(_HD * rng.uniform(1.5, 1.9))
    top = (height - _HD) / 2 + rng.uniform(-0.05, 0.05) * _HD
    lit = np.zeros((height, int(3 * pitch + 2 * width)), np.uint8)
    ghost = np.zeros_like(lit)
    left = width  # the left neighbour's cell starts here
    neighbours = [_random_char(rng, blank_share=0.25), char, _random_char(rng, 0.15)]
    if not char:
        neighbours[0] = ""  # blanks are leading: nothing lit to their left
    for i, shown in enumerate(neighbours):
        x = left + i * pitch
        if style.shape == "matrix":
            _draw_dots(lit, ghost, shown, x, top, width, style)
            continue
        draw_cell(lit, ghost, shown, x, top, width, style)
        if rng.random() < 0.2:
            point = lit if rng.random() < 0.5 else ghost
            _draw_point(point, x + width + (pitch - width) / 2, top + _HD, style, rng)
    if rng.random() < 0.3:
        _draw_frame_lines(lit if rng.random() < 0.5 else ghost, top, rng)

    image = _lcd_colours(lit, ghost, style, rng)
    centre_x = left + pitch + width / 2 + style.slant * _HD / 2
    crop_w = width * rng.uniform(1.05, 1.6)
    crop_h = _HD * rng.uniform(1.1, 1.6)
    centre = (
        centre_x + rng.uniform(-0.12, 0.12) * width,
        top + _HD / 2 + rng.uniform(-0.06, 0.06) * _HD,
    )
    out_h = int(rng.uniform(26, 110))
    out_w = max(12, round(out_h * crop_w / crop_h))
    return _cut(image, centre, (crop_w, crop_h), (out_w, out_h)), label


def render_lcd_digit_without_dots(digit: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``render_lcd_digit`` with no 5×7 dot cells: for models that must not see them."""
    return render_lcd_digit(digit, rng, matrix_share=0.0)


def render_drum_digit(
    position: float, rng: np.random.Generator, fonts: tuple[str | int, ...] = DRUM_FONTS
) -> np.ndarray:
    """A drum window at ``position`` in [0, 10): ``d + f`` shows d turned a fraction f of
    the way to d + 1 (digits rise as the value grows; 9.5 is halfway from 9 to 0), in one
    of ``fonts`` (a held-out renderer's faces left out)."""
    font = fonts[int(rng.integers(len(fonts)))]
    weight = int(rng.integers(-3, 6)) if isinstance(font, str) else int(rng.integers(2, 9))
    squeeze = rng.uniform(0.75, 1.15)
    # Digits fill 70-85 % of the window, and the window shows about one digit's cell of
    # the drum, so half-way between two digits about half of each is in view.
    window_h = _HD * rng.uniform(1.0, 1.25)
    pitch = window_h * rng.uniform(0.95, 1.15)
    window_w = _HD * rng.uniform(0.72, 0.95)
    lower = math.floor(position)
    fraction = position - lower

    # The strip: digits lower-1 .. lower+2 (mod 10) one pitch apart, lower's centre at row
    # ``centre0``; the window's centre sits ``fraction`` of a pitch below it.
    strip_h = int(4 * pitch + _HD)
    strip_w = int(window_w)
    strip = np.zeros((strip_h, strip_w), np.uint8)
    centre0 = 1.5 * pitch + _HD / 2
    for k in range(-1, 3):
        glyph = _glyph(str((lower + k) % 10), font, weight, squeeze)
        gh, gw = glyph.shape
        y = round(centre0 + k * pitch - gh / 2)
        x = round((strip_w - gw) / 2 + rng.uniform(-0.03, 0.03) * strip_w)
        _paste_max(strip, glyph, x, y)

    # Cylinder: a screen row at height y shows the drum at angle asin(y / R).
    half_span = rng.uniform(0.35, 0.75)  # radians of the drum visible each side
    radius = (window_h / 2) / math.sin(half_span)
    rows = np.arange(int(window_h), dtype=np.float32) - window_h / 2
    angles = np.arcsin(np.clip(rows / radius, -1, 1))
    map_y = (centre0 + fraction * pitch + radius * angles).astype(np.float32)
    map_y = np.repeat(map_y[:, None], strip_w, axis=1)
    map_x = np.repeat(np.arange(strip_w, dtype=np.float32)[None, :], len(rows), axis=0)
    ink = cv2.remap(strip, map_x, map_y, cv2.INTER_LINEAR).astype(np.float32) / 255

    background, colour = _two_tones(rng, min_contrast=50)
    image = background + (colour - background) * ink
    shading = 1 - rng.uniform(0, 0.45) * (1 - np.cos(angles))[:, None] / (1 - math.cos(half_span))
    image *= shading
    _drum_surround(image, rng)
    out_w = int(rng.uniform(16, 40))
    out_h = round(out_w / rng.uniform(0.55, 0.72))
    image = np.clip(image, 0, 255).astype(np.uint8)
    return cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA)


# --- LCD drawing ---------------------------------------------------------------------


def _random_char(rng: np.random.Generator, blank_share: float) -> str:
    return "" if rng.random() < blank_share else str(int(rng.integers(10)))


def _draw_dots(
    lit: np.ndarray,
    ghost: np.ndarray,
    char: str,
    left: float,
    top: float,
    width: float,
    style: SegmentStyle,
) -> None:
    """A character LCD's cell: each of the 5×7 dots lit or, faintly, not."""
    rows = DOT_MATRIX_FONT.get(char, ("00000",) * 7)
    cell_w, cell_h = width / 5, _HD / 7
    fill = 0.9 - 4 * style.gap  # dots cover 70-90 % of their cell
    for r, bits in enumerate(rows):
        for c, bit in enumerate(bits):
            x0 = left + (c + (1 - fill) / 2) * cell_w
            y0 = top + (r + (1 - fill) / 2) * cell_h
            corners = [(x0, y0), (x0 + fill * cell_w, y0), (x0 + fill * cell_w, y0 + fill * cell_h)]
            corners.append((x0, y0 + fill * cell_h))
            polygon = np.round(np.array(corners) * (1 << _SHIFT)).astype(np.int32)
            cv2.fillPoly(lit if bit == "1" else ghost, [polygon], 255, _AA, _SHIFT)


def _draw_segment(
    mask: np.ndarray, name: str, left: float, top: float, width: float, style: SegmentStyle
) -> None:
    t = style.thickness * _HD
    half, gap = t / 2, style.gap * _HD
    (u0, v0), (u1, v1), outward = _STROKES[name]
    p0 = np.array([left + half + u0 * (width - t), top + half + v0 * (_HD - t)])
    p1 = np.array([left + half + u1 * (width - t), top + half + v1 * (_HD - t)])
    along = (p1 - p0) / np.linalg.norm(p1 - p0)
    across = np.array([-along[1], along[0]])
    if style.shape == "bevel" and outward != (0, 0):
        out = np.array(outward, float)
        points = [
            p0 + (gap - half) * along + half * out,
            p1 - (gap - half) * along + half * out,
            p1 - (gap + half) * along - half * out,
            p0 + (gap + half) * along - half * out,
        ]
    elif style.shape == "bar":
        a, b = p0 + (gap + half) * along, p1 - (gap + half) * along
        points = [a + half * across, b + half * across, b - half * across, a - half * across]
    elif style.shape == "round":
        a, b = p0 + (gap + half) * along, p1 - (gap + half) * along
        a, b = _slanted(a, top, style.slant), _slanted(b, top, style.slant)
        ends = [(round(p[0]), round(p[1])) for p in (a, b)]
        cv2.line(mask, ends[0], ends[1], 255, max(1, round(t)), _AA)
        return
    else:  # hexagonal, pointed ends
        a, b = p0 + (gap + half) * along, p1 - (gap + half) * along
        points = [
            p0 + gap * along,
            a + half * across,
            b + half * across,
            p1 - gap * along,
            b - half * across,
            a - half * across,
        ]
    polygon = np.array([_slanted(p, top, style.slant) for p in points]) * (1 << _SHIFT)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255, _AA, _SHIFT)


def _slanted(point: np.ndarray, top: float, slant: float) -> np.ndarray:
    """Italic lean about the baseline: the top moves right, the baseline stays."""
    return np.array([point[0] + (top + _HD - point[1]) * slant, point[1]])


def _draw_point(
    mask: np.ndarray, x: float, baseline: float, style: SegmentStyle, rng: np.random.Generator
) -> None:
    radius = max(2.0, 0.6 * style.thickness * _HD)
    centre = (round(x * 8), round((baseline - radius) * 8))
    cv2.circle(mask, centre, round(radius * 8), 255, -1, _AA, 3)
    if rng.random() < 0.4:  # a comma's tail
        tail = (round((x - radius) * 8), round((baseline + 2.2 * radius) * 8))
        cv2.line(mask, centre, tail, 255, max(1, round(radius)), _AA, 3)


def _draw_frame_lines(mask: np.ndarray, top: float, rng: np.random.Generator) -> None:
    """Printed lines or the frame of the LCD window above and below the digits."""
    thick = max(2, round(rng.uniform(0.04, 0.1) * _HD))
    for side in ("above", "below"):
        if rng.random() < 0.3:
            continue
        gap = rng.uniform(0.07, 0.2) * _HD
        y = top - gap - thick if side == "above" else top + _HD + gap
        mask[max(0, round(y)) : max(0, round(y + thick))] = 255


def _lcd_colours(
    lit: np.ndarray, ghost: np.ndarray, style: SegmentStyle, rng: np.random.Generator
) -> np.ndarray:
    """Grey levels: dark segments on a light panel, or glowing segments on a dark one."""
    lit_f, ghost_f = lit.astype(np.float32) / 255, ghost.astype(np.float32) / 255
    if rng.random() < _LED_SHARE:
        background = rng.uniform(0, 70)
        contrast = rng.uniform(60, 255 - background)
        glow_sigma = rng.uniform(0.5, 2.0) * style.thickness * _HD
        glow = cv2.GaussianBlur(lit_f, (0, 0), glow_sigma) * rng.uniform(0, 0.6)
        return background + contrast * (np.maximum(lit_f, glow) + rng.uniform(0, 0.08) * ghost_f)
    background = rng.uniform(90, 235)
    contrast = rng.uniform(35, background - 10)
    faint = rng.uniform(0.0, 0.2)
    return background - contrast * np.maximum(lit_f, faint * ghost_f)


def _cut(
    image: np.ndarray,
    centre: tuple[float, float],
    size: tuple[float, float],
    out_size: tuple[int, int],
) -> np.ndarray:
    """The ``size`` rectangle around ``centre``, scaled to ``out_size`` (edges replicated)."""
    (cx, cy), (w, h), (out_w, out_h) = centre, size, out_size
    sx, sy = out_w / w, out_h / h
    affine = np.array([[sx, 0, out_w / 2 - cx * sx], [0, sy, out_h / 2 - cy * sy]], np.float32)
    cut = cv2.warpAffine(
        image, affine, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    return np.clip(cut, 0, 255).astype(np.uint8)


# --- drum drawing --------------------------------------------------------------------


def _glyph(char: str, font: str | int, weight: int, squeeze: float) -> np.ndarray:
    """A digit's ink as a tight uint8 mask, ``_HD * 0.85`` tall."""
    tight = _tight_glyph(char, font, weight)
    height = round(0.85 * _HD)
    width = max(2, round(tight.shape[1] * height / tight.shape[0] * squeeze))
    return cv2.resize(tight, (width, height), interpolation=cv2.INTER_AREA)


@cache
def _tight_glyph(char: str, font: str | int, weight: int) -> np.ndarray:
    """``char`` in an outline font (file name; ``weight`` px bolder or lighter) or an
    OpenCV stroke font (``weight`` sets the stroke), cut to its ink."""
    canvas = np.zeros((2 * _GLYPH_SIZE, 2 * _GLYPH_SIZE), np.uint8)
    if isinstance(font, str):
        outline = TextPath((0, 0), char, size=_GLYPH_SIZE, prop=_font(font))
        origin = np.array([_GLYPH_SIZE / 2, 1.5 * _GLYPH_SIZE])
        polygons = [
            np.round((np.asarray(p) * (1, -1) + origin) * (1 << _SHIFT)).astype(np.int32)
            for p in outline.to_polygons()
        ]
        cv2.fillPoly(canvas, polygons, 255, _AA, _SHIFT)  # even-odd: holes stay open
        if weight:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(weight) + 1,) * 2)
            canvas = (cv2.dilate if weight > 0 else cv2.erode)(canvas, kernel)
    else:
        cv2.putText(canvas, char, (40, 200), font, 5.0, 255, weight * 2, _AA)
    ys, xs = np.nonzero(canvas)
    return canvas[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@cache
def _font(name: str) -> FontProperties:
    return FontProperties(fname=str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name))


def _paste_max(canvas: np.ndarray, glyph: np.ndarray, x: int, y: int) -> None:
    h, w = glyph.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
    if x0 < x1 and y0 < y1:
        region = canvas[y0:y1, x0:x1]
        np.maximum(region, glyph[y0 - y : y1 - y, x0 - x : x1 - x], out=region)


def _two_tones(rng: np.random.Generator, min_contrast: float) -> tuple[float, float]:
    """Background and ink grey levels at least ``min_contrast`` apart, either way round."""
    while True:
        background, ink = rng.uniform(0, 255, 2)
        if abs(background - ink) >= min_contrast:
            return float(background), float(ink)


def _drum_surround(image: np.ndarray, rng: np.random.Generator) -> None:
    """What a crop of the window also shows: the housing at its sides, the window's
    frame, and the reading line some meters print across or beside the drums."""
    h, w = image.shape
    if rng.random() < 0.5:
        frame_lines(image, rng)
    if rng.random() < 0.35:
        y = round(h / 2 + rng.uniform(-0.12, 0.12) * h)
        length = round(rng.uniform(0.1, 1.0) * w)
        thick = max(1, round(rng.uniform(0.02, 0.05) * h))
        x0 = w - length if rng.random() < 0.6 else 0
        image[y - thick // 2 : y - thick // 2 + thick, x0 : x0 + length] = rng.uniform(0, 255)
