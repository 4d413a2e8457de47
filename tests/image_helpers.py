"""Test images: one picture in each format taken, and decompression bombs (a header that
claims far more pixels than the few bytes behind it could honestly hold)."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np

FORMATS = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "WebP": ".webp"}


def encoded(image: np.ndarray, format_name: str) -> bytes:
    """``image`` in one of ``FORMATS`` (WebP lossless, so it reads as the original)."""
    extension = FORMATS[format_name]
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if extension == ".webp" else []
    ok, buffer = cv2.imencode(extension, image, params)
    assert ok
    return buffer.tobytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG whose valid header says ``width`` × ``height`` grey pixels, with one row of
    data behind it: under a kilobyte."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" * (width + 1))
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", row) + _chunk(b"IEND", b"")
    )


def bomb_jpeg(width: int = 20_000, height: int = 20_000) -> bytes:
    """A small JPEG with its frame header (SOF0) rewritten to claim ``width`` × ``height``."""
    ok, buffer = cv2.imencode(".jpg", np.full((16, 16), 128, np.uint8))
    assert ok
    data = bytearray(buffer.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
