"""Every JSON message on the bus: any payload parses or is refused with a reason, never raises
anything else, and what parses survives the round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.messages import (
    CaptureRequest,
    InvalidMessage,
    KeypadAck,
    KeypadCommand,
    Message,
    OcrRois,
    Reading,
    Rejected,
    TokenSet,
    TokenState,
)
from tests.fuzz.strategies import BAD_BYTES, QUANTITY_NAMES, SETTINGS, broken_reading

MESSAGES: list[type[Message]] = [
    Reading,
    Rejected,
    CaptureRequest,
    TokenSet,
    TokenState,
    KeypadCommand,
    KeypadAck,
    OcrRois,
]


def parses_or_says_why(model: type[Message], payload: bytes) -> Message | None:
    try:
        message = model.from_payload(payload)
    except InvalidMessage as error:
        assert str(error).strip(), "a refusal without a reason"
        return None
    assert model.from_payload(message.to_payload()) == message
    return message


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.__name__)
@settings(**SETTINGS)
@given(payload=BAD_BYTES)
def test_any_payload_parses_or_is_refused_with_a_reason(model, payload: bytes) -> None:
    parses_or_says_why(model, payload)


@settings(**SETTINGS)
@given(payload=broken_reading())
def test_a_broken_reading_is_refused_and_the_reason_names_the_field(payload: bytes) -> None:
    reading = parses_or_says_why(Reading, payload)
    if reading is not None:  # a change that happens to be valid (e.g. confidence 0)
        assert reading.values and all(q in QUANTITY_NAMES for q in reading.values)


@settings(**SETTINGS)
@given(
    values=st.dictionaries(
        st.sampled_from(QUANTITY_NAMES),
        st.floats(allow_nan=False, allow_infinity=False),
        min_size=1,
    ),
    device=st.from_regex(r"[a-z0-9_-]{1,20}", fullmatch=True),
    ts=st.datetimes(timezones=st.timezones()),
)
def test_every_valid_reading_round_trips(values, device, ts) -> None:
    reading = Reading(device=device, ts=ts, source="manual", values=values)
    again = Reading.from_payload(reading.to_payload())
    assert again == reading and again.ts.utcoffset().total_seconds() == 0


def test_oversized_payload_is_refused_before_parsing() -> None:
    huge = json.dumps({"device": "m1", "pad": "x" * 200_000}).encode()
    with pytest.raises(InvalidMessage, match="exceeds"):
        Reading.from_payload(huge)
