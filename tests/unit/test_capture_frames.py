"""Frame checks: every refusal names what was wrong; nothing a device sends crashes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.capture_gateway.frames import (
    FrameRejected,
    Problem,
    check_bytes,
    check_decodes,
    checked_id,
    frame_time,
    to_jpeg,
)
from tests.capture_helpers import make_jpeg
from tests.image_helpers import bomb_jpeg

NOW = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def png() -> bytes:
    ok, buffer = cv2.imencode(".png", np.full((40, 60, 3), 128, np.uint8))
    assert ok
    return buffer.tobytes()


@pytest.mark.parametrize(
    ("data", "problem", "words"),
    [
        (b"", Problem.EMPTY, "empty frame"),
        (make_jpeg(1) + b"\x00" * 5000, None, None),  # zero padding after the end is fine
        (png(), Problem.NOT_JPEG, "not a JPEG (PNG)"),
        (b"<html><body>500</body></html>", Problem.NOT_JPEG, "HTML"),
        (b'{"frame": 1}', Problem.NOT_JPEG, "JSON"),
        (make_jpeg(1)[:-200], Problem.CORRUPT, "truncated JPEG"),
        (b"\xff" * 5000, Problem.NOT_JPEG, "starts with ff ff ff ff"),
    ],
)
def test_bytes_check_names_the_problem(data: bytes, problem: Problem | None, words: str | None):
    if problem is None:
        check_bytes(data, 1_000_000)
        return
    with pytest.raises(FrameRejected, match=re.escape(words)) as error:
        check_bytes(data, 1_000_000)
    assert error.value.problem is problem


def test_oversize_frame_is_refused_with_both_sizes():
    data = make_jpeg(1)
    with pytest.raises(FrameRejected, match=f"frame of {len(data)} bytes exceeds the cap of 1024"):
        check_bytes(data, 1024)


def test_a_jpeg_with_good_markers_but_garbage_inside_does_not_decode():
    garbage = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"
    check_bytes(garbage, 1_000_000)
    with pytest.raises(FrameRejected, match=r"corrupt JPEG|too small"):
        check_decodes(garbage)
    assert check_decodes(make_jpeg(7)) == (160, 96)


def test_png_from_a_watched_directory_becomes_a_jpeg():
    jpeg = to_jpeg(png())
    assert jpeg.startswith(b"\xff\xd8\xff") and check_decodes(jpeg) == (60, 40)
    with pytest.raises(FrameRejected, match="not an image"):
        to_jpeg(b"plain text, not an image")


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        ("2026-11-22T04:59:00Z", datetime(2026, 11, 22, 4, 59, tzinfo=UTC)),
        ("2026-11-22T11:59:00+07:00", datetime(2026, 11, 22, 4, 59, tzinfo=UTC)),
        (None, NOW),
        ("yesterday", NOW),
        ("2026-11-22T04:59:00", NOW),  # no zone: not trusted
        ("1970-01-01T00:00:05Z", NOW),  # ESP32 before NTP
        ("2026-11-22T06:00:00Z", NOW),  # an hour ahead
    ],
)
def test_device_timestamps_are_kept_only_when_believable(claimed, expected):
    assert frame_time(claimed, NOW, WEEK) == expected


def test_ids_from_devices_are_checked():
    assert checked_id("abc-123", "request_id") == "abc-123"
    assert checked_id("", "request_id") is None
    with pytest.raises(FrameRejected, match="request_id must be 1-64"):
        checked_id("x" * 65, "request_id")
    with pytest.raises(FrameRejected, match="frame_id"):
        checked_id("has space", "frame_id")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.booleans())
def test_no_payload_crashes_the_checks(data: bytes, as_jpeg: bool):
    if as_jpeg:
        data = b"\xff\xd8\xff" + data + b"\xff\xd9"
    try:
        check_bytes(data, 2000)
        check_decodes(data)
    except FrameRejected as error:
        assert str(error)


def test_a_decompression_bomb_is_refused_by_pixel_count_before_decoding():
    bomb = bomb_jpeg()
    check_bytes(bomb, 1_000_000)  # a small, well-formed JPEG by its bytes
    for check in (check_decodes, to_jpeg):
        with pytest.raises(FrameRejected, match="20000x20000 pixels exceeds the cap") as refused:
            check(bomb)
        assert refused.value.problem is Problem.TOO_MANY_PIXELS
