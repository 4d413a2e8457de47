"""DSMR P1 telegrams → catalogue values, read with dsmr-parser's specifications.

Framing and CRC are checked here before dsmr-parser sees the text, so a rejected telegram
carries a reason a person can act on (its own errors are unformatted and give the CRC in
decimal). One table then maps dsmr-parser's objects onto quantities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dsmr_parser import telegram_specifications
from dsmr_parser.objects import Telegram
from dsmr_parser.value_types import timestamp as dsmr_timestamp

MAX_TELEGRAM_BYTES = 8 * 1024

Specification = Mapping[str, Any]


class InvalidTelegram(ValueError):
    """A telegram that cannot be turned into a reading; ``str(error)`` is the reason."""


@dataclass(frozen=True)
class PeakRecord:
    """One month of the meter's 0-0:98.1.0 history: the month ends at ``month_end``."""

    month_end: datetime
    occurred: datetime | None
    watts: float


@dataclass(frozen=True)
class ParsedTelegram:
    ts: datetime  # the meter's own clock, UTC (DSMR 2.2/3: the time it was received)
    values: dict[str, float]
    meter_id: str | None
    month_peak_at: datetime | None = None  # 1-0:1.6.0's stamp (the peak quarter's end)
    peak_history: tuple[PeakRecord, ...] = ()
    checked: bool = True  # CRC verified (DSMR 2.2/3 telegrams carry none)


# --- CRC-16/ARC (reflected poly 0x8005, init 0), the checksum DSMR 4+ puts after '!' ---


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def with_crc(body: str) -> str:
    """Close a telegram written from '/' up to and including '!' with its CRC line."""
    if not body.startswith("/") or not body.endswith("!"):
        raise ValueError("a telegram body runs from '/' up to and including '!'")
    return f"{body}{crc16(body.encode('ascii')):04X}\r\n"


# --- mapping: dsmr-parser object name → contributions (quantity, factor) ---
# Several objects may add into one quantity: that is how the tariff totals and the nets
# (import − export) are formed, without a branch per case. dsmr-parser gives power in kW.

_ONE, _KW = Decimal(1), Decimal(1000)

_CONTRIBUTIONS: dict[str, tuple[tuple[str, Decimal], ...]] = {
    "ELECTRICITY_USED_TARIFF_1": (("energy_import_t1_kwh", _ONE), ("energy_import_kwh", _ONE)),
    "ELECTRICITY_USED_TARIFF_2": (("energy_import_t2_kwh", _ONE), ("energy_import_kwh", _ONE)),
    "ELECTRICITY_DELIVERED_TARIFF_1": (
        ("energy_export_t1_kwh", _ONE),
        ("energy_export_kwh", _ONE),
    ),
    "ELECTRICITY_DELIVERED_TARIFF_2": (
        ("energy_export_t2_kwh", _ONE),
        ("energy_export_kwh", _ONE),
    ),
    "CURRENT_ELECTRICITY_USAGE": (("power_import_w", _KW), ("power_w", _KW)),
    "CURRENT_ELECTRICITY_DELIVERY": (("power_export_w", _KW), ("power_w", -_KW)),
    "BELGIUM_CURRENT_AVERAGE_DEMAND": (("quarter_avg_power_w", _KW),),
    "BELGIUM_MAXIMUM_DEMAND_MONTH": (("month_peak_power_w", _KW),),
    **{f"INSTANTANEOUS_VOLTAGE_L{p}": ((f"voltage_l{p}_v", _ONE),) for p in (1, 2, 3)},
    **{f"INSTANTANEOUS_CURRENT_L{p}": ((f"current_l{p}_a", _ONE),) for p in (1, 2, 3)},
    **{f"INSTANTANEOUS_ACTIVE_POWER_L{p}_POSITIVE": ((f"power_l{p}_w", _KW),) for p in (1, 2, 3)},
    **{f"INSTANTANEOUS_ACTIVE_POWER_L{p}_NEGATIVE": ((f"power_l{p}_w", -_KW),) for p in (1, 2, 3)},
}

# What a P1 meter's own objects give, in table order: Home Assistant learns these sensors
# from here. Gas and water come from M-Bus devices that may or may not be attached.
ELECTRICITY_QUANTITIES: tuple[str, ...] = tuple(
    dict.fromkeys(key for parts in _CONTRIBUTIONS.values() for key, _ in parts)
)

