"""The images the web page shows for a camera: the last frame as sent, and the same frame
with what the worker made of it (display, digit boxes with their values and confidence,
the reading or the reason it was rejected).

Both live in ``<data_dir>/images/<dev>/`` and are written whole and renamed into place,
so a reader never sees half a file.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..core.data_files import image_dir, write_atomically  # noqa: F401  (re-exported)
from .geometry import Box

RAW_NAME, ANNOTATED_NAME = "latest.jpg", "annotated.jpg"
_ACCEPTED = (60, 200, 60)  # BGR
_REJECTED = (40, 40, 230)
_DISPLAY = (255, 160, 0)
_MARK = (200, 80, 255)


@dataclass(frozen=True)
class Overlay:
    """What to draw: boxes in frame pixels, and the outcome."""

    digits: str = ""
    confidences: tuple[float, ...] = ()
    boxes: tuple[Box, ...] = ()
    display: Box | None = None
    marks: tuple[Box, ...] = ()
    headline: str = ""  # the value read, or "rejected: <reason>"
    accepted: bool = False


def annotate(image: np.ndarray, overlay: Overlay) -> bytes:
    """The frame as a JPEG with the overlay drawn on a copy."""
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    colour = _ACCEPTED if overlay.accepted else _REJECTED
    scale = max(out.shape[1] / 640, 0.6)
    thick = max(round(2 * scale), 1)
    if overlay.display is not None:
        x, y, w, h = overlay.display
        cv2.rectangle(out, (x, y), (x + w, y + h), _DISPLAY, thick)
    for x, y, w, h in overlay.marks:
        cv2.rectangle(out, (x, y), (x + w, y + h), _MARK, 1)
    for index, (x, y, w, h) in enumerate(overlay.boxes):
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, thick)
        label = overlay.digits[index] if index < len(overlay.digits) else "?"
        _label(out, label, (x + 2, y + h + int(16 * scale)), 0.6 * scale, colour, thick)
        if index < len(overlay.confidences):
            confidence = f"{overlay.confidences[index]:.2f}"
            _label(out, confidence, (x, max(y - 4, 10)), 0.35 * scale, colour, 1)
    if overlay.headline:
        band = int(30 * scale)
        cv2.rectangle(out, (0, 0), (out.shape[1], band), (255, 255, 255), -1)
        _label(out, overlay.headline[:90], (8, int(21 * scale)), 0.55 * scale, colour, thick)
    ok, buffer = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError("annotated frame could not be encoded")
    return buffer.tobytes()


def _label(
    image: np.ndarray, text: str, org: tuple[int, int], scale: float, colour, thick: int
) -> None:
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
