"""Reads a 7-segment LCD (a PLN prepaid meter's balance) from a camera frame, no model needed.

The display is found as a bright, roughly rectangular window, flattened with its four
corners, binarised against its own backlight, unslanted, cut into digits, and each digit
is decided by sampling its seven segment zones. A doubtful frame raises
``UnreadableDisplay`` with the reason rather than returning a guess: a wrong balance in a
Telegram message is worse than none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..core.images import ImageRefused, decode
from ..core.messages import MAX_FRAME_BYTES
from ..core.sevenseg import SEGMENT_NAMES
from ..core.sevenseg import decode as decode_segments
from .byte_percentiles import byte_median, byte_percentile

MIN_IMAGE_SIDE = 64
MIN_DIGIT_CONFIDENCE = 0.5

_WINDOW_HEIGHT = 160  # the flattened display is resampled to this height
_MAX_CANDIDATES = 3
_SEARCH_SIDE = 400  # the display is looked for in a frame scaled down to this size
_GLARE_LIMIT = 0.4  # below this fraction of the usual contrast left, a reflection hides digits


class UnreadableDisplay(ValueError):
    """The frame cannot be read with confidence; ``str(error)`` is the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OtherLayout(UnreadableDisplay):
    """The display shows a number laid out otherwise (the decimal point elsewhere, more
    digits): on a display that cycles through registers, another register."""


@dataclass(frozen=True)
class DigitReading:
    text: str  # digits as read, left to right, without blanks or the decimal point
    value: float
    confidences: list[float]
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h per digit in the input image


def decode_image(payload: bytes) -> np.ndarray:
    """The BGR image in a JPEG frame payload, or the reason it has none."""
    if not payload:
        raise UnreadableDisplay("empty frame payload")
    if len(payload) > MAX_FRAME_BYTES:  # the bus's cap: no gateway passes on more
        raise UnreadableDisplay(f"frame of {len(payload)} bytes exceeds {MAX_FRAME_BYTES}")
    if not payload.startswith(b"\xff\xd8"):
        kind = "PNG" if payload.startswith(b"\x89PNG") else f"starts with {payload[:4].hex()}"
        raise UnreadableDisplay(f"frame is not a JPEG image ({kind})")
    # libjpeg fills a cut-off image with grey and only warns, so check the end marker;
    # some cameras pad the buffer with zeros after it.
    if not payload.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise UnreadableDisplay("corrupt JPEG: no end-of-image marker (truncated?)")
    try:  # the pixel count from the header first: a decompression bomb is never decoded
        image = decode(payload)
    except ImageRefused as error:
        raise UnreadableDisplay(str(error)) from None
    h, w = image.shape[:2]
    if min(h, w) < MIN_IMAGE_SIDE:
        raise UnreadableDisplay(f"image too small to read ({w}x{h})")
    return image


def read_lcd7(image: np.ndarray, digits: int, decimals: int) -> DigitReading:
    """Read the number on a 7-segment LCD showing up to ``digits`` digits, ``decimals`` of
    them after the decimal point."""
    if digits < 1 or not 0 <= decimals < digits:
        raise ValueError(f"bad display format: {digits} digits, {decimals} decimals")
    grey = _to_grey(image)
    quads = _find_windows(grey)
    if not quads:
        raise UnreadableDisplay("no LCD display found")
    errors: list[UnreadableDisplay] = []
    for quad in quads:
        try:
            return _read_window(grey, quad, digits, decimals)
        except UnreadableDisplay as error:
            errors.append(error)
    raise errors[0]  # the likeliest window's reason


def digits_in_cells(grey: np.ndarray, centres: Sequence[float]) -> list[tuple[str | None, float]]:
    """What the segments spell in each digit cell of a display (``grey``: dark digits on
    light, the display filling most of it), where another reader placed the digits'
    middles at ``centres`` (fractions of its width, left to right): each cell's character
    and how clearly its segments are on or off, as a whole display's cells are decided.
    The glass is looked for as ``read_lcd7`` looks for it, else taken to be the whole
    image. ``UnreadableDisplay`` where the cells found are not the ones placed."""
    grey = _to_grey(grey)
    height, width = grey.shape
    whole = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    errors: list[UnreadableDisplay] = []
    for quad in [*_find_windows(grey), whole]:
        try:
            return _decide_placed(_flatten(grey, quad), centres, width)
        except UnreadableDisplay as error:
            errors.append(error)
    raise errors[0]


