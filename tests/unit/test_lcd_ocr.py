"""The simulated PLN meter's camera frames and the LCD reader, tested against each other.

The reader must return exactly what the display shows, or raise with a reason: a
plausible but wrong balance is the one outcome that is never acceptable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from services.core.config.simulator import FrameEffects
from services.core.sevenseg import SEGMENTS, decode
from services.ocr_worker.lcd7 import UnreadableDisplay, decode_image, read_lcd7
from services.simulator.lcd import encode_jpeg, render_lcd_frame

DIGITS, DECIMALS = 6, 2

EffectsFor = Callable[[np.random.Generator], FrameEffects]


def _shown(units: int, decimals: int = DECIMALS) -> str:
    """How the meter shows a balance in hundredths: no leading zeros before the point."""
    whole, fraction = divmod(units, 10**decimals)
    return f"{whole}.{fraction:0{decimals}d}" if decimals else str(whole)


def _balances(count: int, seed: int, digits: int = DIGITS) -> list[str]:
    """Balances of every length, with short ones and runs of the narrow 1 and full 8."""
    rng = np.random.default_rng(seed)
    fixed = [0, 5, 100, 111, 888, 1_111, 10_000, 18_181, 10 ** (digits - 1), 10**digits - 1]
    units = list(fixed)
    while len(units) < count:
        length = int(rng.integers(1, digits + 1))
        if len(units) % 4 == 0:
            units.append(int("".join(rng.choice(["1", "8"], size=length))))
        else:
            units.append(int(rng.integers(0, 10**length)))
    return [_shown(u) for u in units[:count]]


MILD_LIMITS = FrameEffects(blur=1.2, noise=10, perspective=0.05, glare=0.4)


def _mild(rng: np.random.Generator) -> FrameEffects:
    if rng.random() < 0.25:
        return MILD_LIMITS  # every mild effect at its limit at once
    return FrameEffects(
        blur=rng.uniform(0, 1.2),
        noise=rng.uniform(0, 10),
        perspective=rng.uniform(0, 0.05),
        glare=rng.uniform(0, 0.4),
    )


def _clean(rng: np.random.Generator) -> FrameEffects:
    return FrameEffects()


def _photograph(
    text: str, digits: int, effects: FrameEffects, rng: np.random.Generator
) -> np.ndarray:
    """A frame as it travels: rendered, JPEG-encoded, decoded by the worker."""
    return decode_image(encode_jpeg(render_lcd_frame(text, digits, effects, rng)))


def _misreads(
    texts: list[str], effects_for: EffectsFor, seed: int, digits: int = DIGITS
) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    misses = []
    for text in texts:
        image = _photograph(text, digits, effects_for(rng), rng)
        try:
            reading = read_lcd7(image, digits, DECIMALS)
        except UnreadableDisplay as error:
            misses.append((text, f"raised: {error}"))
            continue
        expected = text.replace(".", "")
        if reading.text != expected or reading.value != int(expected) / 10**DECIMALS:
            misses.append((text, reading.text))
    return misses


def test_every_segment_pattern_decodes_back() -> None:
    for char, segments in SEGMENTS.items():
        assert decode(segments) == char
    assert decode(frozenset("abcdefg") - {"a", "d"}) is None


def test_reads_every_clean_frame_exactly() -> None:
    assert _misreads(_balances(200, seed=1), _clean, seed=2) == []


def test_reads_every_mildly_degraded_frame_exactly() -> None:
    assert _misreads(_balances(200, seed=3), _mild, seed=4) == []


def test_reads_five_whole_digits_on_a_seven_digit_display() -> None:
    texts = ["99999.99", "10000.00", "81818.18", "11111.11", *_balances(26, seed=5, digits=7)]
    assert _misreads(texts, _mild, seed=6, digits=7) == []


def test_reading_carries_a_box_and_confidence_per_digit() -> None:
    rng = np.random.default_rng(7)
    image = _photograph("127.03", DIGITS, FrameEffects(), rng)
    reading = read_lcd7(image, DIGITS, DECIMALS)
    assert (reading.text, reading.value) == ("12703", 127.03)
    assert len(reading.boxes) == len(reading.confidences) == 5
    assert all(0.5 <= c <= 1.0 for c in reading.confidences)
    height, width = image.shape[:2]
    lefts = [x for x, _, _, _ in reading.boxes]
    assert lefts == sorted(lefts)
    for x, y, w, h in reading.boxes:
        assert x >= 0 and y >= 0
        assert x + w <= width and y + h <= height
        assert 1.2 < h / w < 3


def test_strong_effects_raise_rather_than_misread() -> None:
    rng = np.random.default_rng(8)
    texts = _balances(40, seed=9)
    strong = [FrameEffects(glare=0.8), FrameEffects(blur=3.5), FrameEffects(noise=50, blur=2)]
    for i, text in enumerate(texts):
        image = _photograph(text, DIGITS, strong[i % len(strong)], rng)
        try:
            reading = read_lcd7(image, DIGITS, DECIMALS)
        except UnreadableDisplay:
            continue
        assert reading.text == text.replace(".", "")


def _jpeg() -> bytes:
    rng = np.random.default_rng(10)
    return encode_jpeg(render_lcd_frame("127.03", DIGITS, FrameEffects(), rng))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (np.random.default_rng(11).bytes(4000), "not a JPEG"),
        (b"GIF89a" + bytes(100), "not a JPEG"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), r"not a JPEG image \(PNG\)"),
        (_jpeg()[:5000], "corrupt JPEG"),
        (_jpeg()[:20] + np.random.default_rng(12).bytes(3000) + b"\xff\xd9", "corrupt JPEG"),
    ],
    ids=["empty", "random", "gif", "png", "truncated", "garbled"],
)
def test_unusable_payloads_raise_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDisplay, match=reason):
        decode_image(payload)


@pytest.mark.parametrize(
    "image",
    [
        np.full((480, 640, 3), 128, np.uint8),
        np.random.default_rng(13).integers(0, 256, (480, 640, 3), dtype=np.uint8),
    ],
    ids=["blank grey", "noise"],
)
def test_frames_without_a_display_raise(image: np.ndarray) -> None:
    with pytest.raises(UnreadableDisplay, match="no LCD display found"):
        read_lcd7(image, DIGITS, DECIMALS)


def test_a_blank_display_raises() -> None:
    image = _photograph("", DIGITS, FrameEffects(), np.random.default_rng(14))
    with pytest.raises(UnreadableDisplay, match="no digits"):
        read_lcd7(image, DIGITS, DECIMALS)


def test_a_misplaced_decimal_point_raises() -> None:
    # The display shows 1270.3 where two decimals are expected: the point is checked.
    image = _photograph("1270.3", DIGITS, FrameEffects(), np.random.default_rng(15))
    with pytest.raises(UnreadableDisplay, match="decimal point"):
        read_lcd7(image, DIGITS, DECIMALS)


def test_renderer_refuses_what_the_display_cannot_show() -> None:
    rng = np.random.default_rng(16)
    with pytest.raises(ValueError, match="needs 7 digits"):
        render_lcd_frame("12345.67", DIGITS, FrameEffects(), rng)
    with pytest.raises(ValueError, match="cannot show"):
        render_lcd_frame("12A.00", DIGITS, FrameEffects(), rng)
