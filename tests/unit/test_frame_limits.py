"""One frame cap, the bus's: the OCR worker, the broker and the gateway's config all take
it from ``MAX_FRAME_BYTES``, so a frame the gateway passes on is never refused further on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.broker.conf import MAX_PACKET_BYTES
from services.core.config.capture import CaptureConfig
from services.core.messages import MAX_FRAME_BYTES
from services.ocr_worker.lcd7 import UnreadableDisplay, decode_image


def test_the_worker_refuses_a_frame_over_the_bus_cap_by_size() -> None:
    payload = b"\xff\xd8" + bytes(MAX_FRAME_BYTES - 3) + b"\xff\xd9"
    with pytest.raises(UnreadableDisplay, match=f"exceeds {MAX_FRAME_BYTES}"):
        decode_image(payload)
    with pytest.raises(UnreadableDisplay) as at_the_cap:
        decode_image(payload[1:])  # at the cap: judged as a JPEG, not refused by size
    assert "exceeds" not in at_the_cap.value.reason


def test_the_gateway_cap_defaults_below_the_bus_cap_and_may_not_pass_it() -> None:
    assert CaptureConfig().max_frame_bytes <= MAX_FRAME_BYTES
    assert CaptureConfig(max_frame_bytes=MAX_FRAME_BYTES).max_frame_bytes == MAX_FRAME_BYTES
    with pytest.raises(ValidationError):
        CaptureConfig(max_frame_bytes=MAX_FRAME_BYTES + 1)


def test_the_broker_takes_a_whole_frame_in_one_packet() -> None:
    assert MAX_PACKET_BYTES > MAX_FRAME_BYTES