def _decide_placed(
    window: _Window, centres: Sequence[float], width: int
) -> list[tuple[str | None, float]]:
    """Each cell of ``window`` decided, where its digit cells lie where ``centres`` (in
    the image ``width`` pixels wide) placed them."""
    band = _digit_band(window.mask)
    if band is None:
        raise UnreadableDisplay("no digits found on the display")
    groups, _, _ = _digit_blobs(window.mask, *band)
    if len(groups) != len(centres):
        raise UnreadableDisplay(f"found {len(groups)} digits where {len(centres)} were placed")
    boxes = _digit_boxes(groups, *band)
    middle = (band[0] + band[1]) / 2
    mapped = np.array([[(box.x0 + box.x1) / 2, middle, 1.0] for box in boxes]) @ window.to_image.T
    middles = mapped[:, 0] / mapped[:, 2] / width
    for index, centre in enumerate(centres):
        if int(np.argmin(np.abs(middles - centre))) != index:
            raise UnreadableDisplay(f"digit {index + 1} was placed in another cell")
    return [_decide_digit(window, box) for box in boxes]


def _to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        grey = image
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        grey = cv2.cvtColor(image, code)
    else:
        raise UnreadableDisplay(f"unsupported image shape {image.shape}")
    if grey.dtype != np.uint8:
        raise UnreadableDisplay(f"unsupported image type {grey.dtype}")
    if min(grey.shape) < MIN_IMAGE_SIDE:
        raise UnreadableDisplay(f"image too small to read ({grey.shape[1]}x{grey.shape[0]})")
    return grey


# --- finding the display -------------------------------------------------------------


def _find_windows(grey: np.ndarray) -> list[np.ndarray]:
    """Corners (tl, tr, br, bl) of the likeliest display windows, best first.

    The window is a bright quadrilateral, wider than tall, framed darker than itself.
    Several thresholds are tried because glare can bridge the dark frame at any one.
    """
    scale = min(1.0, _SEARCH_SIDE / max(grey.shape))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(grey, (5, 5), 0)
    image_area = grey.shape[0] * grey.shape[1]
    found: list[tuple[float, np.ndarray]] = []
    for binary in _bright_masks(smooth):
        contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = cv2.contourArea(contour)
            if not 0.03 * image_area < area < 0.7 * image_area:
                continue
            quad = _quad(contour)
            if quad is None:
                continue
            quad_area = cv2.contourArea(quad)
            width, height = _quad_size(quad)
            if not 1.6 <= width / height <= 8 or not 0.85 < area / quad_area < 1.15:
                continue
            if any(_same_quad(quad, other) for _, other in found):
                continue  # the same window again, at another threshold
            contrast = _frame_contrast(smooth, quad)
            if contrast >= 15:
                found.append((quad_area * min(contrast, 60.0), quad))
    found.sort(key=lambda item: -item[0])
    return [quad / scale for _, quad in found[:_MAX_CANDIDATES]]


def _bright_masks(smooth: np.ndarray) -> list[np.ndarray]:
    """Global thresholds at several levels, and local ones that glare cannot shift."""
    masks = [
        cv2.adaptiveThreshold(smooth, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 6)
        for block in (31, 61)
    ]
    otsu, _ = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    levels = [int(otsu), *(level for level in range(50, 240, 30) if abs(level - otsu) > 10)]
    return masks + [(smooth > level).astype(np.uint8) for level in levels]


def _quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.02, 0.035, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return _order_corners(approx.reshape(4, 2).astype(np.float32))
    return None


def _order_corners(points: np.ndarray) -> np.ndarray:
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])
    ordered = points[np.argsort(angles)]  # clockwise in image coordinates, from the left
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def _quad_size(quad: np.ndarray) -> tuple[float, float]:
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), max(float(height), 1.0)


def _same_quad(a: np.ndarray, b: np.ndarray) -> bool:
    _, height = _quad_size(a)
    return float(np.abs(a - b).max()) < 0.15 * height


