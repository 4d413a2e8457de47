"""DL/T 645 frames checked byte for byte, with checksums worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.protocols.dlt645 import (
    DATA_IDS,
    FrameError,
    MeterError,
    address_bytes,
    build_frame,
    data_id,
    decode_reply,
    describe,
    encode_value,
    error_frame,
    parse_frame,
    poll_ids,
    read_address_request,
    read_request,
    reply_frame,
    split_frame,
)


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_address_is_bcd_least_significant_pair_first() -> None:
    assert address_bytes("123456789012") == hx("12 90 78 56 34 12")
    assert address_bytes("1") == hx("01 00 00 00 00 00")
    with pytest.raises(ValueError, match="12 digits"):
        address_bytes("1234567890123")


def test_1997_read_total_import_request() -> None:
    # 68+01+68+01+02+43+C3 = 0x1DA -> checksum DA; 9010 goes out as 10 90, +0x33 = 43 C3.
    frame = read_request("000000000001", data_id("1997", 0x9010))
    assert frame == hx("FE FE FE FE 68 01 00 00 00 00 00 68 01 02 43 C3 DA 16")


def test_2007_read_total_import_request_with_wildcard_address() -> None:
    # 68 + 6*AA + 68 + 11 + 04 + 33 33 34 33 = 0x5AE -> checksum AE.
    frame = read_request("AAAAAAAAAAAA", data_id("2007", 0x00010000))
    assert frame == hx("FE FE FE FE 68 AA AA AA AA AA AA 68 11 04 33 33 34 33 AE 16")


def test_2007_read_address_request() -> None:
    # 68 + 6*AA + 68 + 13 + 00 = 0x4DF -> checksum DF.
    assert read_address_request() == hx("FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16")


def test_1997_energy_reply_decodes_as_total_not_t1() -> None:
    # 123456.78 kWh = BCD 12 34 56 78, sent 78 56 34 12, +0x33 = AB 89 67 45;
    # 68+01+68+81+06+43+C3+AB+89+67+45 = 1086 = 0x43E -> checksum 3E.
    raw = hx("FE FE 68 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3E 16")
    total = data_id("1997", 0x9010)
    assert reply_frame("000000000001", total, Decimal("123456.78")) == b"\xfe\xfe" + raw
    answer = decode_reply(parse_frame(raw), total)
    assert answer.value == Decimal("123456.78")
    assert total.quantity == "energy_import_kwh"  # the original reader's bug: stored as T1
    assert data_id("1997", 0x9011).quantity == "energy_import_t1_kwh"
    assert answer.reading_value == 123456.78


def test_1997_voltage_and_power_replies() -> None:
    voltage = data_id("1997", 0xB611)
    raw = reply_frame("000000000001", voltage, Decimal(229))
    assert raw[14:18] == hx("44 E9 5C 35")  # B611 -> 11 B6; 229 V -> 29 02; each +0x33
    assert decode_reply(parse_frame(raw), voltage).reading_value == 229.0
    power = data_id("1997", 0xB630)
    raw = reply_frame("000000000001", power, Decimal("1.2345"))
    assert raw[16:19] == hx("78 56 34")  # 01.2345 kW -> 45 23 01 (+0x33)
    assert decode_reply(parse_frame(raw), power).reading_value == 1234.5


def test_error_reply_names_its_bits() -> None:
    # 68+01+68+C1+01+35 = 0x1C8 -> checksum C8; status 02 + 0x33 = 35.
    raw = hx("68 01 00 00 00 00 00 68 C1 01 35 C8 16")
    assert error_frame("000000000001", "1997", 0x02) == b"\xfe" * 4 + raw
    with pytest.raises(MeterError, match="no such data identifier"):
        decode_reply(parse_frame(raw), data_id("1997", 0x9010))


def test_date_time_and_address_registers() -> None:
    when = data_id("1997", 0xC010)
    assert encode_value(when, date(2026, 11, 24)) == hx("02 24 11 26")  # Tuesday = 2
    raw = reply_frame("1", when, date(2026, 11, 24))
    assert decode_reply(parse_frame(raw), when).value == date(2026, 11, 24)
    clock = data_id("2007", 0x04000102)
    raw = reply_frame("1", clock, time(23, 59, 7))
    assert decode_reply(parse_frame(raw), clock).value == time(23, 59, 7)
    own = data_id("1997", 0xC032)
    raw = reply_frame("000012345678", own, "000012345678")
    assert decode_reply(parse_frame(raw), own).value == "000012345678"


def test_2007_signed_power_is_negative_when_exporting() -> None:
    power = data_id("2007", 0x02030000)
    raw = reply_frame("1", power, Decimal("-0.8765"))
    assert decode_reply(parse_frame(raw), power).reading_value == -876.5


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (hx("68 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3F 16"), "bad checksum .*3F.*3E"),
        (hx("68 01 00 00 00 00 00 68 81 06 43 C3 AB 89"), "truncated frame"),
        (hx("68 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3E 17"), "no 0x16 end"),
        (hx("69 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3E 16"), "no 0x68 start"),
        (hx("68 01 00 00 00 00 00 00 81 06 43 C3 AB 89 67 45 3E 16"), "no second 0x68"),
        (hx("FE FE FE"), "preamble only"),
    ],
)
def test_bad_frames_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        parse_frame(raw)


def test_non_bcd_value_is_a_frame_error() -> None:
    total = data_id("1997", 0x9010)
    raw = build_frame("1", 0x81, hx("10 90 AB 00 00 00"))
    with pytest.raises(FrameError, match="not BCD"):
        decode_reply(parse_frame(raw), total)


def test_reply_for_another_register_is_refused() -> None:
    raw = reply_frame("1", data_id("1997", 0x9011), Decimal(1))
    with pytest.raises(FrameError, match="asked for 9010"):
        decode_reply(parse_frame(raw), data_id("1997", 0x9010))


def test_split_frame_skips_noise_and_waits_for_the_rest() -> None:
    frame = reply_frame("1", data_id("1997", 0x9010), Decimal("5"))
    stream = b"\x00\x68\x99" + frame + b"\xfe"
    got, rest = split_frame(stream[:15])
    assert got is None
    got, rest = split_frame(stream)
    assert got is not None and parse_frame(got).data[:2] == hx("10 90")
    assert rest == b"\xfe"


def test_describe_gives_plain_json_fields() -> None:
    raw = reply_frame("000012345678", data_id("1997", 0x9010), Decimal("42.5"))
    assert describe(raw) == {
        "address": "000012345678",
        "control": "0x81",
        "edition": "1997",
        "direction": "meter→host",
        "error_reply": False,
        "data": "1090" + "50420000",
        "data_id": "9010",
        "name": "active import total",
        "value": 42.5,
        "unit": "kWh",
        "quantity": "energy_import_kwh",
        "quantity_value": 42.5,
    }


def test_poll_list_of_a_single_phase_1997_meter() -> None:
    keys = sorted(d.quantity or "" for d in poll_ids("1997"))
    assert "energy_import_kwh" in keys and "energy_import_t4_kwh" in keys
    assert "voltage_l2_v" not in keys and "power_l1_w" not in keys
    assert "reactive_energy_kvarh" in keys and "power_w" in keys


numeric = [d for d in DATA_IDS.values() if d.kind == "bcd"]


@given(
    item=st.sampled_from(numeric),
    digits=st.integers(0, 10**12),
    negative=st.booleans(),
    address=st.text("0123456789", min_size=12, max_size=12),
)
def test_every_numeric_register_round_trips(item, digits, negative, address) -> None:
    limit = 10 ** (item.size * 2 - (1 if item.signed else 0)) - 1
    scaled = digits % (limit + 1)
    value = Decimal(-scaled if negative and item.signed else scaled).scaleb(-item.decimals)
    frame = parse_frame(reply_frame(address, item, value))
    assert frame.address == address
    assert decode_reply(frame, item).value == value


@given(st.binary(max_size=40))
def test_parser_never_crashes_on_noise(noise: bytes) -> None:
    try:
        frame = parse_frame(noise)
    except FrameError:
        return
    assert frame.to_bytes(preamble=False) == noise.lstrip(b"\xfe")
