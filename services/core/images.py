"""Photos from outside (uploads, a watched directory, ``meterhub ocr read``, the bus): which
formats are taken, and the pixel cap checked on the header before anything is decoded.

A 20000×20000 PNG of one colour is a few hundred kilobytes on disk and 1.2 GB once
decoded; OpenCV's own limit (2^30 pixels) lets it through. Pillow's image classes read
only the header when opened (the pixels are decoded on ``load()``, which is never called
here), so the size is known for the cost of a few hundred bytes and the frame is refused
before ``cv2.imdecode`` allocates anything.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from PIL import (
    BmpImagePlugin,
    ExifTags,
    Image,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

# Admits any phone photo (12 MP; a 48 MP sensor bins to 12 by default) and the largest
# camera frames with room to spare, and bounds a decode at 40 M × 3 bytes = 120 MB.
MAX_IMAGE_PIXELS = 40_000_000
JPEG_QUALITY = 90  # what another format is re-encoded at for the bus


@dataclass(frozen=True)
class ImageFormat:
    name: str
    signature: re.Pattern[bytes]  # matched at the start of the file
    opener: type[ImageFile.ImageFile]  # Pillow's class for it: parses the header on open


# The formats taken from people and devices; the bus carries JPEG only (ARCHITECTURE.md).
IMAGE_FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat("JPEG", re.compile(rb"\xff\xd8\xff"), JpegImagePlugin.JpegImageFile),
    ImageFormat("PNG", re.compile(rb"\x89PNG\r\n\x1a\n"), PngImagePlugin.PngImageFile),
    ImageFormat("BMP", re.compile(rb"BM"), BmpImagePlugin.BmpImageFile),
    ImageFormat("WebP", re.compile(rb"RIFF.{4}WEBP", re.DOTALL), WebPImagePlugin.WebPImageFile),
)
TAKEN = ", ".join(f.name for f in IMAGE_FORMATS)

# Start bytes of what is sent instead of a photo, to name it in the reason.
_OTHER_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"--", "multipart body; send the image bytes as the body"),
    (b"{", "JSON"),
    (b"<", "HTML/XML, perhaps an error page"),
)


# A phone stores a photo as its sensor saw it and says in EXIF how to turn it upright;
# OpenCV's decoder turns it, so a turn of 90° swaps the size it delivers.
_SIDEWAYS = {5, 6, 7, 8}


class Refusal(StrEnum):
    NOT_AN_IMAGE = "not_an_image"  # no format taken here
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT = "corrupt"


class ImageRefused(ValueError):
    """An image that must not be decoded; ``str(error)`` is the reason."""

    def __init__(self, refusal: Refusal, reason: str) -> None:
        super().__init__(reason)
        self.refusal = refusal


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


def kind_of(data: bytes) -> str:
    """What the bytes look like, for a reason ("PNG", "HTML/XML, ...", "starts with ...")."""
    for known in IMAGE_FORMATS:
        if known.signature.match(data):
            return known.name
    for start, name in _OTHER_KINDS:
        if data.startswith(start):
            return name
    return f"starts with {data[:4].hex(' ')}" if data else "empty"


def read_header(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> ImageHeader:
    """Format and size from the header alone; refuses other formats and more pixels
    than ``max_pixels``. Cheap: nothing is decoded."""
    known = next((f for f in IMAGE_FORMATS if f.signature.match(data)), None)
    if known is None:
        raise ImageRefused(
            Refusal.NOT_AN_IMAGE, f"not an image format taken here ({kind_of(data)}; {TAKEN})"
        )
    try:
        with known.opener(io.BytesIO(data)) as image:
            width, height = image.size
            if image.getexif().get(ExifTags.Base.Orientation) in _SIDEWAYS:
                width, height = height, width  # as decoded: OpenCV turns the pixels upright
    except Image.DecompressionBombError:  # WebP checks before its decoder allocates
        raise _too_many(known.name, None, max_pixels) from None
    except Exception:  # any failure to parse untrusted bytes gets the same answer
        raise ImageRefused(
            Refusal.CORRUPT, f"corrupt {known.name}: the header cannot be read"
        ) from None
    if width <= 0 or height <= 0:
        raise ImageRefused(Refusal.CORRUPT, f"{known.name} of {width}x{height} has no pixels")
    if width * height > max_pixels:
        raise _too_many(known.name, (width, height), max_pixels)
    return ImageHeader(known.name, width, height)


def _too_many(name: str, size: tuple[int, int] | None, max_pixels: int) -> ImageRefused:
    shown = f"{size[0]}x{size[1]} pixels" if size else "its size"
    return ImageRefused(
        Refusal.TOO_MANY_PIXELS,
        f"{name} of {shown} exceeds the cap of {max_pixels / 1e6:g} megapixels",
    )


def decode(data: bytes, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """The image, decoded only once its header passed ``read_header``. Blocking."""
    header = read_header(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None:
        raise ImageRefused(
            Refusal.CORRUPT, f"corrupt {header.format}: the image data cannot be decoded"
        )
    return image


def to_jpeg(data: bytes, quality: int = JPEG_QUALITY) -> bytes:
    """Any format taken here as JPEG for the bus; a JPEG passes unchanged once its header
    passed. Blocking."""
    if read_header(data).format == "JPEG":
        return data
    return encode_jpeg(decode(data), quality)


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageRefused(Refusal.CORRUPT, "image could not be encoded as JPEG")
    return buffer.tobytes()
