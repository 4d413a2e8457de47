"""A second, independent renderer of 7-segment digits: real 7-segment fonts.

``synth`` draws its segments as polygons of its own; this module types digits in the
DSEG7 and DSEG14 fonts (Debian's ``fonts-dseg``, SIL OFL 1.1, used where the system has
them and not shipped with Meterhub) with Pillow, so a model can be tried on, or trained
with, a look that no code of ours designed: the fonts' own segment shapes, slants, bold
and light weights, with the unlit segments (ghosts) every LCD shows faintly. A crop is
cut as the pipeline cuts one digit cell, parts of its neighbours included.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

FONT_FAMILIES = ("DSEG7", "DSEG14")
_BLANK = "!"  # DSEG's all-segments-off cell, as wide as a digit
_ALL_ON = "8"  # every segment of a cell: the ghosts
_SIZE = 96  # px, glyphs are typed this large, then the crop is scaled down
_BLANK_SHARE = 0.05  # blank cells, labelled 0 (see classifier)
_LED_SHARE = 0.25  # light on dark, no ghosts


@cache
def dseg_fonts() -> tuple[Path, ...]:
    """The installed DSEG7/DSEG14 font files (none when ``fonts-dseg`` is missing)."""
    found = {Path(p) for p in font_manager.findSystemFonts(fontext="ttf")}
    return tuple(sorted(p for p in found if p.name.startswith(FONT_FAMILIES)))


def render_font_digit(digit: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A grey uint8 crop of one cell showing ``digit`` (now and then a blank cell) typed in
    a random DSEG font and look, and the label to learn for it."""
    fonts = dseg_fonts()
    if not fonts:
        raise FileNotFoundError("no DSEG7/DSEG14 fonts found: install Debian's fonts-dseg")
    font = ImageFont.truetype(str(fonts[int(rng.integers(len(fonts)))]), _SIZE)
    char = _BLANK if rng.random() < _BLANK_SHARE else str(digit)
    left = _BLANK if char == _BLANK or rng.random() < 0.25 else str(int(rng.integers(10)))
    right = str(int(rng.integers(10))) if rng.random() < 0.85 else _BLANK
    text = left + char + right
    cell_left, cell_right = font.getlength(left), font.getlength(left + char)
    _, top, _, bottom = font.getbbox(_ALL_ON)
    margin = _SIZE // 2
    size = (int(font.getlength(text)) + 2 * margin, int(bottom) + 2 * margin)
    lit, ghost = Image.new("L", size), Image.new("L", size)
    ImageDraw.Draw(lit).text((margin, margin), text, font=font, fill=255)
    ImageDraw.Draw(ghost).text((margin, margin), _ALL_ON * len(text), font=font, fill=255)
    image = _colours(np.asarray(lit, np.float32) / 255, np.asarray(ghost, np.float32) / 255, rng)
    width, height = cell_right - cell_left, bottom - top
    crop_w, crop_h = width * rng.uniform(1.05, 1.5), height * rng.uniform(1.1, 1.5)
    centre_x = margin + (cell_left + cell_right) / 2 + rng.uniform(-0.1, 0.1) * width
    centre_y = margin + (top + bottom) / 2 + rng.uniform(-0.05, 0.05) * height
    x0, y0 = max(0, round(centre_x - crop_w / 2)), max(0, round(centre_y - crop_h / 2))
    crop = image[y0 : y0 + round(crop_h), x0 : x0 + round(crop_w)]
    out_h = int(rng.uniform(26, 110))
    out_w = max(12, round(out_h * crop.shape[1] / crop.shape[0]))
    resized = Image.fromarray(crop).resize((out_w, out_h), Image.Resampling.BOX)
    return np.asarray(resized), 0 if char == _BLANK else digit


def _colours(lit: np.ndarray, ghost: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dark segments with faint ghosts on a lit LCD, or glowing segments on black."""
    if rng.random() < _LED_SHARE:
        background, ink, ghost_share = rng.uniform(0, 50), rng.uniform(150, 255), 0.0
    else:
        background, ink = rng.uniform(130, 235), rng.uniform(10, 90)
        ghost_share = rng.uniform(0.0, 0.25)
    shade = np.maximum(lit, ghost * ghost_share)
    return np.clip(background + (ink - background) * shade, 0, 255).astype(np.uint8)
