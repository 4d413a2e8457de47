"""Telegrams of several meter makes and DSMR versions (written from the public specifications).

Each CRC'd file is checked by dsmr-parser's own parser too, so a CRC typed by us cannot
hide a mistake in our checker.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from dsmr_parser import telegram_specifications
from dsmr_parser.parsers import TelegramParser

from services.protocols.dsmr import InvalidTelegram, parse_telegram

TELEGRAMS = Path(__file__).parent / "telegrams"


def telegram(name: str) -> str:
    return (TELEGRAMS / name).read_bytes().decode("ascii")  # CRLF kept, as sent


def test_dsmr42_kaifa_three_phase_with_hourly_gas() -> None:
    text = telegram("dsmr42_kaifa.txt")
    reference = TelegramParser(telegram_specifications.V4).parse(text, throw_ex=True)
    parsed = parse_telegram(text)
    assert parsed.checked and parsed.ts == datetime(2016, 11, 13, 19, 57, 57, tzinfo=UTC)
    assert parsed.values["energy_import_kwh"] == 3016.829  # T1 + T2
    assert parsed.values["power_w"] == 2027.0
    assert [parsed.values[f"power_l{p}_w"] for p in (1, 2, 3)] == [170.0, 1247.0, 209.0]
    assert parsed.values["current_l2_a"] == 6.0
    assert parsed.values["gas_m3"] == float(reference.HOURLY_GAS_METER_READING.value) == 981.443
    assert "voltage_l1_v" not in parsed.values  # a DSMR 4.2 Kaifa sends no voltages


def test_dsmr22_iskra_has_no_crc_and_no_clock() -> None:
    text = telegram("dsmr22_iskra.txt")
    received = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    parsed = parse_telegram(text, received=received)
    assert not parsed.checked and parsed.ts == received
    assert parsed.meter_id == "KAL7005109904912"
    assert parsed.values == {
        "energy_import_t1_kwh": 185.0,
        "energy_import_t2_kwh": 84.0,
        "energy_import_kwh": 269.0,
        "energy_export_t1_kwh": 13.0,
        "energy_export_t2_kwh": 19.0,
        "energy_export_kwh": 32.0,
        "power_import_w": 980.0,
        "power_export_w": 0.0,
        "power_w": 980.0,
        "gas_m3": 124.477,  # the reading on the line after 0-1:24.3.0
    }


def test_a_dsmr5_telegram_without_its_crc_is_still_rejected() -> None:
    text = telegram("fluvius_single_phase_water.txt")
    stripped = text[: text.index("!") + 1] + "\r\n"
    with pytest.raises(InvalidTelegram, match="no CRC after '!'"):
        parse_telegram(stripped)


def test_fluvius_single_phase_with_gas_and_water_and_peak_history() -> None:
    text = telegram("fluvius_single_phase_water.txt")
    TelegramParser(telegram_specifications.BELGIUM_FLUVIUS).parse(text, throw_ex=True)
    parsed = parse_telegram(text)
    assert parsed.meter_id == "1SAG1100007084"
    assert parsed.values["gas_m3"] == 412.79 and parsed.values["water_m3"] == 88.416
    assert parsed.values["quarter_avg_power_w"] == 412.0
    assert parsed.values["month_peak_power_w"] == 3221.0
    assert parsed.month_peak_at == datetime(2026, 3, 12, 17, 45, tzinfo=UTC)
    history = [(r.month_end, r.watts) for r in parsed.peak_history]
    assert history == [
        (datetime(2026, 1, 31, 23, 0, tzinfo=UTC), 2904.0),  # 1 Feb 00:00 local: January
        (datetime(2026, 2, 28, 23, 0, tzinfo=UTC), 3610.0),
    ]


def test_placeholder_months_in_the_history_are_skipped_not_fatal() -> None:
    from tests.unit.test_p1 import FLUVIUS

    parsed = parse_telegram(FLUVIUS)
    assert [r.watts for r in parsed.peak_history] == [0.0, 3975.0, 5120.0]
    assert parsed.peak_history[0].occurred is None  # 632525252525W is no time
