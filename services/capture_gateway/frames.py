"""A camera frame and the checks every frame passes before it reaches OCR.

Checks run cheapest first (size, then the JPEG start and end markers, then the pixel
count from the header, then a full decode) so a flood of junk costs little, and each
failure says what was wrong in words a device author can act on ("not a JPEG (GIF)",
"truncated JPEG"), not a decoder's error number. Uploads and watched directories may
bring PNG, BMP or WebP too: ``to_jpeg`` turns them into the JPEG the bus carries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import cv2
import numpy as np

from ..core import images
from ..core.images import JPEG_QUALITY, ImageRefused, Refusal, decode, kind_of
from ..core.messages import new_id
from ..core.timestamps import iso_z, parse_aware
from ..core.trust import MAX_FUTURE

JPEG_START = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
MIN_SIDE_PX = 16  # smaller than this holds no readable digit
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_JPEG = "not_jpeg"
    CORRUPT = "corrupt"
    TOO_MANY_PIXELS = "too_many_pixels"  # a decompression bomb, refused before decoding
    BAD_PROPERTY = "bad_property"
    BUSY = "busy"  # too many requested frames waiting for their turn


class FrameRejected(ValueError):
    """A frame that must not reach OCR; ``str(error)`` is the reason."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem

    @classmethod
    def of(cls, error: ImageRefused) -> FrameRejected:
        return cls(_PROBLEM_OF[error.refusal], str(error))


_PROBLEM_OF: dict[Refusal, Problem] = {
    Refusal.NOT_AN_IMAGE: Problem.NOT_JPEG,
    Refusal.TOO_MANY_PIXELS: Problem.TOO_MANY_PIXELS,
    Refusal.CORRUPT: Problem.CORRUPT,
}


@dataclass(frozen=True)
class Frame:
    device: str
    jpeg: bytes
    ts: datetime
    origin: str  # source kind it came from: mqtt, upload, snapshot, local, dirwatch
    frame_id: str = field(default_factory=new_id)
    request_id: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()

    def user_properties(self) -> dict[str, str]:
        """The MQTT 5 user properties of ``<dev>/frame`` (bus contract)."""
        properties = {"ts": iso_z(self.ts), "frame_id": self.frame_id}
        if self.request_id:
            properties["request_id"] = self.request_id
        return properties

    def summary(self) -> dict[str, object]:
        """What a rejection or a log line says about the frame (never its bytes)."""
        return {
            "frame_id": self.frame_id,
            "request_id": self.request_id,
            "bytes": len(self.jpeg),
            "origin": self.origin,
        }


def check_bytes(data: bytes, max_bytes: int) -> None:
    """Size and JPEG markers: cheap, and enough to refuse most junk."""
    if not data:
        raise FrameRejected(Problem.EMPTY, "empty frame")
    if len(data) > max_bytes:
        raise FrameRejected(
            Problem.TOO_LARGE, f"frame of {len(data)} bytes exceeds the cap of {max_bytes} bytes"
        )
    if not data.startswith(JPEG_START):
        raise FrameRejected(Problem.NOT_JPEG, f"not a JPEG ({kind_of(data)})")
    # Some cameras pad the buffer with zeros after the end-of-image marker.
    if not data.rstrip(b"\x00").endswith(JPEG_END):
        raise FrameRejected(Problem.CORRUPT, "truncated JPEG (no end-of-image marker)")


def check_decodes(data: bytes) -> tuple[int, int]:
    """Pixel count from the header, then a full decode (blocking: run in a thread);
    returns (width, height)."""
    try:
        image = decode(data, cv2.IMREAD_GRAYSCALE)
    except ImageRefused as error:
        raise FrameRejected.of(error) from None
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE_PX:
        raise FrameRejected(
            Problem.CORRUPT, f"image of {width}x{height} pixels is too small to hold digits"
        )
    return width, height


def to_jpeg(data: bytes, quality: int = JPEG_QUALITY) -> bytes:
    """A JPEG, PNG, BMP or WebP as the JPEG the bus carries (JPEGs pass unchanged).
    Blocking."""
    try:
        return images.to_jpeg(data, quality)
    except ImageRefused as error:
        raise FrameRejected.of(error) from None


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    try:
        return images.encode_jpeg(image, quality)
    except ImageRefused as error:
        raise FrameRejected.of(error) from None


def checked_id(value: str | None, name: str) -> str | None:
    """A frame or request id from a device: kept if sane, else the frame is refused."""
    if value is None or value == "":
        return None
    if not _ID.match(value):
        raise FrameRejected(
            Problem.BAD_PROPERTY, f"{name} must be 1-64 characters of A-Z a-z 0-9 _ . : -"
        )
    return value


def frame_time(claimed: str | None, now: datetime, oldest: timedelta) -> datetime:
    """The device's own timestamp when it is believable, else arrival time.

    An ESP32 before its first NTP sync stamps 1970; one with a drifting RTC may be ahead.
    Frames queued by the broker while the gateway was away are legitimately old, up to
    the broker's session expiry (``oldest``).
    """
    if not claimed:
        return now
    try:
        ts = parse_aware(claimed)
    except ValueError:  # not a time, or one without a zone
        return now
    if ts > now + MAX_FUTURE or ts < now - oldest:
        return now
    return ts
