"""DL/T 645 (1997 and 2007) frames: build requests, check and decode replies.

Frame: ``FE…`` wake-up preamble (ignored), ``68``, six address bytes (BCD, least
significant pair first), ``68``, control code, length, data (each byte +0x33 on the wire,
so a line idling at 0x00 never looks like data), checksum (sum of every byte from the
first ``68`` through the data, mod 256), ``16``.

The two editions share the frame and differ in the control codes and in the data
identifiers (two bytes in 1997, four in 2007); both are rows of one table below. The
Saiman CE-711 speaks 1997. Its original reader stored the *total* register (9010) as T1;
here 9010 is ``energy_import_kwh`` and 9011…9014 are T1…T4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Literal

Edition = Literal["1997", "2007"]
Value = Decimal | date | time | str

PREAMBLE = b"\xfe\xfe\xfe\xfe"
START, END = 0x68, 0x16
OFFSET = 0x33
MAX_DATA = 200  # the standard caps the length byte at 200 (1997) / 200 (2007)
HEADER_LEN, FRAME_OVERHEAD = 10, 12  # 68 A0..A5 68 C L | … CS 16

# Addresses a meter answers besides its own: 1997 broadcast, 2007 wildcard.
BROADCAST: dict[Edition, str] = {"1997": "999999999999", "2007": "AAAAAAAAAAAA"}

# Control codes (function bits; replies set bit 7, error replies bit 6 too).
READ: dict[Edition, int] = {"1997": 0x01, "2007": 0x11}
READ_ADDRESS_2007 = 0x13
REPLY_BIT, ERROR_BIT, FOLLOWS_BIT = 0x80, 0x40, 0x20

# Error reply status byte, bit by bit.
ERROR_BITS: dict[Edition, tuple[str, ...]] = {
    "1997": (
        "illegal data",
        "no such data identifier",
        "password wrong",
        "reserved",
        "too many year zones",
        "too many day periods",
        "too many tariffs",
        "reserved",
    ),
    "2007": (
        "other error",
        "no requested data",
        "password wrong or not authorised",
        "baud rate cannot change",
        "too many year zones",
        "too many day periods",
        "too many tariffs",
        "reserved",
    ),
}


class FrameError(ValueError):
    """Bytes that are not a valid DL/T 645 frame; ``str(error)`` is the reason."""


class MeterError(Exception):
    """The meter answered with an error reply."""

    def __init__(self, status: int, edition: Edition) -> None:
        reasons = [name for bit, name in enumerate(ERROR_BITS[edition]) if status >> bit & 1]
        self.status = status
        super().__init__(f"meter error 0x{status:02X}: {', '.join(reasons) or 'unspecified'}")


@dataclass(frozen=True)
class DataId:
    """One readable register: its identifier, wire format and where its value goes."""

    edition: Edition
    code: int
    name: str
    size: int  # bytes of the value
    decimals: int = 0
    unit: str = ""
    quantity: str | None = None  # key in the quantity catalogue, if a reading carries it
    scale: int = 1  # value × scale = quantity (kW → W)
    signed: bool = False  # 2007: top bit of the top byte is the sign
    kind: Literal["bcd", "date", "time", "address"] = "bcd"

    @property
    def id_size(self) -> int:
        return 2 if self.edition == "1997" else 4

    @property
    def label(self) -> str:
        return f"{self.code:0{self.id_size * 2}X}"


# fmt: off
def _rows() -> list[DataId]:
    rows: list[DataId] = []
    tariffs = ("", *(f"_t{t}" for t in range(1, 5)))
    for edition, base_in, base_out, step in (
        ("1997", 0x9010, 0x9020, 1),
        ("2007", 0x00010000, 0x00020000, 0x100),
    ):
        for t, suffix in enumerate(tariffs):
            name = "total" if t == 0 else f"T{t}"
            rows.append(
                DataId(edition, base_in + t * step, f"active import {name}", 4, 2, "kWh",
                       f"energy_import{suffix}_kwh")
            )
            rows.append(
                DataId(edition, base_out + t * step, f"active export {name}", 4, 2, "kWh",
                       f"energy_export{suffix}_kwh")
            )
    phases = ((1, "A"), (2, "B"), (3, "C"))
    rows += [
        DataId("1997", 0x9110, "reactive import total", 4, 2, "kvarh", "reactive_energy_kvarh"),
        DataId("1997", 0x9120, "reactive export total", 4, 2, "kvarh",
               "reactive_energy_export_kvarh"),
        *(DataId("1997", 0xB610 + p, f"voltage {n}", 2, 0, "V", f"voltage_l{p}_v")
          for p, n in phases),
        *(DataId("1997", 0xB620 + p, f"current {n}", 2, 2, "A", f"current_l{p}_a")
          for p, n in phases),
        DataId("1997", 0xB630, "active power total", 3, 4, "kW", "power_w", 1000),
        *(DataId("1997", 0xB630 + p, f"active power {n}", 3, 4, "kW", f"power_l{p}_w", 1000)
          for p, n in phases),
        DataId("1997", 0xB640, "reactive power total", 2, 2, "kvar", "reactive_power_var", 1000),
        DataId("1997", 0xB650, "power factor", 2, 3, "", "power_factor"),
        DataId("1997", 0xC010, "date", 4, kind="date"),
        DataId("1997", 0xC011, "time", 3, kind="time"),
        DataId("1997", 0xC032, "meter address", 6, kind="address"),
        # 2007: combined reactive 1 carries a sign; voltage has a tenth, current thousandths.
        DataId("2007", 0x00030000, "reactive combined 1 total", 4, 2, "kvarh",
               "reactive_energy_kvarh", signed=True),
        # Combined reactive 2 is Q3+Q4 unless the meter was set otherwise: the export side.
        DataId("2007", 0x00040000, "reactive combined 2 total", 4, 2, "kvarh",
               "reactive_energy_export_kvarh", signed=True),
        *(DataId("2007", 0x02010000 + p * 0x100, f"voltage {n}", 2, 1, "V", f"voltage_l{p}_v")
          for p, n in phases),
        *(DataId("2007", 0x02020000 + p * 0x100, f"current {n}", 3, 3, "A",
                 f"current_l{p}_a", signed=True) for p, n in phases),
        DataId("2007", 0x02030000, "active power total", 3, 4, "kW", "power_w", 1000, True),
        *(DataId("2007", 0x02030000 + p * 0x100, f"active power {n}", 3, 4, "kW",
                 f"power_l{p}_w", 1000, True) for p, n in phases),
        DataId("2007", 0x02040000, "reactive power total", 3, 4, "kvar", "reactive_power_var",
               1000, True),
        DataId("2007", 0x02060000, "power factor", 2, 3, "", "power_factor", signed=True),
        DataId("2007", 0x04000101, "date", 4, kind="date"),
        DataId("2007", 0x04000102, "time", 3, kind="time"),
        DataId("2007", 0x04000401, "meter address", 6, kind="address"),
    ]
    return rows
# fmt: on


DATA_IDS: dict[tuple[Edition, int], DataId] = {(d.edition, d.code): d for d in _rows()}


# What a poll reads by default: every register that lands in a reading.
def poll_ids(edition: Edition, phases: int = 1) -> list[DataId]:
    skip = {f"voltage_l{p}_v" for p in range(phases + 1, 4)} | {
        f"{k}_l{p}_{u}" for p in range(phases + 1, 4) for k, u in (("current", "a"), ("power", "w"))
    }
    if phases == 1:
        skip |= {"power_l1_w"}  # single phase: the total is the phase
    return [
        d
        for d in DATA_IDS.values()
        if d.edition == edition and d.quantity and d.quantity not in skip
    ]


def poll_quantities(edition: Edition, phases: int = 1) -> tuple[str, ...]:
    """The quantities a poll's readings carry, in table order."""
    return tuple(dict.fromkeys(d.quantity for d in poll_ids(edition, phases) if d.quantity))


