"""The independent digit renderers, by the names the benchmark and training share.

A renderer is held out of training (`bench ocr-frames --holdout-renderer NAME`) to
measure how the models do on a look they never saw, so every renderer is one name here:

- ``simulator``: the demo's simulated meters (``services/simulator``: its LCD and LED
  segment polygons and its DejaVu drum faces). No digit crop of it is trained on; the
  drum models' typefaces include its faces unless it is held out.
- ``dseg``: the DSEG7/DSEG14 fonts (``font_digits``).
- ``polygons``: ``synth``'s own 7-segment polygons (the LCD models' synthetic digits;
  15 % of its styles are 5×7 dot cells).
- ``dotmatrix``: character-LCD frames of 5×8 dot cells (``dot_matrix``), the point in a
  cell of its own. Held out, the polygons' digit crops are drawn without dot cells.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..simulator.drum import _FACES as SIMULATOR_DRUM_FACES
from .font_digits import render_font_digit
from .synth import DRUM_FONTS, render_lcd_digit, render_lcd_digit_without_dots

RENDERERS = ("simulator", "dseg", "polygons", "dotmatrix")

LcdRenderer = Callable[[int, np.random.Generator], tuple[np.ndarray, int]]

# The renderers LCD models may be trained on (the simulator draws no crops).
LCD_DIGIT_RENDERERS: dict[str, LcdRenderer] = {
    "polygons": render_lcd_digit,
    "dseg": render_font_digit,
}
# What LCD training draws by default: the shipped models' recipe.
DEFAULT_LCD_RENDERERS = ("polygons",)


def lcd_renderers(without: str | None) -> list[LcdRenderer]:
    """The LCD digit renderers to train on: the default ones, or with one held out, every
    other one (so a held-out run still learns from more than one look where it can)."""
    if without is None:
        return [LCD_DIGIT_RENDERERS[name] for name in DEFAULT_LCD_RENDERERS]
    if without == "dotmatrix":
        return [render_lcd_digit_without_dots, render_font_digit]
    return [render for name, render in LCD_DIGIT_RENDERERS.items() if name != without]


def drum_fonts(without: str | None) -> tuple[str | int, ...]:
    """The drum typefaces to train on: without the simulator's when it is held out."""
    if without == "simulator":
        return tuple(font for font in DRUM_FONTS if font not in SIMULATOR_DRUM_FACES)
    return DRUM_FONTS
