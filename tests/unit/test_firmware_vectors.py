"""The firmware's shared test vectors, checked against the Python side of the bus.

The same files under firmware/esp32_mqtt/test/vectors/ are checked by the firmware's host
tests (`make firmware-test`), so a telegram, a DL/T 645 frame or a message shape that one
side reads differently from the other fails here or there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.core.messages import (
    CaptureRequest,
    InvalidMessage,
    KeypadAck,
    KeypadCommand,
    Reading,
)
from services.core.topics import DEVICE_TOPICS, Topics, is_device_id
from services.protocols import dsmr

VECTORS = Path(__file__).resolve().parents[2] / "firmware" / "esp32_mqtt" / "test" / "vectors"


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def named(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(case, id=case.get("name", case.get("payload", "?"))) for case in cases]


# --- DSMR ---------------------------------------------------------------------------

DSMR = load("dsmr.json")


@pytest.mark.parametrize("case", DSMR["crc16_arc"], ids=lambda c: c["crc"])
def test_crc16_arc_vectors(case: dict[str, Any]) -> None:
    assert dsmr.crc16(case["ascii"].encode("ascii")) == int(case["crc"], 16)


@pytest.mark.parametrize("case", named(DSMR["telegrams"]))
def test_telegram_vectors_parse_as_the_bridge_frames_them(case: dict[str, Any]) -> None:
    if not case["valid"]:
        with pytest.raises(dsmr.InvalidTelegram) as error:
            dsmr.parse_telegram(case["text"])
        assert str(error.value) == case["error"]
        return
    parsed = dsmr.parse_telegram(case["text"])
    if "reading" in case:
        expected = case["reading"]
        if "ts" in expected:  # DSMR 2.2/3 telegrams carry no time
            assert parsed.ts == datetime.fromisoformat(expected["ts"])
        assert parsed.meter_id == expected["meter_id"]
        assert parsed.values == expected["values"]


# --- DL/T 645 -----------------------------------------------------------------------

DLT = load("dlt645.json")
try:
    from services.protocols import dlt645
except ImportError:  # the Python codec came after the firmware's; only its part waits for it
    dlt645 = None
needs_dlt645 = pytest.mark.skipif(
    dlt645 is None,
    reason="services/protocols/dlt645.py not in this tree: DL/T 645 vectors unchecked",
)


def frame_bytes(text: str) -> bytes:
    return bytes.fromhex(text)


@needs_dlt645
@pytest.mark.parametrize("case", named(DLT["requests"]))
def test_read_request_vectors(case: dict[str, Any]) -> None:
    address = case["address"] or dlt645.BROADCAST["1997"]
    item = dlt645.data_id("1997", int(case["data_id"], 16))
    built = dlt645.build_frame(
        address, dlt645.READ["1997"], item.code.to_bytes(2, "little"), preamble=case["preamble"]
    )
    assert built == frame_bytes(case["frame"])
    if case["preamble"]:
        assert dlt645.read_request(address, item) == built


@needs_dlt645
@pytest.mark.parametrize("case", named(DLT["replies"]))
def test_reply_vectors(case: dict[str, Any]) -> None:
    item = dlt645.data_id("1997", int(case["data_id"], 16))
    raw = frame_bytes(case["frame"])
    if "error" not in case:
        frame = dlt645.parse_frame(raw)
        assert frame.address == case["meter"]
        answer = dlt645.decode_reply(frame, item)
        assert item.quantity == case["quantity"]
        assert answer.reading_value == case["value"]
        return
    expected = dlt645.MeterError if case.get("meter_error") else dlt645.FrameError
    with pytest.raises(expected) as error:
        dlt645.decode_reply(dlt645.parse_frame(raw), item)
    assert str(error.value) == case["error"]


@needs_dlt645
@pytest.mark.parametrize("phases", ["1", "3"])
def test_default_poll_ids_match_the_gateway(phases: str) -> None:
    assert [d.label for d in dlt645.poll_ids("1997", int(phases))] == DLT["poll_ids"][phases]


@needs_dlt645
@pytest.mark.parametrize("cycle", named(DLT["cycles"]))
def test_poll_cycle_vector_gives_the_same_reading(cycle: dict[str, Any]) -> None:
    values: dict[str, float] = {}
    refused = []
    for step in cycle["replies"]:
        if step["frame"] is None:
            continue  # the meter stayed silent
        item = dlt645.data_id("1997", int(step["data_id"], 16))
        try:
            answer = dlt645.decode_reply(dlt645.parse_frame(frame_bytes(step["frame"])), item)
        except dlt645.MeterError:
            refused.append(step["data_id"])
            continue
        values[item.quantity] = answer.reading_value
    assert values == cycle["values"]
    assert refused == cycle["not_supported"]
    reading = Reading.from_payload(cycle["json"])
    assert reading.values == cycle["values"]
    assert reading.to_payload().decode() == cycle["json"]


# --- Reading JSON -------------------------------------------------------------------

READINGS = load("readings.json")


@pytest.mark.parametrize("case", named(READINGS["readings"]))
def test_firmware_reading_json_is_what_python_writes(case: dict[str, Any]) -> None:
    reading = Reading.from_payload(case["json"])
    assert reading.device == case["device"]
    assert reading.ts == datetime.fromtimestamp(case["epoch_s"], UTC)
    assert reading.meter_id == case["meter_id"]
    assert reading.values == {
        key: float(Decimal(units).scaleb(-places)) for key, units, places in case["values"]
    }
    assert reading.to_payload().decode() == case["json"]


# --- keypad -------------------------------------------------------------------------

KEYPAD = load("keypad.json")


@pytest.mark.parametrize("case", named(KEYPAD["commands"]))
def test_keypad_command_vectors_agree_with_the_model(case: dict[str, Any]) -> None:
    if not case["python"]:
        with pytest.raises(InvalidMessage):
            KeypadCommand.from_payload(case["payload"])
        return
    command = KeypadCommand.from_payload(case["payload"])
    if "firmware" in case:  # accepted by both: the same fields
        assert command.model_dump() == case["firmware"]
    else:  # the firmware refuses it for a limit of its own, and says so
        assert case["error"]


def all_acks() -> list[str]:
    return [
        step[2]
        for sequence in KEYPAD["sequences"]
        for step in sequence["expect"]
        if step[1] == "ack"
    ]


@pytest.mark.parametrize("payload", all_acks())
def test_every_ack_the_firmware_sends_is_a_valid_keypad_ack(payload: str) -> None:
    ack = KeypadAck.from_payload(payload)
    assert ack.to_payload().decode() == payload


def test_every_sequence_command_is_valid_for_the_model_or_refused_by_the_firmware() -> None:
    for sequence in KEYPAD["sequences"]:
        for step in sequence["steps"]:
            if "command" not in step:
                continue
            command = KeypadCommand.from_payload(step["command"])
            unknown = {key for key in command.keys if key not in KEYPAD["layout"]}
            refused = any(
                '"state":"error"' in s[2] and '"pressed":0' in s[2]
                for s in sequence["expect"]
                if s[1] == "ack"
            )
            assert not unknown or refused, sequence["name"]


# --- capture requests ---------------------------------------------------------------


@pytest.mark.parametrize("case", load("capture.json")["requests"], ids=lambda c: c["payload"][:20])
def test_capture_request_vectors(case: dict[str, Any]) -> None:
    if case["python"]:
        request = CaptureRequest.from_payload(case["payload"])
        if case["request_id"]:
            assert request.request_id == case["request_id"]
    else:
        with pytest.raises(InvalidMessage):
            CaptureRequest.from_payload(case["payload"])


# --- topics -------------------------------------------------------------------------

TOPICS = load("topics.json")


@pytest.mark.parametrize("kind", sorted(TOPICS["topics"]))
def test_firmware_topic_table_matches_python(kind: str) -> None:
    assert kind in DEVICE_TOPICS, f"the firmware knows {kind!r}, services/core/topics.py does not"
    topics = Topics(TOPICS["prefix"])
    assert topics.device(kind, TOPICS["device"]) == TOPICS["topics"][kind]


def test_device_id_rule_matches_python() -> None:
    assert all(is_device_id(d) for d in TOPICS["device_ids"]["valid"])
    assert not any(is_device_id(d) for d in TOPICS["device_ids"]["invalid"])
