"""Where the display and its digits are in a frame: ROIs, rotation and alignment marks.

Every box is ``(x, y, w, h)`` in pixels of the frame as the camera sends it (the web
page's ROI editor draws on that frame). A crop is cut from a box and turned upright by
one affine warp; the warp's matrix maps crop pixels back to the frame, so boxes found
inside a crop can be drawn on the frame and published.

Alignment follows the reference-image idea of AI-on-the-edge-device: a few small
patches of a reference frame (fixed features near the display) are found again in
each frame by normalised cross-correlation within a search radius, and the shift (one
mark) or similarity transform (two or more) between them carries every ROI along, so
a camera knocked a few pixels aside still reads the right digits.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

Box = tuple[int, int, int, int]
# A mark must be found where the others say it should be, within this many pixels.
MAX_MARK_DISAGREEMENT_PX = 6.0


class AlignmentFailed(ValueError):
    """The marks were not found, or disagree; ``str(error)`` is the reason."""


@dataclass(frozen=True)
class Crop:
    image: np.ndarray  # upright view of the box
    to_frame: np.ndarray  # 3×3: crop pixel (x, y, 1) → frame pixel

    def box_in_frame(self, box: Box, frame_shape: tuple[int, ...]) -> Box:
        """The upright frame rectangle around a box given in crop pixels."""
        return map_box(self.to_frame, box, frame_shape)


def map_box(matrix: np.ndarray, box: Box, frame_shape: tuple[int, ...]) -> Box:
    # Box edges are half a pixel outside the centres of its edge pixels, which is what the
    # matrices (pixel indices) map.
    x0, y0, x1, y1 = box[0] - 0.5, box[1] - 0.5, box[0] + box[2] - 0.5, box[1] + box[3] - 0.5
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64)
    mapped = corners @ matrix.T
    points = mapped[:, :2] / mapped[:, 2:3] + 0.5
    height, width = frame_shape[:2]
    x0, y0 = np.floor(points.min(axis=0) + 1e-6).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) - 1e-6).astype(int)
    x0, x1 = max(int(x0), 0), min(int(x1), width)
    y0, y1 = max(int(y0), 0), min(int(y1), height)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


def upright_size(box: Box, rotation_deg: float) -> tuple[int, int]:
    """Width and height of a box's crop once turned: a quarter turn swaps them."""
    _, _, w, h = box
    quarter = round(rotation_deg / 90.0) % 2
    return (h, w) if quarter else (w, h)


def crop_matrix(
    box: Box, rotation_deg: float = 0.0, alignment: np.ndarray | None = None, scale: float = 1.0
) -> tuple[np.ndarray, tuple[int, int]]:
    """The 3×3 map from a box's upright crop to the frame, and the crop's size."""
    x, y, w, h = box
    out_w, out_h = upright_size(box, rotation_deg)
    out_w, out_h = max(round(out_w * scale), 1), max(round(out_h * scale), 1)
    # crop pixel → centred, unscaled → turned back into the frame's orientation → box
    # (pixel indices: the centre of a row of n pixels lies at (n - 1) / 2)
    centre = np.array([[1, 0, -(out_w - 1) / 2], [0, 1, -(out_h - 1) / 2], [0, 0, 1]])
    unscale = np.diag([1 / scale, 1 / scale, 1.0])
    angle = math.radians(rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    # Turning the image counter-clockwise by a (y down) maps frame to crop with
    # [[cos, sin], [-sin, cos]]; crop to frame is its transpose.
    unturn = np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]], np.float64)
    place = np.array([[1, 0, x + (w - 1) / 2], [0, 1, y + (h - 1) / 2], [0, 0, 1]])
    to_frame = place @ unturn @ unscale @ centre
    if alignment is not None:
        to_frame = alignment @ to_frame
    return to_frame, (out_w, out_h)


def crop(
    frame: np.ndarray,
    box: Box,
    rotation_deg: float = 0.0,
    alignment: np.ndarray | None = None,
    scale: float = 1.0,
) -> Crop:
    """The box's content turned upright by ``rotation_deg`` (counter-clockwise), after the
    frame moved by ``alignment`` (3×3, reference → frame), resampled by ``scale``."""
    to_frame, size = crop_matrix(box, rotation_deg, alignment, scale)
    x, y, w, h = box
    plain = rotation_deg % 360 == 0 and alignment is None and scale == 1.0
    if plain and clip_box(box, frame.shape) == tuple(box):
        # Nothing to turn or move: a view of the frame, no resampling.
        shift = np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)
        return Crop(frame[y : y + h, x : x + w], shift)
    return _sampled(frame, to_frame, size)


def taller(frame: np.ndarray, view: Crop, extra: int) -> Crop:
    """``view`` seen ``extra`` of its pixels further above and below, column for column
    (whatever its turn and alignment)."""
    height, width = view.image.shape[:2]
    to_frame = view.to_frame @ np.array([[1, 0, 0], [0, 1, -extra], [0, 0, 1]], np.float64)
    return _sampled(frame, to_frame, (width, height + 2 * extra))


