"""Training windows for the sequence reader: a whole display window and its text.

Each window is cut from a photo-like frame the way a user's ROI cuts it (the display's
box drawn a little loose or a little tight, or just the digits), then turned into the
reader's strip (``sequence_reader.strip``). Sources, by renderer name (``renderers``):

- ``polygons``, ``dseg`` and ``dotmatrix``: ``display_frames``' PLN-style LCD, inverse
  LCD and red LED, a share of them (``marked_share``) with a unit, annunciators or a
  leading half digit inside the glass (``glass_marks``);
- ``simulator``: the demo's simulated PLN meter and LED module;
- ``real``: real LCD digit crops (``../shared/datasets/digits/lcd``) set side by side
  into a row, as a display of real digits (no decimal point: the crops have none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..core.config.simulator import FrameEffects
from ..ocr_worker.geometry import Box
from ..ocr_worker.sequence_reader import strip
from ..simulator.lcd import render_lcd_frame
from ..simulator.led import FACE, render_led_frame
from .chunks import chunked, drawn
from .display_frames import STYLES, display_frame
from .training import LabelledCrops

Window = tuple[np.ndarray, str]  # the window (BGR) and the text it shows, no blanks


@dataclass(frozen=True)
class Drawing:
    """What a source may draw its windows from."""

    crops: LabelledCrops | None = None  # real LCD digit crops (the ``real`` source)
    marked_share: float = 0.0  # rendered windows with marks in the glass
    fourteen_share: float = 0.0  # polygon displays in 14-segment cells


WindowSource = Callable[[np.random.Generator, Drawing], Window]
SOURCES = ("polygons", "dseg", "simulator", "real", "dotmatrix")
SIMULATOR_LCD_GLASS: Box = (150, 80, 340, 120)  # the simulated PLN meter's digits, about
SIMULATOR_LED_FACE: Box = FACE


def loose(box: Box, rng: np.random.Generator, shape: tuple[int, ...]) -> Box:
    """``box`` as a user might draw it: each side up to 3 % inside or 15 % outside."""
    x, y, w, h = box
    left, right = rng.uniform(-0.03, 0.15, 2) * w
    top, bottom = rng.uniform(-0.03, 0.15, 2) * h
    x0, y0 = max(0, round(x - left)), max(0, round(y - top))
    x1, y1 = min(shape[1], round(x + w + right)), min(shape[0], round(y + h + bottom))
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def cut(image: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return image[y : y + h, x : x + w]


def random_number(rng: np.random.Generator, digits: int, decimals: int) -> str:
    whole = int(rng.integers(1, digits - decimals + 1))
    units = int(rng.integers(10 ** (whole - 1) if whole > 1 else 0, 10**whole))
    fraction = "".join(str(int(d)) for d in rng.integers(0, 10, decimals))
    return f"{units}" + (f".{fraction}" if decimals else "")


def _rendered(renderer: str) -> WindowSource:
    def window(rng: np.random.Generator, drawing: Drawing) -> Window:
        style = list(STYLES)[int(rng.integers(len(STYLES)))]
        share = drawing.marked_share  # no draw at 0: windows drawn without marks stay
        marks = bool(share and rng.random() < share)
        frame = display_frame(
            renderer, style, rng, marks=marks, fourteen_share=drawing.fourteen_share
        )
        image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if rng.random() < 0.3:  # the digits' area rather than the glass
            xs = [c[0] for c in frame.cells] + [c[0] + c[2] for c in frame.cells]
            ys = [c[1] for c in frame.cells] + [c[1] + c[3] for c in frame.cells]
            area = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        else:
            area = frame.display
        return cut(image, loose(area, rng, image.shape)), frame.shown.strip()

    return window


def simulator_effects(rng: np.random.Generator) -> FrameEffects:
    return FrameEffects(
        blur=rng.uniform(0, 1.2),
        noise=rng.uniform(0, 10),
        perspective=rng.uniform(0, 0.05),
        glare=rng.uniform(0, 0.4),
    )


def simulator_shot(rng: np.random.Generator) -> tuple[np.ndarray, Box, str]:
    """A frame of the demo's PLN meter (or, less often, its LED module), where its digits
    are, and what they show."""
    if rng.random() < 0.7:
        text = random_number(rng, 6, int(rng.choice([0, 1, 2])))
        effects = simulator_effects(rng)  # drawn before the indicator: the same windows
        image = render_lcd_frame(text, 6, effects, rng, credit_lit=bool(rng.random() < 0.5))
        return image, SIMULATOR_LCD_GLASS, text
    text = random_number(rng, 4, int(rng.choice([0, 1])))
    return render_led_frame(text, 4, simulator_effects(rng), rng), SIMULATOR_LED_FACE, text


def _simulator(rng: np.random.Generator, _: Drawing) -> Window:
    image, area, text = simulator_shot(rng)
    return cut(image, loose(area, rng, image.shape)), text


def _real(rng: np.random.Generator, drawing: Drawing) -> Window:
    crops = drawing.crops
    if crops is None or not len(crops.labels):
        raise ValueError("the real source needs labelled LCD crops")
    picks = rng.integers(0, len(crops.labels), int(rng.integers(3, 9)))
    height = 48
    parts = []
    for i in picks:
        image = crops.images[int(i)]
        width = max(8, round(image.shape[1] * height / image.shape[0]))
        parts.append(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    rim = np.median(np.concatenate([p[[0, -1]].reshape(-1, 3) for p in parts]), axis=0)
    gap = np.empty((height, int(rng.integers(0, 6)), 3), np.uint8)
    gap[:] = rim
    row = np.hstack([piece for part in parts for piece in (part, gap)][:-1])
    pad = int(rng.integers(2, 12))
    row = cv2.copyMakeBorder(row, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=rim.tolist())
    return row, "".join(str(int(crops.labels[int(i)])) for i in picks)


WINDOW_SOURCES: dict[str, WindowSource] = {
    "polygons": _rendered("polygons"),
    "dseg": _rendered("dseg"),
    "simulator": _simulator,
    "real": _real,
    "dotmatrix": _rendered("dotmatrix"),
}


def _chunk(job: tuple[str, int, int, int, Drawing]) -> tuple[np.ndarray, list[str]]:
    name, count, seed, index, drawing = job
    rng = np.random.default_rng([seed, SOURCES.index(name), index, 31])
    windows = [WINDOW_SOURCES[name](rng, drawing) for _ in range(count)]
    return np.stack([strip(w) for w, _ in windows]).astype(np.float16), [t for _, t in windows]


def make_strips(
    sources: dict[str, int],
    seed: int,
    crops: LabelledCrops | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    marked_share: float = 0.0,
    fourteen_share: float = 0.0,
) -> tuple[np.ndarray, list[str]]:
    """``sources[name]`` strips from each source, shuffled together; the same for any
    ``jobs`` (processes drawing them)."""
    drawing = Drawing(crops, marked_share, fourteen_share)
    work = [(name, count, seed, index, drawing) for name, count, index in chunked(sources)]
    parts = drawn(_chunk, work, jobs, progress, "windows", sum(sources.values()))
    strips = np.concatenate([p for p, _ in parts])
    texts = [t for _, part in parts for t in part]
    order = np.random.default_rng(seed).permutation(len(texts))
    return strips[order], [texts[i] for i in order]