# M-Bus devices (EN 13757-3 device type) → quantity of their meter reading.
_MBUS_QUANTITIES = {3: "gas_m3", 7: "water_m3"}
_MBUS_DEFAULT_TYPE = 3  # a device that does not state its type is the gas meter
_LEGACY_GAS_NAME = "GAS_METER_READING"  # DSMR 2.2/3: reading on the line after 0-n:24.3.0
# Names differ between specifications; the first present wins.
_MBUS_READING_NAMES = ("MBUS_METER_READING", "HOURLY_GAS_METER_READING")
_MBUS_TYPE_NAMES = ("MBUS_DEVICE_TYPE", "DEVICE_TYPE")
_METER_ID_NAMES = ("BELGIUM_EQUIPMENT_IDENTIFIER", "EQUIPMENT_IDENTIFIER")
_TIMESTAMP_NAME = "P1_MESSAGE_TIMESTAMP"

# Only these objects are parsed: a malformed line we do not use (the Belgian 13-month peak
# history, a text message) must not cost the reading.
_NEEDED = {
    *_CONTRIBUTIONS,
    *_MBUS_READING_NAMES,
    *_MBUS_TYPE_NAMES,
    *_METER_ID_NAMES,
    _TIMESTAMP_NAME,
    _LEGACY_GAS_NAME,
}

# Which dsmr-parser specification reads a telegram: the first whose marker line is present.
_SPECIFICATIONS: tuple[tuple[re.Pattern[str], Specification], ...] = (
    # 0-0:96.1.4 is the Belgian e-MUCS version line.
    (re.compile(r"^\d-\d:96\.1\.4\(", re.MULTILINE), telegram_specifications.BELGIUM_FLUVIUS),
    # 1-3:0.2.8 is the DSMR version: 4.x meters send 40/42.
    (re.compile(r"^1-3:0\.2\.8\(4\d\)", re.MULTILINE), telegram_specifications.V4),
)
# DSMR 2.2 and 3 send no version line and no CRC: a telegram without a CRC must be one.
_LEGACY_SPECIFICATION: Specification = telegram_specifications.V2_2
_VERSION_LINE = re.compile(r"^(?:1-3:0\.2\.8|\d-\d:96\.1\.4)\(", re.MULTILINE)
_FALLBACK_SPECIFICATION: Specification = telegram_specifications.V5

_HEADER = re.compile(r"/[A-Za-z]{3}\d")  # '/' + manufacturer code + baud-rate digit
_CRC = re.compile(r"[0-9A-Fa-f]{4}")


def pick_specification(text: str) -> Specification:
    for marker, specification in _SPECIFICATIONS:
        if marker.search(text):
            return specification
    return _FALLBACK_SPECIFICATION


def _frame(text: str) -> tuple[str, bool]:
    """The telegram from '/' to its CRC line, CRC checked; raises with the reason.

    Returns the framed text and whether a CRC was checked: DSMR 2.2/3 telegrams end at
    '!' with none, and are accepted without one only when they carry no version line.
    """
    if not text.strip():
        raise InvalidTelegram("empty telegram")
    size = len(text.encode("utf-8"))
    if size > MAX_TELEGRAM_BYTES:
        raise InvalidTelegram(f"telegram of {size} bytes exceeds {MAX_TELEGRAM_BYTES}")
    text = text.lstrip()
    if not _HEADER.match(text):
        raise InvalidTelegram("not a DSMR telegram (no '/' identification line first)")
    if not text.isascii():
        raise InvalidTelegram("not a DSMR telegram (non-ASCII characters)")
    end = text.find("!")
    if end < 0:
        raise InvalidTelegram("truncated telegram (no '!' CRC line)")
    body = text[: end + 1]
    crc = _CRC.match(text, end + 1)
    if crc is None and not text[end + 1 :].strip() and not _VERSION_LINE.search(body):
        return f"{body}\r\n", False
    if crc is None:
        found = text[end + 1 : end + 9].strip()
        raise InvalidTelegram(f"no CRC after '!' (found {found!r}, want 4 hex digits)")
    if text[crc.end() :].strip():
        raise InvalidTelegram("unexpected data after the CRC line")
    said, computed = int(crc.group(), 16), crc16(body.encode("ascii"))
    if said != computed:
        raise InvalidTelegram(f"CRC mismatch (telegram says {said:04X}, computed {computed:04X})")
    return f"{body}{computed:04X}\r\n", True


def _parse_objects(framed: str, specification: Specification) -> Telegram:
    """dsmr-parser's own loop (TelegramParser.parse), minus what it gets wrong for a service.

    Its version logs a traceback at ERROR for every bad line and raises unformatted reasons;
    its CRC check repeats ours; and it parses every line of the specification, including the
    power-failure log, whose shared parser grows on each call.
    """
    telegram = Telegram()
    for item in specification["objects"]:
        if item["value_name"] not in _NEEDED:
            continue
        for line in re.findall(item["obis_reference"], framed, re.DOTALL | re.MULTILINE):
            try:
                parsed = item["value_parser"].parse(line)
            except Exception:  # ParseError, and bare errors from values (decimal, index)
                raise InvalidTelegram(f"unreadable line {line.strip()!r}") from None
            telegram.add(
                obis_reference=item["obis_reference"],
                dsmr_object=parsed,
                obis_name=item["value_name"],
            )
    return telegram


