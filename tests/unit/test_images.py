"""Photos from outside: the formats taken, and the pixel cap read from the header before
anything is decoded."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from services.core.images import (
    IMAGE_FORMATS,
    MAX_IMAGE_PIXELS,
    ImageRefused,
    Refusal,
    decode,
    read_header,
    to_jpeg,
)
from tests.image_helpers import FORMATS, bomb_jpeg, bomb_png, encoded

PICTURE = np.dstack([np.tile(np.arange(0, 240, 3, dtype=np.uint8), (60, 1))] * 3)  # 80x60


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_taken_is_read_and_becomes_a_jpeg_for_the_bus(name):
    data = encoded(PICTURE, name)
    header = read_header(data)
    assert (header.format, header.width, header.height) == (name, 80, 60)
    jpeg = to_jpeg(data)
    assert jpeg.startswith(b"\xff\xd8\xff")
    assert (jpeg == data) == (name == "JPEG")  # a JPEG passes unchanged
    assert np.abs(decode(jpeg).astype(int) - PICTURE).mean() < 3


@pytest.mark.parametrize(
    ("bomb", "words"),
    [
        (bomb_png(), "PNG of 20000x20000 pixels exceeds the cap of 40 megapixels"),
        (bomb_jpeg(), "JPEG of 20000x20000 pixels exceeds the cap of 40 megapixels"),
        (bomb_png(7000, 6000), "PNG of 7000x6000 pixels exceeds"),
    ],
    ids=["png", "jpeg", "png-42MP"],
)
def test_a_decompression_bomb_is_refused_by_its_header(bomb, words):
    assert len(bomb) < 1000
    for check in (read_header, decode, to_jpeg):
        with pytest.raises(ImageRefused, match=words) as refused:
            check(bomb)
        assert refused.value.refusal is Refusal.TOO_MANY_PIXELS


@pytest.mark.parametrize("name", ["JPEG", "PNG", "WebP"])
def test_a_photo_stored_sideways_has_the_size_it_is_decoded_at(name):
    """A phone writes its sensor's pixels and an EXIF turn; the decoder turns them, so
    the header's size is the turned one (a ROI checked against it must fit the frame)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # turn 90° clockwise to view
    buffer = io.BytesIO()
    Image.fromarray(PICTURE).save(buffer, name.upper(), exif=exif)
    data = buffer.getvalue()
    header = read_header(data)
    assert (header.width, header.height) == (60, 80)
    assert decode(data).shape[:2] == (header.height, header.width)


def test_the_cap_admits_a_phone_photo():
    assert MAX_IMAGE_PIXELS >= 4000 * 3000 * 3
    header = read_header(bomb_jpeg(4000, 3000))  # a 12 MP photo's header passes
    assert (header.width, header.height) == (4000, 3000)


@pytest.mark.parametrize(
    ("data", "refusal", "words"),
    [
        (b"", Refusal.NOT_AN_IMAGE, "not an image format taken here (empty;"),
        (b"GIF89a" + bytes(64), Refusal.NOT_AN_IMAGE, "(GIF; JPEG, PNG, BMP, WebP)"),
        (b"<html>", Refusal.NOT_AN_IMAGE, "HTML"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), Refusal.CORRUPT, "corrupt PNG"),
        (b"BM" + bytes(64), Refusal.CORRUPT, "corrupt BMP"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(64), Refusal.CORRUPT, "corrupt WebP"),
    ],
)
def test_what_is_not_a_readable_image_is_named(data, refusal, words):
    with pytest.raises(ImageRefused) as refused:
        to_jpeg(data)
    assert refused.value.refusal is refusal and words in str(refused.value)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([f.name for f in IMAGE_FORMATS]), st.binary(max_size=2000))
def test_no_bytes_behind_a_known_signature_crash_the_checks(name, tail):
    data = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG\r\n\x1a\n", "BMP": b"BM"}.get(
        name, b"RIFF\x00\x00\x00\x00WEBP"
    ) + tail
    try:
        to_jpeg(data)
    except ImageRefused as error:
        assert str(error)
