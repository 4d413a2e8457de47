"""Message models and topics: the bus contract in code."""

from __future__ import annotations

import pytest

from services.core.messages import CaptureRequest, InvalidMessage, Reading
from services.core.quantities import QUANTITIES, QuantityKind
from services.core.topics import Topics


def test_reading_round_trips_with_utc_z():
    raw = (
        b'{"device": "pln", "ts": "2026-11-22T12:00:00+07:00", "source": "ocr",'
        b' "values": {"token_balance_kwh": 127.0}, "confidence": 0.99}'
    )
    reading = Reading.from_payload(raw)
    assert reading.ts.isoformat() == "2026-11-22T05:00:00+00:00"
    assert b'"ts":"2026-11-22T05:00:00Z"' in reading.to_payload()
    assert Reading.from_payload(reading.to_payload()) == reading


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "Invalid JSON"),
        (
            b'{"device": "pln", "ts": "2026-11-22T05:00:00Z", "source": "ocr", "values": {"furlongs": 1}}',
            "unknown quantities ['furlongs']",
        ),
        (
            b'{"device": "pln", "ts": "2026-11-22T05:00:00", "source": "ocr", "values": {"power_w": 1}}',
            "time zone",
        ),
        (
            b'{"device": "PLN!", "ts": "2026-11-22T05:00:00Z", "source": "ocr", "values": {"power_w": 1}}',
            "device",
        ),
        (
            b'{"device": "pln", "ts": "2026-11-22T05:00:00Z", "source": "ocr", "values": {}}',
            "values",
        ),
        (b"x" * 70_000, "exceeds"),
    ],
)
def test_bad_reading_is_refused_with_a_reason(payload, reason):
    with pytest.raises(InvalidMessage) as error:
        Reading.from_payload(payload)
    assert reason in str(error.value)


def test_topics_follow_the_contract():
    topics = Topics("meterhub")
    assert topics.reading("pln") == "meterhub/pln/reading"
    assert topics.capture("pln") == "meterhub/pln/cmd/capture"
    assert topics.device("keypad_cmd", "pln") == "meterhub/pln/keypad/cmd"
    assert topics.shared("ocr", topics.all_devices("frame")) == "$share/ocr/meterhub/+/frame"
    assert topics.service_availability("storage") == "meterhub/service/storage/availability"
    assert topics.device_of("meterhub/p1/telegram") == "p1"
    assert topics.kind_of("meterhub/p1/token/state") == "token_state"
    with pytest.raises(ValueError, match="not a device id"):
        topics.reading("../etc")


def test_energy_counters_are_total_increasing_in_kwh():
    for quantity in QUANTITIES.values():
        if quantity.kind is QuantityKind.COUNTER and quantity.device_class == "energy":
            assert (quantity.unit, quantity.state_class) == ("kWh", "total_increasing")
    assert QUANTITIES["token_balance_kwh"].kind is QuantityKind.BALANCE
    assert QUANTITIES["power_w"].state_class == "measurement"


@pytest.mark.parametrize("payload", [b'{"burst": 0}', b'{"burst": 11}', b'{"burst": "3x"}'])
def test_a_burst_out_of_bounds_is_refused(payload):
    with pytest.raises(InvalidMessage, match="burst"):
        CaptureRequest.from_payload(payload)


def test_a_capture_request_takes_one_photo_unless_it_asks_for_a_burst():
    assert CaptureRequest.from_payload(b'{"request_id": "r1"}').burst == 1
    assert CaptureRequest.from_payload(b'{"request_id": "r1", "burst": 3}').burst == 3