def _frame_contrast(grey: np.ndarray, quad: np.ndarray) -> float:
    """How much brighter the window's inside edge is than the ring just outside it."""
    _, height = _quad_size(quad)
    ring = max(3, int(0.06 * height))
    x, y, w, h = cv2.boundingRect(quad.astype(np.int32))
    x0, y0 = max(x - 2 * ring, 0), max(y - 2 * ring, 0)
    roi = grey[y0 : y + h + 2 * ring, x0 : x + w + 2 * ring]
    inner = np.zeros_like(roi)
    cv2.fillConvexPoly(inner, (quad - (x0, y0)).astype(np.int32), 255)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * ring + 1, 2 * ring + 1))
    outer = cv2.dilate(inner, kernel)
    core = cv2.erode(inner, kernel)
    inside = roi[(inner > 0) & (core == 0)]
    outside = roi[(outer > 0) & (inner == 0)]
    if inside.size == 0 or outside.size == 0:
        return 0.0
    # The lower quartile outside: a frame found slightly inside its true edge still has
    # a good part of the dark surround in the ring.
    return byte_median(inside) - float(np.percentile(outside, 25))


# --- reading the flattened display ---------------------------------------------------


@dataclass(frozen=True)
class _Window:
    ink: np.ndarray  # unslanted; 0 = backlight, about 1 = a lit segment without glare
    mask: np.ndarray  # lit-segment pixels
    glare: np.ndarray  # pixels washed out too far by a reflection to show a segment
    to_image: np.ndarray  # homography from window to input image coordinates


def _read_window(grey: np.ndarray, quad: np.ndarray, digits: int, decimals: int) -> DigitReading:
    window = _flatten(grey, quad)
    band = _digit_band(window.mask)
    if band is None:
        raise UnreadableDisplay("no digits found on the display")
    top, bottom = band
    groups, dots, marks = _digit_blobs(window.mask, top, bottom)
    if not groups:
        raise UnreadableDisplay("no digits found on the display")
    if len(groups) > digits:
        raise OtherLayout(f"found {len(groups)} digits, the display has {digits}")
    if len(groups) < decimals + 1:
        raise UnreadableDisplay(  # what a frame read in the wrong polarity looks like
            f"found {len(groups)} digits, a display with {decimals} decimals shows "
            f"at least {decimals + 1}"
        )
    boxes = _digit_boxes(groups, top, bottom)
    if boxes[0].x0 < 0 or boxes[-1].x1 >= window.mask.shape[1] - 1:
        raise UnreadableDisplay("digits run off the edge of the display window")
    pitch = _check_spacing(boxes)
    _check_point(boxes, dots, decimals)
    leading = [dot for dot in dots if dot.x1 < boxes[0].x0]
    _check_blank_cells(window, boxes, marks + leading, digits, pitch)

    text = ""
    confidences: list[float] = []
    for index, box in enumerate(boxes, start=1):
        if window.glare[box.y0 : box.y1, box.x0 : box.x1].mean() > 0.02:
            raise UnreadableDisplay(f"glare hides part of digit {index}")
        char, confidence = _decide_digit(window, box)
        if char is None or not char.isdigit():
            raise UnreadableDisplay(f"segment pattern of digit {index} is not a digit")
        if confidence < MIN_DIGIT_CONFIDENCE:
            raise UnreadableDisplay(
                f"digit {index} is unclear (confidence {confidence:.2f}, looks like {char})"
            )
        text += char
        confidences.append(round(confidence, 3))
    image_boxes = [_image_box(window, box, grey.shape) for box in boxes]
    _check_upright(image_boxes)
    return DigitReading(
        text=text, value=int(text) / 10**decimals, confidences=confidences, boxes=image_boxes
    )


def _check_upright(boxes: list[tuple[int, int, int, int]]) -> None:
    """A digit cell stands taller than wide in the image it was read from: the image is
    upright (turned so by the camera's set turn), and a display lying askew by up to
    about 45° still gives cells taller than wide. A cell lying wider is a window made of
    clutter, warped flat (a slanted line read as a lone 1 in a 62 × 23 px cell)."""
    for index, (_, _, width, height) in enumerate(boxes, start=1):
        if width > height:
            raise UnreadableDisplay(
                f"digit {index}'s cell lies wider than tall ({width}x{height} px): "
                "no upright display"
            )


