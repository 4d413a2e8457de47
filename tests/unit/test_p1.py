"""The simulated Fluvius meter and the DSMR parser, checked against each other and dsmr-parser."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from dsmr_parser import telegram_specifications
from dsmr_parser.parsers import TelegramParser

from services.core.quantities import QUANTITIES, QuantityKind
from services.protocols.dsmr import (
    MAX_TELEGRAM_BYTES,
    InvalidTelegram,
    crc16,
    parse_telegram,
    with_crc,
)
from services.simulator.p1 import P1MeterModel

COUNTERS = {k for k, q in QUANTITIES.items() if q.kind is QuantityKind.COUNTER}

# A Fluvius meter in the repeated hour of the autumn DST change (W: the second 02:30),
# with one phase exporting and the placeholder timestamp real meters put in peak history.
FLUVIUS = "\r\n".join([
    "/FLU5\\253769484_A",
    "",
    "0-0:96.1.4(50217)",
    "0-0:96.1.1(3153414733313034353637383930)",
    "0-0:1.0.0(251026023015W)",
    "1-0:1.8.1(004512.734*kWh)",
    "1-0:1.8.2(003890.102*kWh)",
    "1-0:2.8.1(001733.018*kWh)",
    "1-0:2.8.2(000402.550*kWh)",
    "0-0:96.14.0(0002)",
    "1-0:1.4.0(01.384*kW)",
    "1-0:1.6.0(251014184500S)(04.712*kW)",
    "0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(250801000000S)(632525252525W)(00.000*kW)"
    "(250901000000S)(250821193000S)(03.975*kW)(251001000000S)(250930074500S)(05.120*kW)",
    "1-0:1.7.0(01.254*kW)",
    "1-0:2.7.0(00.000*kW)",
    "1-0:21.7.0(00.912*kW)",
    "1-0:41.7.0(00.474*kW)",
    "1-0:61.7.0(00.000*kW)",
    "1-0:22.7.0(00.000*kW)",
    "1-0:42.7.0(00.000*kW)",
    "1-0:62.7.0(00.132*kW)",
    "1-0:32.7.0(231.4*V)",
    "1-0:52.7.0(229.8*V)",
    "1-0:72.7.0(233.1*V)",
    "1-0:31.7.0(004.07*A)",
    "1-0:51.7.0(002.12*A)",
    "1-0:71.7.0(000.61*A)",
    "0-0:96.3.10(1)",
    "0-0:17.0.0(999.9*kW)",
    "1-0:31.4.0(999*A)",
    "0-0:96.13.0()",
    "0-1:24.1.0(003)",
    "0-1:96.1.1(37464C4F32313039383736353433)",
    "0-1:24.4.0(1)",
    "0-1:24.2.3(251026022500W)(02871.406*m3)",
    "!197A",
    "",
])

# A Dutch single-phase DSMR 5 meter exporting: no Belgian lines, read by the V5 fallback.
DUTCH = "\r\n".join([
    "/Ene5\\T211 ESMR 5.0",
    "",
    "1-3:0.2.8(50)",
    "0-0:1.0.0(250714153012S)",
    "0-0:96.1.1(4530303435303034303937393739363139)",
    "1-0:1.8.1(002345.678*kWh)",
    "1-0:1.8.2(003456.789*kWh)",
    "1-0:2.8.1(000123.456*kWh)",
    "1-0:2.8.2(000234.567*kWh)",
    "0-0:96.14.0(0002)",
    "1-0:1.7.0(00.000*kW)",
    "1-0:2.7.0(01.830*kW)",
    "0-0:96.7.21(00012)",
    "0-0:96.7.9(00003)",
    "1-0:99.97.0(1)(0-0:96.7.19)(230115093012W)(0000000245*s)",
    "1-0:32.32.0(00002)",
    "1-0:32.36.0(00000)",
    "0-0:96.13.0()",
    "1-0:32.7.0(236.2*V)",
    "1-0:31.7.0(007*A)",
    "1-0:21.7.0(00.000*kW)",
    "1-0:22.7.0(01.830*kW)",
    "0-1:24.1.0(003)",
    "0-1:96.1.0(4730303339303031363232333431373137)",
    "0-1:24.2.1(250714153000S)(01234.567*m3)",
    "!FC83",
    "",
])


def expected_values(model: P1MeterModel) -> dict[str, float]:
    """What the meter displays, computed from its state: registers truncated, gauges rounded."""
    imp, exp = (int(wh) for wh in model.import_wh), (int(wh) for wh in model.export_wh)
    (i1, i2), (e1, e2) = imp, exp
    net = model.net_power_w
    p_in, p_out = round(max(net, 0.0)), round(max(-net, 0.0))
    assert model.gas_capture is not None and model.month_peak is not None
    values = {
        "energy_import_t1_kwh": i1 / 1000,
        "energy_import_t2_kwh": i2 / 1000,
        "energy_import_kwh": (i1 + i2) / 1000,
        "energy_export_t1_kwh": e1 / 1000,
        "energy_export_t2_kwh": e2 / 1000,
        "energy_export_kwh": (e1 + e2) / 1000,
        "power_import_w": p_in,
        "power_export_w": p_out,
        "power_w": p_in - p_out,
        "quarter_avg_power_w": round(model.quarter_avg_w),
        "month_peak_power_w": round(model.month_peak[1]),
        "gas_m3": int(model.gas_capture[1]) / 1000,
    }
    for p, (watts, volts) in enumerate(zip(model.phase_w, model.voltage_v, strict=True), 1):
        values[f"power_l{p}_w"] = round(max(watts, 0.0)) - round(max(-watts, 0.0))
        values[f"voltage_l{p}_v"] = round(volts * 10) / 10
        values[f"current_l{p}_a"] = round(abs(watts) / volts * 100) / 100
    return values


def test_crc16_is_crc16_arc_as_dsmr_parser_computes_it() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC
    body = FLUVIUS[: FLUVIUS.index("!") + 1]
    assert crc16(body.encode()) == TelegramParser.crc16(body) == 0x197A
    assert with_crc(body) == FLUVIUS


def test_simulated_telegram_is_valid_for_dsmr_parser() -> None:
    model = P1MeterModel(load_w=900, solar_w=3000, rng=random.Random(7))
    text = model.telegram(datetime(2026, 3, 14, 11, 0, 3, tzinfo=UTC))
    assert text.startswith("/FLU5\\") and text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only, as a meter sends
    parser = TelegramParser(telegram_specifications.BELGIUM_FLUVIUS)  # CRC checked
    telegram = parser.parse(text, throw_ex=True)
    assert telegram.P1_MESSAGE_TIMESTAMP.value == datetime(2026, 3, 14, 11, 0, 3, tzinfo=UTC)
    assert telegram.BELGIUM_VERSION_INFORMATION.value == "50217"
    assert len(telegram.BELGIUM_MAXIMUM_DEMAND_13_MONTHS) == 13
    assert telegram.MBUS_DEVICES[0].MBUS_DEVICE_TYPE.value == 3


def test_simulated_values_land_on_their_quantities() -> None:
    model = P1MeterModel(load_w=1200, solar_w=4000, rng=random.Random(3))
    start = datetime(2026, 6, 20, 10, 0, tzinfo=UTC)
    for seconds in (0, 7, 301, 1200):
        now = start + timedelta(seconds=seconds)
        parsed = parse_telegram(model.telegram(now))
        assert parsed.ts == now
        assert parsed.meter_id == "1SAG3100012345"
        assert parsed.values == expected_values(model)
        assert set(parsed.values) <= QUANTITIES.keys()


def test_hand_written_fluvius_telegram() -> None:
    parsed = parse_telegram(FLUVIUS)
    assert parsed.ts == datetime(2025, 10, 26, 1, 30, 15, tzinfo=UTC)  # 02:30:15 CET
    assert parsed.meter_id == "1SAG3104567890"
    assert parsed.values == {
        "energy_import_t1_kwh": 4512.734,
        "energy_import_t2_kwh": 3890.102,
        "energy_import_kwh": 8402.836,
        "energy_export_t1_kwh": 1733.018,
        "energy_export_t2_kwh": 402.55,
        "energy_export_kwh": 2135.568,
        "power_import_w": 1254.0,
        "power_export_w": 0.0,
        "power_w": 1254.0,
        "quarter_avg_power_w": 1384.0,
        "month_peak_power_w": 4712.0,
        "power_l1_w": 912.0,
        "power_l2_w": 474.0,
        "power_l3_w": -132.0,
        "voltage_l1_v": 231.4,
        "voltage_l2_v": 229.8,
        "voltage_l3_v": 233.1,
        "current_l1_a": 4.07,
        "current_l2_a": 2.12,
        "current_l3_a": 0.61,
        "gas_m3": 2871.406,
    }


def test_dutch_telegram_falls_back_to_dsmr5() -> None:
    parsed = parse_telegram(DUTCH)
    assert parsed.ts == datetime(2025, 7, 14, 13, 30, 12, tzinfo=UTC)
    assert parsed.meter_id == "E0045004097979619"
    assert parsed.values["power_w"] == -1830.0
    assert parsed.values["power_l1_w"] == -1830.0
    assert parsed.values["energy_import_kwh"] == 5802.467
    assert parsed.values["gas_m3"] == 1234.567
    assert "quarter_avg_power_w" not in parsed.values


def test_counters_never_decrease_over_an_hour() -> None:
    rng = random.Random(11)
    model = P1MeterModel(load_w=700, solar_w=5000, rng=random.Random(5))
    now = datetime(2026, 5, 31, 21, 40, tzinfo=UTC)  # crosses midnight into June, local
    previous = parse_telegram(model.telegram(now))
    end = now + timedelta(hours=1)
    while now < end:
        now += timedelta(seconds=rng.randint(1, 20))
        parsed = parse_telegram(model.telegram(now))
        assert parsed.ts > previous.ts
        for key in COUNTERS & parsed.values.keys():
            assert parsed.values[key] >= previous.values[key], key
        previous = parsed


def test_month_peak_moves_to_history_at_month_end() -> None:
    model = P1MeterModel(load_w=900, rng=random.Random(2))
    model.telegram(datetime(2026, 6, 30, 21, 50, tzinfo=UTC))
    assert model.month_peak is not None
    when, watts = model.month_peak  # June's peak so far; the 21:45–22:00 quarter may beat it
    assert watts > 0
    text = model.telegram(datetime(2026, 6, 30, 22, 5, tzinfo=UTC))  # 00:05 on 1 July, local
    telegram = TelegramParser(telegram_specifications.BELGIUM_FLUVIUS).parse(text, throw_ex=True)
    last = telegram.BELGIUM_MAXIMUM_DEMAND_13_MONTHS[-1]
    assert last.datetime == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # period: 1 July 00:00
    assert last.occurred in (when, datetime(2026, 6, 30, 22, 0, tzinfo=UTC))
    assert float(last.value) * 1000 >= round(watts)
    assert parse_telegram(text).values["month_peak_power_w"] == 0.0


@pytest.mark.parametrize(
    ("now", "flag"),
    [
        (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), "251026023000S"),
        (datetime(2025, 10, 26, 1, 30, tzinfo=UTC), "251026023000W"),
        (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), "260105130000W"),
    ],
)
def test_meter_time_is_brussels_with_dst_flag(now: datetime, flag: str) -> None:
    text = P1MeterModel(rng=random.Random(1)).telegram(now)
    assert f"0-0:1.0.0({flag})\r\n" in text
    assert parse_telegram(text).ts == now


def test_model_rejects_naive_and_backward_time() -> None:
    model = P1MeterModel(rng=random.Random(1))
    with pytest.raises(ValueError, match="aware"):
        model.telegram(datetime(2026, 1, 1))
    model.telegram(datetime(2026, 1, 1, 12, tzinfo=UTC))
    with pytest.raises(ValueError, match="backwards"):
        model.telegram(datetime(2026, 1, 1, 11, tzinfo=UTC))


def _corrupt(text: str) -> str:
    return text.replace("1-0:1.8.1(004512.734", "1-0:1.8.1(004512.735")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_corrupt(FLUVIUS), r"CRC mismatch \(telegram says 197A, computed [0-9A-F]{4}\)"),
        (FLUVIUS[: FLUVIUS.index("!")], r"truncated telegram \(no '!' CRC line\)"),
        (FLUVIUS.replace("!197A", "!19"), "no CRC after '!'"),
        (FLUVIUS + "0-0:1.0.0(251026023015W)\r\n", "unexpected data after the CRC"),
        ("HTTP/1.1 200 OK\r\n\r\nhello!ABCD", "not a DSMR telegram"),
        ("\x00\xff garbage", "not a DSMR telegram"),
        (FLUVIUS.replace("0-0:96.13.0()", "0-0:96.13.0(é)"), "non-ASCII"),
        ("", "empty"),
        ("  \r\n", "empty"),
        ("/FLU5\\x\r\n" + "1-0:1.8.1(000001.000*kWh)\r\n" * 400 + "!0000", "exceeds 8192"),
    ],
)
def test_bad_telegrams_are_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidTelegram, match=reason):
        parse_telegram(text)


def test_oversize_limit_is_8_kib() -> None:
    assert MAX_TELEGRAM_BYTES == 8192


def test_valid_crc_but_no_timestamp_is_rejected() -> None:
    body = FLUVIUS[: FLUVIUS.index("!") + 1].replace("0-0:1.0.0(251026023015W)\r\n", "")
    with pytest.raises(InvalidTelegram, match="timestamp"):
        parse_telegram(with_crc(body))


def test_valid_crc_but_malformed_value_is_rejected() -> None:
    body = FLUVIUS[: FLUVIUS.index("!") + 1].replace("(004512.734*kWh)", "(45x2.734*kWh)")
    with pytest.raises(InvalidTelegram, match="unreadable line"):
        parse_telegram(with_crc(body))


def test_broken_line_we_do_not_use_keeps_the_reading() -> None:
    body = FLUVIUS[: FLUVIUS.index("!") + 1].replace("(3)(1-0:1.6.0)", "(9)(1-0:1.6.0)")
    assert parse_telegram(with_crc(body)).values == parse_telegram(FLUVIUS).values


def test_invalid_telegram_is_a_value_error() -> None:
    assert issubclass(InvalidTelegram, ValueError)


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra
    pass
else:

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        load_w=st.floats(0, 6000),
        solar_w=st.floats(0, 10000),
        seed=st.integers(0, 2**32),
        start=st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
        steps=st.lists(st.integers(1, 1800), min_size=1, max_size=6),
    )
    def test_simulated_telegrams_round_trip(
        load_w: float, solar_w: float, seed: int, start: datetime, steps: list[int]
    ) -> None:
        model = P1MeterModel(load_w=load_w, solar_w=solar_w, rng=random.Random(seed))
        now, previous = start.replace(microsecond=0), None
        for seconds in [0, *steps]:
            now += timedelta(seconds=seconds)
            parsed = parse_telegram(model.telegram(now))
            assert parsed.ts == now
            assert parsed.values == expected_values(model)
            if previous is not None:
                for key in COUNTERS & previous.values.keys():
                    assert parsed.values[key] >= previous.values[key], key
            previous = parsed