def _sampled(frame: np.ndarray, to_frame: np.ndarray, size: tuple[int, int]) -> Crop:
    """The view of ``size`` whose pixels ``to_frame`` maps into the frame; past the
    frame's edge, its border continues."""
    image = cv2.warpAffine(
        frame,
        to_frame[:2],
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return Crop(image, to_frame)


def box_in_frame(
    box: Box, frame_shape: tuple[int, ...], rotation_deg: float, alignment: np.ndarray | None
) -> Box:
    """Where a (possibly turned and moved) box lies in the frame, as an upright rectangle."""
    to_frame, (w, h) = crop_matrix(box, rotation_deg, alignment)
    return map_box(to_frame, (0, 0, w, h), frame_shape)


def whole_frame(frame: np.ndarray) -> Box:
    h, w = frame.shape[:2]
    return 0, 0, w, h


def clip_box(box: Box, frame_shape: tuple[int, ...]) -> Box | None:
    """The part of a box inside the frame, or None if too little of it is."""
    x, y, w, h = box
    height, width = frame_shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x1 - x0 < 0.5 * w or y1 - y0 < 0.5 * h:
        return None
    return x0, y0, x1 - x0, y1 - y0


# --- alignment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The reference frame's marks, cut once."""

    marks: list[Box]
    templates: list[np.ndarray]  # grey patches


@dataclass
class ReferenceCache:
    """Reference images loaded once per path and modification time."""

    _loaded: dict[Path, tuple[float, Reference]]

    def __init__(self) -> None:
        self._loaded = {}

    def get(self, path: Path, marks: list[Box]) -> Reference:
        try:
            mtime = os.stat(path).st_mtime
        except OSError as error:
            raise AlignmentFailed(f"reference image {path.name} cannot be read") from error
        cached = self._loaded.get(path)
        if cached is not None and cached[0] == mtime and cached[1].marks == marks:
            return cached[1]
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            raise AlignmentFailed(f"reference image {path.name} is not an image")
        templates = []
        for index, box in enumerate(marks, start=1):
            inside = clip_box(box, grey.shape)
            if inside != tuple(box):
                raise AlignmentFailed(f"alignment mark {index} lies outside the reference")
            x, y, w, h = box
            templates.append(grey[y : y + h, x : x + w].copy())
        reference = Reference(list(marks), templates)
        self._loaded[path] = (mtime, reference)
        return reference


def align(grey: np.ndarray, reference: Reference, search_px: int, min_score: float) -> np.ndarray:
    """The 3×3 transform from reference to frame coordinates, from where the marks are."""
    found: list[tuple[float, float]] = []
    for index, (box, template) in enumerate(
        zip(reference.marks, reference.templates, strict=True), start=1
    ):
        x, y, w, h = box
        x0, y0 = max(x - search_px, 0), max(y - search_px, 0)
        x1 = min(x + w + search_px, grey.shape[1])
        y1 = min(y + h + search_px, grey.shape[0])
        window = grey[y0:y1, x0:x1]
        if window.shape[0] < h or window.shape[1] < w:
            raise AlignmentFailed(f"alignment mark {index} lies outside the frame")
        scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if not best >= min_score:  # NaN on a flat window counts as not found
            raise AlignmentFailed(
                f"alignment mark {index} not found (match {best:.2f}, needs {min_score:.2f})"
            )
        dx, dy = _subpixel(scores, bx, by)
        found.append((x0 + bx + dx - x, y0 + by + dy - y))
    source = np.array([[x + w / 2, y + h / 2] for x, y, w, h in reference.marks], np.float64)
    target = source + np.array(found, np.float64)
    if len(found) == 1:
        matrix = np.array([[1, 0, found[0][0]], [0, 1, found[0][1]]], np.float64)
    else:
        # Two marks: shift, turn and scale; three or more: also the shear of a camera
        # looking a little from the side.
        estimate = cv2.estimateAffinePartial2D if len(found) == 2 else cv2.estimateAffine2D
        estimated, _ = estimate(
            source.astype(np.float32), target.astype(np.float32), method=cv2.LMEDS
        )
        if estimated is None:
            raise AlignmentFailed("alignment marks give no consistent movement")
        matrix = estimated.astype(np.float64)
        moved = source @ matrix[:, :2].T + matrix[:, 2]
        worst = float(np.abs(moved - target).max())
        if worst > MAX_MARK_DISAGREEMENT_PX:
            raise AlignmentFailed(f"alignment marks disagree by {worst:.0f} px")
    return np.vstack([matrix, [0.0, 0.0, 1.0]])


def _subpixel(scores: np.ndarray, x: int, y: int) -> tuple[float, float]:
    """Peak refined by a parabola through its neighbours."""

    def vertex(a: float, b: float, c: float) -> float:
        denominator = a - 2 * b + c
        return 0.0 if abs(denominator) < 1e-9 else 0.5 * (a - c) / denominator

    dx = dy = 0.0
    if 0 < x < scores.shape[1] - 1:
        dx = vertex(scores[y, x - 1], scores[y, x], scores[y, x + 1])
    if 0 < y < scores.shape[0] - 1:
        dy = vertex(scores[y - 1, x], scores[y, x], scores[y + 1, x])
    return float(np.clip(dx, -0.5, 0.5)), float(np.clip(dy, -0.5, 0.5))
