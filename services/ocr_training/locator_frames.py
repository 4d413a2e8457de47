"""Training frames for the display locator: a whole camera frame and where its glass is.

Sources, by renderer name (``renderers``): ``polygons``, ``dseg`` and ``dotmatrix``
(``display_frames``' PLN-style LCD, inverse LCD and red LED on a meter body among
clutter) and ``simulator`` (the demo's PLN meter and LED module). Each frame is then
seen from another distance and angle (the display 15–90 % of the frame wide, turned up to
±15°, anywhere in the frame), so no renderer's framing is learned.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ..ocr_worker.display_locator import GRID, INPUT_HEIGHT, INPUT_WIDTH, frame_input
from ..ocr_worker.geometry import Box
from .chunks import chunked, drawn
from .display_frames import STYLES, display_frame
from .display_strips import simulator_shot

SOURCES = ("polygons", "dseg", "dotmatrix", "simulator")
Shot = tuple[np.ndarray, Box]  # a BGR frame and its display's glass


def _rendered(renderer: str) -> Callable[[np.random.Generator], Shot]:
    def shot(rng: np.random.Generator) -> Shot:
        style = list(STYLES)[int(rng.integers(len(STYLES)))]
        frame = display_frame(renderer, style, rng)
        return cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR), frame.display

    return shot


def _simulator(rng: np.random.Generator) -> Shot:
    image, glass, _ = simulator_shot(rng)
    return image, glass


SHOTS: dict[str, Callable[[np.random.Generator], Shot]] = {
    "polygons": _rendered("polygons"),
    "dseg": _rendered("dseg"),
    "dotmatrix": _rendered("dotmatrix"),
    "simulator": _simulator,
}


def reframed(
    image: np.ndarray, glass: Box, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The frame seen from elsewhere (zoomed so the glass is 15–90 % of the frame wide,
    turned, moved), and the glass's share of each output cell as the target."""
    height, width = image.shape[:2]
    x, y, w, h = glass
    scale = rng.uniform(0.15, 0.9) * width / w
    scale = min(scale, 0.95 * height / h)  # the glass stays inside the frame's height
    angle = rng.uniform(-15, 15)
    centre = (x + w / 2, y + h / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, scale)
    span_x, span_y = max(0.0, width - w * scale), max(0.0, height - h * scale)
    matrix[:, 2] += (
        rng.uniform(-span_x / 2, span_x / 2) + width / 2 - centre[0],
        rng.uniform(-span_y / 2, span_y / 2) + height / 2 - centre[1],
    )
    fill = [int(v) for v in rng.integers(0, 256, 3)]
    seen = cv2.warpAffine(image, matrix, (width, height), borderValue=fill)
    mask = cv2.warpAffine(_glass_mask(image.shape, glass), matrix, (width, height))
    return seen, _cells_covered(mask)


def _glass_mask(shape: tuple[int, ...], glass: Box) -> np.ndarray:
    mask = np.zeros(shape[:2], np.float32)
    x, y, w, h = glass
    mask[y : y + h, x : x + w] = 1.0
    return mask


def _cells_covered(mask: np.ndarray) -> np.ndarray:
    """Each output cell's share of glass."""
    grid = (INPUT_WIDTH // GRID, INPUT_HEIGHT // GRID)
    return cv2.resize(mask, grid, interpolation=cv2.INTER_AREA)


def _chunk(job: tuple[str, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    name, count, seed, index = job
    rng = np.random.default_rng([seed, SOURCES.index(name), index, 47])
    inputs, targets = [], []
    for _ in range(count):
        image, glass = SHOTS[name](rng)
        if rng.random() < 0.8:
            image, target = reframed(image, glass, rng)
        else:  # as the renderer framed it
            target = _cells_covered(_glass_mask(image.shape, glass))
        inputs.append(frame_input(image).astype(np.float16))
        targets.append(target.astype(np.float16))
    return np.stack(inputs), np.stack(targets)


def make_frames(
    sources: dict[str, int],
    seed: int,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``sources[name]`` frames from each source as network inputs and targets, shuffled
    together; the same for any ``jobs``."""
    work = [(name, count, seed, index) for name, count, index in chunked(sources)]
    parts = drawn(_chunk, work, jobs, progress, "frames", sum(sources.values()))
    inputs = np.concatenate([p for p, _ in parts])
    targets = np.concatenate([t for _, t in parts])
    order = np.random.default_rng(seed).permutation(len(inputs))
    return inputs[order], targets[order]