def data_id(edition: Edition, code: int) -> DataId:
    try:
        return DATA_IDS[(edition, code)]
    except KeyError:
        raise KeyError(f"unknown DL/T 645-{edition} data identifier {code:X}") from None


# --- addresses and BCD ---


def normalize_address(address: str) -> str:
    text = address.strip().upper().replace(" ", "")
    if len(text) > 12 or not all(c in "0123456789A" for c in text):
        raise ValueError(f"meter address {address!r}: up to 12 digits (A for wildcard)")
    return text.rjust(12, "0")


def address_bytes(address: str) -> bytes:
    return bytes.fromhex(normalize_address(address))[::-1]


def address_text(raw: bytes) -> str:
    return raw[::-1].hex().upper()


def _bcd_digits(raw: bytes) -> str:
    """Digits of little-endian BCD bytes, most significant first; FrameError if not BCD."""
    digits = raw[::-1].hex()
    if not digits.isdigit():
        raise FrameError(f"value {raw[::-1].hex().upper()} is not BCD")
    return digits


def encode_bcd(value: Decimal | int, size: int, decimals: int = 0, signed: bool = False) -> bytes:
    scaled = int((Decimal(value) * 10**decimals).to_integral_value())
    negative = scaled < 0
    digits = f"{abs(scaled):0{size * 2}d}"
    if len(digits) > size * 2:
        raise ValueError(f"{value} does not fit {size} BCD bytes")
    raw = bytearray(bytes.fromhex(digits)[::-1])
    if negative:
        if not signed:
            raise ValueError(f"{value} is negative in an unsigned field")
        if raw[-1] & 0x80:
            raise ValueError(f"{value} does not fit {size} signed BCD bytes")
        raw[-1] |= 0x80
    return bytes(raw)