def _decode_id(raw: str) -> str:
    """Equipment ids are hex-encoded ASCII ('3153…' → '1S…'); keep anything else as sent."""
    try:
        decoded = bytes.fromhex(raw).decode("ascii")
    except ValueError:
        return raw
    return decoded if decoded.isprintable() and decoded else raw


def _meter_id(telegram: Any) -> str | None:
    for name in _METER_ID_NAMES:
        item = getattr(telegram, name, None)
        if item is not None and item.value:
            return _decode_id(str(item.value))
    return None


def _first(holder: Any, names: tuple[str, ...]) -> Any:
    return next((getattr(holder, n) for n in names if hasattr(holder, n)), None)


def _mbus_values(telegram: Any) -> dict[str, Decimal]:
    values = {}
    for device in getattr(telegram, "MBUS_DEVICES", ()):
        reading, kind = _first(device, _MBUS_READING_NAMES), _first(device, _MBUS_TYPE_NAMES)
        device_type = kind.value if kind is not None else _MBUS_DEFAULT_TYPE
        key = _MBUS_QUANTITIES.get(device_type)
        if key is not None and reading is not None and reading.value is not None:
            values[key] = Decimal(reading.value)
    return values


def _values(telegram: Any) -> dict[str, float]:
    sums: dict[str, Decimal] = {}
    for name, contributions in _CONTRIBUTIONS.items():
        item = getattr(telegram, name, None)
        if item is None or item.value is None:
            continue
        for key, factor in contributions:
            sums[key] = sums.get(key, Decimal(0)) + Decimal(item.value) * factor
    legacy_gas = getattr(telegram, _LEGACY_GAS_NAME, None)
    if legacy_gas is not None and legacy_gas.value is not None:
        sums["gas_m3"] = Decimal(legacy_gas.value)
    sums.update(_mbus_values(telegram))
    return {key: float(value) for key, value in sums.items()}


def parse_telegram(
    text: str,
    *,
    specification: Specification | None = None,
    received: datetime | None = None,
) -> ParsedTelegram:
    """Read one P1 telegram; ``specification`` defaults to one picked by content.

    A CRC is required from DSMR 4 on. DSMR 2.2/3 telegrams have neither CRC nor clock:
    they take ``received`` (default: now) as their time.
    """
    framed, checked = _frame(text)
    if specification is None:
        specification = pick_specification(framed) if checked else _LEGACY_SPECIFICATION
    telegram = _parse_objects(framed, specification)
    stamp = getattr(telegram, _TIMESTAMP_NAME, None)
    if stamp is None and checked:
        raise InvalidTelegram("no 0-0:1.0.0 timestamp")
    if stamp is not None and stamp.value is None:
        raise InvalidTelegram("unreadable 0-0:1.0.0 timestamp")
    ts = stamp.value if stamp is not None else received or datetime.now(UTC)
    values = _values(telegram)
    if not values:
        raise InvalidTelegram("no known quantities in telegram")
    peak = getattr(telegram, "BELGIUM_MAXIMUM_DEMAND_MONTH", None)
    return ParsedTelegram(
        ts=ts,
        values=values,
        meter_id=_meter_id(telegram),
        month_peak_at=getattr(peak, "datetime", None) if peak is not None else None,
        peak_history=peak_history(framed),
        checked=checked,
    )


# 0-0:98.1.0(n)(1-0:1.6.0)(1-0:1.6.0)(month end)(when)(kW)… — read apart from dsmr-parser,
# leniently: meters fill unused months with impossible stamps (632525252525W), and a bad
# entry must cost only itself, never the reading.
_HISTORY_LINE = re.compile(r"^\d-\d:98\.1\.0\(\d+\)\([^)]*\)\([^)]*\)(.*)$", re.MULTILINE)
_HISTORY_ENTRY = re.compile(r"\((\d{12}[SW])\)\((\d{12}[SW])\)\((\d+(?:\.\d+)?)\*kW\)")


def _stamp(text: str) -> datetime | None:
    try:
        return dsmr_timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return None


def peak_history(framed: str) -> tuple[PeakRecord, ...]:
    line = _HISTORY_LINE.search(framed)
    if line is None:
        return ()
    records = []
    for month_end, occurred, kw in _HISTORY_ENTRY.findall(line.group(1)):
        end = _stamp(month_end)
        if end is not None:
            records.append(PeakRecord(end, _stamp(occurred), float(Decimal(kw) * 1000)))
    return tuple(records)