def _flatten(grey: np.ndarray, quad: np.ndarray) -> _Window:
    """Warp the window square-on, take out backlight and glare, and undo the italic slant."""
    width, height = _quad_size(quad)
    out_h = _WINDOW_HEIGHT
    out_w = round(out_h * width / height)
    target = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    to_window = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    flat = cv2.warpPerspective(grey, to_window, (out_w, out_h), flags=cv2.INTER_LINEAR)
    crop = max(2, out_h // 40)  # drop the bezel's edge
    flat = cv2.GaussianBlur(flat[crop:-crop, crop:-crop], (0, 0), 1.0)
    h, w = flat.shape

    # The backlight without the dark strokes: a closing wider than a stroke, done at a
    # quarter of the size because the backlight varies slowly.
    small = cv2.resize(flat, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    size = out_h // 20 | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    backlight = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    backlight = cv2.GaussianBlur(backlight, (0, 0), size)
    ink, glare = _deglare(flat.astype(np.float32), backlight)

    shear = _estimate_shear(ink)
    offset = max(shear, 0.0) * h
    pad = math.ceil(abs(shear) * h)
    affine = np.array([[1.0, shear, offset - shear * h], [0.0, 1.0, 0.0]], np.float32)
    ink = cv2.warpAffine(ink, affine, (w + pad, h), flags=cv2.INTER_LINEAR)
    glare = cv2.warpAffine(glare, affine, (w + pad, h), flags=cv2.INTER_NEAREST)
    unshear = np.array([[1.0, -shear, shear * h - offset], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    uncrop = np.array([[1.0, 0.0, crop], [0.0, 1.0, crop], [0.0, 0.0, 1.0]])
    to_image = np.linalg.inv(to_window) @ uncrop @ unshear
    return _Window(ink=ink, mask=_binarise(ink), glare=glare > 0, to_image=to_image)


def _deglare(flat: np.ndarray, backlight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment darkness as if there were no reflection, and where a reflection hides it.

    A reflection adds light toward white: a pixel p becomes p + (255 - p) * a. The
    backlight shows how much was added, and (backlight - pixel) / (255 - backlight) undoes
    it, scaled so that an unglared pixel keeps 1 - pixel / backlight.
    """
    base = float(np.median(backlight))
    headroom = np.maximum(255.0 - backlight, 1.0)
    ink = (backlight - flat) / headroom * ((255.0 - base) / max(base, 1.0))
    washed = headroom < _GLARE_LIMIT * (255.0 - base)
    ink[washed] = 0.0
    return np.clip(ink, 0.0, 1.0), washed.astype(np.uint8)


def _binarise(ink: np.ndarray) -> np.ndarray:
    """Lit segments only: the faint unlit ('ghost') segments stay below the threshold."""
    scaled = np.clip(ink * 255.0, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    strong = byte_percentile(scaled, 99.5)
    level = max(otsu, 0.4 * strong, 40.0)
    return (scaled > level).astype(np.uint8)


def _estimate_shear(ink: np.ndarray) -> float:
    """The italic lean, from the edges of the upright strokes.

    An edge leaning by ``s`` (x shifting by ``-s`` per row down) has a gradient with
    gy / gx = s; steep edges of all strokes vote, weighted by edge strength.
    """
    smooth = cv2.GaussianBlur(ink, (0, 0), 1.5)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = np.hypot(gx, gy)
    strong = magnitude > 0.4 * float(np.percentile(magnitude, 99.5))
    steep = strong & (np.abs(gy) < 0.4 * np.abs(gx))
    if np.count_nonzero(steep) < 20:
        return 0.0
    ratio = gy[steep] / gx[steep]
    weight = magnitude[steep]
    order = np.argsort(ratio)
    cumulative = np.cumsum(weight[order])
    return float(ratio[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _digit_band(mask: np.ndarray) -> tuple[int, int] | None:
    """Rows holding the digits: the tallest run of inked rows (indicators are small print).

    A gap short next to the runs on both sides (the middle of a "1") is bridged; the gap to
    a small indicator line above the digits is not.
    """
    rows = mask.sum(axis=1)
    inked = rows > max(2, 0.01 * mask.shape[1])
    runs: list[list[int]] = []
    for y in np.flatnonzero(inked):
        if runs and y == runs[-1][1]:
            runs[-1][1] = y + 1
        else:
            runs.append([int(y), int(y) + 1])
    if not runs:
        return None
    merged: list[list[int]] = [runs[0]]
    for start, end in runs[1:]:
        last = merged[-1]
        if start - last[1] < 0.6 * min(end - start, last[1] - last[0]):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    best = max(merged, key=lambda run: run[1] - run[0])
    if best[1] - best[0] < 0.15 * mask.shape[0]:
        return None
    return best[0], best[1]


@dataclass(frozen=True)
class _Blob:
    x0: int
    x1: int
    y0: int
    y1: int


def _digit_blobs(
    mask: np.ndarray, top: int, bottom: int
) -> tuple[list[_Blob], list[_Blob], list[_Blob]]:
    """Digits, decimal-point dots, and other marks (unit labels, or the remains of a
    washed-out digit) in the digit rows.

    Digits are found as runs of inked columns above the baseline strip, where the decimal
    points sit; a point blurred into its digit so stays out of the digit's extent, and is
    then found in that strip between the digits.
    """
    height = bottom - top
    speckle = 0.004 * height * height
    band = _without_speckles(mask[top:bottom], speckle)
    base = round(0.78 * height)
    digits: list[_Blob] = []
    marks: list[_Blob] = []
    for x0, x1 in _runs(band[:base].any(axis=0)):
        rows = np.flatnonzero(band[:, x0:x1].any(axis=1))
        blob = _Blob(x0, x1, top + int(rows[0]), top + int(rows[-1]) + 1)
        (digits if rows[-1] + 1 - rows[0] >= 0.7 * height else marks).append(blob)

    strip = band[base:].copy()
    for digit in digits:
        strip[:, digit.x0 : digit.x1] = 0
    dots: list[_Blob] = []
    count, _, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
    for x, y, w, h, area in stats[1:count]:
        if area < speckle / 2:
            continue
        blob = _Blob(int(x), int(x + w), int(y + base + top), int(y + h + base + top))
        is_dot = max(w, h) < 0.25 * height and max(w, h) < 2.5 * min(w, h)
        (dots if is_dot else marks).append(blob)
    return digits, dots, marks


def _without_speckles(mask: np.ndarray, min_area: float) -> np.ndarray:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels].astype(np.uint8)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True values."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)]


def _digit_boxes(groups: list[_Blob], top: int, bottom: int) -> list[_Blob]:
    """Full digit cells of one common width, aligned on each group's right edge: every digit
    lights b or c at the right, while 1, 3 and 7 leave the left edge dark."""
    height = bottom - top
    widths = [g.x1 - g.x0 for g in groups]
    widest = max(widths)
    width = widest if widest > 0.3 * height else 0.5 * height  # all "1"s: a typical shape
    return [_Blob(round(g.x1 - width), g.x1, top, bottom) for g in groups]


def _check_spacing(boxes: list[_Blob]) -> float:
    """The digit pitch. Digits stand in evenly spaced cells; a wider gap means a digit was
    not seen."""
    width = float(np.median([b.x1 - b.x0 for b in boxes]))
    if len(boxes) < 2:
        return 1.4 * width
    steps = np.diff([b.x1 for b in boxes])
    pitch = float(np.min(steps))
    for i, step in enumerate(steps, start=1):
        if step > 1.4 * pitch:
            raise UnreadableDisplay(f"blank gap between digits {i} and {i + 1}")
    if pitch < 1.05 * width:
        raise UnreadableDisplay("digits run into each other")
    return pitch


def _check_blank_cells(
    window: _Window, boxes: list[_Blob], marks: list[_Blob], digits: int, pitch: float
) -> None:
    """The cells left of the number must be truly blank, not hiding a washed-out digit."""
    width = float(np.median([b.x1 - b.x0 for b in boxes]))
    top, bottom = boxes[0].y0, boxes[0].y1
    blank = digits - len(boxes)
    for k in range(1, blank + 1):
        right = boxes[0].x1 - k * pitch
        left = right - width
        cell = blank - k + 1
        if left < -0.25 * width:
            # Either the window found is only part of the display, or the display has
            # fewer cells than configured: either way the number may be cut short.
            raise UnreadableDisplay(f"digit cell {cell} lies outside the display window")
        x0, x1 = max(round(left), 0), round(right)
        if window.glare[top:bottom, x0:x1].mean() > 0.02:
            raise UnreadableDisplay(f"glare hides digit cell {cell}")
        margin = (pitch - width) / 2
        for mark in marks:
            if left - margin <= (mark.x0 + mark.x1) / 2 <= right + margin:
                raise UnreadableDisplay(f"unclear marks in blank digit cell {cell}")


def _check_point(boxes: list[_Blob], dots: list[_Blob], decimals: int) -> None:
    """The decimal point must sit where ``decimals`` says, so a lost digit cannot shift it."""
    positions = set()
    for dot in dots:
        center = (dot.x0 + dot.x1) / 2
        for i in range(len(boxes) - 1):
            if boxes[i].x1 - 2 <= center <= boxes[i + 1].x0 + 2:
                positions.add(i + 1)  # the point follows digit i + 1
    expected = len(boxes) - decimals
    if decimals == 0:
        if positions:
            raise OtherLayout("a decimal point is lit but none is expected")
        return
    if not positions:
        raise OtherLayout("no decimal point found")
    if positions != {expected}:
        where = ", ".join(str(p) for p in sorted(positions))
        raise OtherLayout(f"decimal point after digit {where}, expected after {expected}")


# Where each segment lies in a digit cell: (x0, x1, y0, y1) as fractions of the cell, and
# whether the stroke runs across (sampled row by row) or down (column by column).
_ZONES: dict[str, tuple[float, float, float, float, bool]] = {
    "a": (0.3, 0.65, 0.0, 0.22, True),
    "g": (0.3, 0.65, 0.38, 0.62, True),
    "d": (0.3, 0.65, 0.78, 1.0, True),
    "f": (0.0, 0.3, 0.18, 0.38, False),
    "b": (0.7, 1.0, 0.18, 0.38, False),
    "e": (0.0, 0.3, 0.62, 0.82, False),
    "c": (0.7, 1.0, 0.62, 0.82, False),
}
# A stroke inked over most of its zone is lit; one inked over a third of it, but not
# most, is broken (a 14-segment display's middle bar, in two halves).
_ALONG, _PART = 0.7, 0.3
# The holes inside an 8, clear on every 7-segment digit: inked, the cell is a blob (the
# glow between a LED's strokes, read in the other polarity), not a digit.
_HOLES = ((0.4, 0.6, 0.26, 0.34), (0.4, 0.6, 0.66, 0.74))


def _decide_digit(window: _Window, box: _Blob) -> tuple[str | None, float]:
    """The character whose segments are lit, and how clearly every segment is on or off
    (0 where a stroke is broken or an 8's holes hold ink: no digit to name)."""
    ink = window.ink
    w, h = box.x1 - box.x0, box.y1 - box.y0
    cell = ink[box.y0 : box.y1, box.x0 : box.x1]
    on = cell[window.mask[box.y0 : box.y1, box.x0 : box.x1] > 0]
    if on.size == 0:
        return None, 0.0
    rank = int(0.75 * (on.size - 1))
    reference = float(np.partition(on, rank)[rank])  # a typical lit-segment darkness
    lit: set[str] = set()
    confidence = 1.0
    for name in SEGMENT_NAMES:
        fx0, fx1, fy0, fy1, across = _ZONES[name]
        x0, x1 = box.x0 + round(fx0 * w), box.x0 + round(fx1 * w)
        y0, y1 = box.y0 + round(fy0 * h), box.y0 + round(fy1 * h)
        zone = ink[y0:y1, max(x0, 0) : max(x1, 0)]
        # A lit segment is dark along its length: a row (or column) must be inked over
        # most of the zone, which a neighbouring stroke's edge is not.
        score = _inked_share(zone, across, _ALONG) / reference
        if score > 0.5:
            lit.add(name)
        elif _inked_share(zone, across, _PART) / reference > 0.5:
            return decode_segments(frozenset(lit)), 0.0  # a broken stroke: neither on nor off
        confidence = min(confidence, min(1.0, abs(score - 0.5) / 0.25))
    for fx0, fx1, fy0, fy1 in _HOLES:
        hole = ink[box.y0 + round(fy0 * h) : box.y0 + round(fy1 * h),
                   box.x0 + round(fx0 * w) : box.x0 + round(fx1 * w)]  # fmt: skip
        if _inked_share(hole, True, _ALONG) / reference > 0.5:
            return decode_segments(frozenset(lit)), 0.0  # ink where no segment lies
    return decode_segments(frozenset(lit)), confidence


def _inked_share(zone: np.ndarray, across: bool, share: float) -> float:
    """How dark the zone's best row (``across``) or column is over ``share`` of its length."""
    if zone.size == 0:
        return 0.0
    axis = 1 if across else 0
    rank = int((1.0 - share) * (zone.shape[axis] - 1))
    return float(np.sort(zone, axis=axis).take(rank, axis=axis).max())


def _image_box(window: _Window, box: _Blob, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The upright rectangle around a digit cell in the input image."""
    corners = np.array(
        [[box.x0, box.y0, 1], [box.x1, box.y0, 1], [box.x1, box.y1, 1], [box.x0, box.y1, 1]],
        np.float64,
    )
    mapped = corners @ window.to_image.T
    points = mapped[:, :2] / mapped[:, 2:3]
    height, width = shape[:2]
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int)
    x0, x1 = max(int(x0), 0), min(int(x1), width)
    y0, y1 = max(int(y0), 0), min(int(y1), height)
    return x0, y0, x1 - x0, y1 - y0