def decode_value(item: DataId, raw: bytes) -> Value:
    if len(raw) != item.size:
        raise FrameError(f"{item.label}: {len(raw)} value bytes, want {item.size}")
    if item.kind == "address":
        return address_text(raw)
    if item.kind == "date":
        _week, day, month, year = (int(_bcd_digits(raw[i : i + 1])) for i in range(4))
        try:
            return date(2000 + year, month, day)
        except ValueError as error:
            raise FrameError(f"{item.label}: not a date ({error})") from None
    if item.kind == "time":
        second, minute, hour = (int(_bcd_digits(raw[i : i + 1])) for i in range(3))
        try:
            return time(hour, minute, second)
        except ValueError as error:
            raise FrameError(f"{item.label}: not a time ({error})") from None
    body, sign = bytearray(raw), 1
    if item.signed and body[-1] & 0x80:
        body[-1] &= 0x7F
        sign = -1
    return sign * Decimal(int(_bcd_digits(bytes(body)))).scaleb(-item.decimals)


def encode_value(item: DataId, value: Value) -> bytes:
    if item.kind == "address":
        return address_bytes(str(value))
    if item.kind == "date":
        assert isinstance(value, date)
        week = value.isoweekday() % 7  # 0 = Sunday, as the meters count
        return bytes.fromhex(f"{week:02d}{value.day:02d}{value.month:02d}{value.year % 100:02d}")
    if item.kind == "time":
        assert isinstance(value, time)
        return bytes.fromhex(f"{value.second:02d}{value.minute:02d}{value.hour:02d}")
    assert isinstance(value, Decimal | int)
    return encode_bcd(value, item.size, item.decimals, item.signed)


# --- frames ---


@dataclass(frozen=True)
class Frame:
    address: str
    control: int
    data: bytes  # with the 0x33 offset removed

    @property
    def is_reply(self) -> bool:
        return bool(self.control & REPLY_BIT)

    @property
    def is_error(self) -> bool:
        return bool(self.control & ERROR_BIT)

    @property
    def edition(self) -> Edition:
        return "2007" if self.control & 0x10 else "1997"

    def to_bytes(self, preamble: bool = True) -> bytes:
        return build_frame(self.address, self.control, self.data, preamble=preamble)


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def build_frame(address: str, control: int, data: bytes = b"", *, preamble: bool = True) -> bytes:
    if len(data) > MAX_DATA:
        raise ValueError(f"{len(data)} data bytes exceed {MAX_DATA}")
    body = (
        bytes([START])
        + address_bytes(address)
        + bytes([START, control, len(data)])
        + bytes((b + OFFSET) & 0xFF for b in data)
    )
    return (PREAMBLE if preamble else b"") + body + bytes([checksum(body), END])


def read_request(address: str, item: DataId) -> bytes:
    di = item.code.to_bytes(item.id_size, "little")
    return build_frame(address, READ[item.edition], di)


def read_address_request() -> bytes:
    """2007 "read communication address": only meter on the bus answers with its address."""
    return build_frame(BROADCAST["2007"], READ_ADDRESS_2007)


def parse_frame(raw: bytes) -> Frame:
    """One whole frame (preamble allowed); FrameError says what is wrong."""
    start = 0
    while start < len(raw) and raw[start] == 0xFE:
        start += 1
    frame = raw[start:]
    if not frame:
        raise FrameError("no frame (empty or preamble only)")
    if frame[0] != START:
        raise FrameError(f"no 0x68 start (got 0x{frame[0]:02X})")
    if len(frame) < FRAME_OVERHEAD:
        raise FrameError(f"truncated frame ({len(frame)} bytes, a frame has at least 12)")
    if frame[7] != START:
        raise FrameError(f"no second 0x68 after the address (got 0x{frame[7]:02X})")
    length = frame[9]
    want = FRAME_OVERHEAD + length
    if len(frame) < want:
        raise FrameError(f"truncated frame ({len(frame)} of {want} bytes)")
    if len(frame) > want:
        raise FrameError(f"{len(frame) - want} bytes after the frame end")
    said, computed = frame[-2], checksum(frame[:-2])
    if said != computed:
        raise FrameError(f"bad checksum (frame says 0x{said:02X}, computed 0x{computed:02X})")
    if frame[-1] != END:
        raise FrameError(f"no 0x16 end (got 0x{frame[-1]:02X})")
    data = bytes((b - OFFSET) & 0xFF for b in frame[HEADER_LEN : HEADER_LEN + length])
    return Frame(address_text(frame[1:7]), frame[8], data)


