"""The newest camera frame of a meter, as the OCR worker keeps it, raw or annotated.

The worker writes ``<data_dir>/images/<dev>/latest.jpg`` before reading each frame, in
place: a read that catches it half-written (no JPEG end marker) gets the last whole
copy instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

JPEG_END = b"\xff\xd9"
DIGIT_COLOUR = (60, 200, 60)  # BGR: boxes of digits read
DISPLAY_COLOUR = (255, 160, 0)  # the display ROI marked by hand
DIGIT_ROI_COLOUR = (200, 80, 255)  # digit ROIs marked by hand
REASON_COLOUR = (40, 40, 220)  # why a frame was refused


@dataclass
class Frame:
    jpeg: bytes
    width: int
    height: int


@dataclass
class FrameImages:
    data_dir: Path
    _last_whole: dict[str, Frame] = field(default_factory=dict)

    def path(self, device: str) -> Path:
        return self.data_dir / "images" / device / "latest.jpg"

    def latest(self, device: str) -> Frame | None:
        try:
            data = self.path(device).read_bytes()
        except FileNotFoundError:
            return self._last_whole.get(device)
        previous = self._last_whole.get(device)
        if previous is not None and previous.jpeg == data:
            return previous
        if not data.rstrip(b"\x00").endswith(JPEG_END):
            return previous
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            return previous
        frame = Frame(data, image.shape[1], image.shape[0])
        self._last_whole[device] = frame
        return frame


def _corners(
    box: tuple[int, int, int, int], width: int, height: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """A box's corners held inside the image: OpenCV refuses coordinates past 32 bits."""
    x, y, w, h = box

    def clamp(value: int, high: int) -> int:
        return min(max(value, -1), high)

    return (clamp(x, width), clamp(y, height)), (clamp(x + w, width), clamp(y + h, height))


def annotate(
    jpeg: bytes,
    ocr: dict[str, Any] | None,
    rois: dict[str, Any] | None,
    reason: str | None,
) -> bytes:
    """The frame with the digits read boxed and labelled, hand-marked ROIs, or the reason
    it was refused (runs in a thread)."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    scale = max(width / 640, 0.6)
    thickness = max(round(2 * scale), 1)
    if rois:
        if rois.get("display"):
            display = _corners(rois["display"], width, height)
            cv2.rectangle(image, *display, DISPLAY_COLOUR, thickness)
        for box in rois.get("digits") or []:
            cv2.rectangle(image, *_corners(box, width, height), DIGIT_ROI_COLOUR, 1)
    if ocr:
        digits = ocr.get("digits", "")
        confidences = ocr.get("confidences", [])
        for index, box in enumerate(ocr.get("boxes", [])):
            top_left, bottom_right = _corners(box, width, height)
            cv2.rectangle(image, top_left, bottom_right, DIGIT_COLOUR, thickness)
            label = digits[index] if index < len(digits) else "?"
            if index < len(confidences):
                label += f" {confidences[index]:.2f}"
            cv2.putText(
                image,
                label,
                (top_left[0], max(top_left[1] - 6, 12)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45 * scale,
                DIGIT_COLOUR,
                thickness,
                cv2.LINE_AA,
            )
    if reason:
        cv2.rectangle(image, (0, 0), (image.shape[1], int(28 * scale)), (255, 255, 255), -1)
        cv2.putText(
            image,
            f"not read: {reason}"[:80],
            (8, int(20 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5 * scale,
            REASON_COLOUR,
            thickness,
            cv2.LINE_AA,
        )
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("annotated frame could not be encoded")
    return buffer.tobytes()