def split_frame(buffer: bytes) -> tuple[bytes | None, bytes]:
    """Cut the first complete frame (by its length byte) off a byte stream.

    Returns ``(frame, rest)``; ``frame`` is None while more bytes are needed. Noise before
    a frame is dropped. The frame is not validated: ``parse_frame`` says what is wrong.
    """
    while True:
        start = buffer.find(bytes([START]))
        if start < 0:
            return None, b""
        buffer = buffer[start:]
        if len(buffer) < HEADER_LEN:
            return None, buffer
        if buffer[7] != START:
            buffer = buffer[1:]  # a stray 0x68 in noise: look for the next one
            continue
        want = FRAME_OVERHEAD + buffer[9]
        if len(buffer) < want:
            return None, buffer
        return buffer[:want], buffer[want:]


@dataclass(frozen=True)
class Answer:
    item: DataId
    value: Value

    @property
    def reading_value(self) -> float | None:
        if self.item.quantity is None or not isinstance(self.value, Decimal):
            return None
        return float(self.value * self.item.scale)


def decode_reply(frame: Frame, item: DataId) -> Answer:
    """The value ``item`` has in ``frame``; MeterError for an error reply."""
    if not frame.is_reply:
        raise FrameError("not a reply (direction bit clear)")
    if frame.is_error:
        if not frame.data:
            raise FrameError("error reply without a status byte")
        raise MeterError(frame.data[0], frame.edition)
    if frame.control & 0x1F != READ[item.edition] & 0x1F:
        raise FrameError(f"reply to control 0x{frame.control & 0x1F:02X}, not to a read")
    di = frame.data[: item.id_size]
    if int.from_bytes(di, "little") != item.code:
        raise FrameError(f"reply for {int.from_bytes(di, 'little'):X}, asked for {item.label}")
    return Answer(item, decode_value(item, frame.data[item.id_size :]))


def reply_frame(address: str, item: DataId, value: Value) -> bytes:
    """A meter's normal reply (for the simulated meter and tests)."""
    control = READ[item.edition] | REPLY_BIT
    return build_frame(
        address, control, item.code.to_bytes(item.id_size, "little") + encode_value(item, value)
    )


def error_frame(address: str, edition: Edition, status: int) -> bytes:
    return build_frame(address, READ[edition] | REPLY_BIT | ERROR_BIT, bytes([status]))


def describe(raw: bytes) -> dict[str, object]:
    """One reply frame as plain data (``meterhub meter decode``); FrameError if invalid."""
    frame = parse_frame(raw)
    result: dict[str, object] = {
        "address": frame.address,
        "control": f"0x{frame.control:02X}",
        "edition": frame.edition,
        "direction": "meter→host" if frame.is_reply else "host→meter",
        "error_reply": frame.is_error,
        "data": frame.data.hex().upper(),
    }
    if frame.is_error and frame.is_reply:
        result["reason"] = str(MeterError(frame.data[0], frame.edition)) if frame.data else None
        return result
    if frame.control & 0x1F == READ_ADDRESS_2007 & 0x1F and frame.is_reply:
        result["meter_address"] = address_text(frame.data[:6])
        return result
    id_size = 4 if frame.edition == "2007" else 2
    code = int.from_bytes(frame.data[:id_size], "little")
    item = DATA_IDS.get((frame.edition, code))
    result["data_id"] = f"{code:0{id_size * 2}X}"
    if item is None:
        result["name"] = "unknown data identifier"
        return result
    result["name"] = item.name
    if not frame.is_reply:
        return result
    answer = decode_reply(frame, item)
    value = answer.value
    result["value"] = float(value) if isinstance(value, Decimal) else str(value)
    result["unit"] = item.unit
    if item.quantity:
        result["quantity"] = item.quantity
        result["quantity_value"] = answer.reading_value
    return result
