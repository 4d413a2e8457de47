"""IEC 62056-21 mode C readout: sign-on, identification, baud switch, OBIS data block.

The host says ``/?<address>!`` at 300 baud (7E1); the meter answers ``/XXXZ<id>`` where
Z names the fastest speed it offers; the host acknowledges with ``ACK 0 Z 0`` (normal
protocol, that speed, data readout) and both switch; the meter sends
``STX <data lines> ! CR LF ETX BCC``, BCC being the XOR of every byte after STX up to and
including ETX. Data lines are ``OBIS(value*unit)``; one table maps OBIS codes to
quantities.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .serial_link import SerialLine

STX, ETX, ACK = 0x02, 0x03, 0x06
START_BAUD = 300
BAUD_CHARS = {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200}
MAX_MESSAGE = 16 * 1024

# OBIS (C.D.E, the A-B channel optional) → quantity; units scale to the catalogue's.
OBIS_QUANTITIES: dict[str, str] = {
    "1.8.0": "energy_import_kwh",
    **{f"1.8.{t}": f"energy_import_t{t}_kwh" for t in range(1, 5)},
    "2.8.0": "energy_export_kwh",
    **{f"2.8.{t}": f"energy_export_t{t}_kwh" for t in range(1, 5)},
    "3.8.0": "reactive_energy_kvarh",
    "16.7.0": "power_w",  # sum of active power, import positive
    "1.7.0": "power_import_w",
    "2.7.0": "power_export_w",
    **{f"{c}.7.0": f"voltage_l{p}_v" for p, c in ((1, 32), (2, 52), (3, 72))},
    **{f"{c}.7.0": f"current_l{p}_a" for p, c in ((1, 31), (2, 51), (3, 71))},
    **{f"{c}.7.0": f"power_l{p}_w" for p, c in ((1, 21), (2, 41), (3, 61))},
}
_PHASE = re.compile(r"_l([1-3])_")  # a per-phase quantity key names its phase
METER_ID_CODES = ("0.0.0", "C.1.0", "96.1.0")
UNIT_SCALE = {  # unit as sent → factor to the catalogue unit of that quantity
    "kwh": Decimal(1), "wh": Decimal("0.001"), "mwh": Decimal(1000),
    "kvarh": Decimal(1), "varh": Decimal("0.001"),
    "kw": Decimal(1000), "w": Decimal(1), "v": Decimal(1), "a": Decimal(1),
}  # fmt: skip

_LINE = re.compile(r"^(?:(\d+)-(\d+):)?([0-9A-Za-z]+\.[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)?)(?:\*\d+)?"
                   r"\(([^)]*)\)")  # fmt: skip


class Iec62056Error(ValueError):
    """A readout that failed; ``str(error)`` is the reason."""


@dataclass(frozen=True)
class Identification:
    manufacturer: str
    baud_char: str
    ident: str

    @property
    def baudrate(self) -> int:
        return BAUD_CHARS.get(self.baud_char, START_BAUD)


@dataclass(frozen=True)
class Readout:
    identification: Identification
    lines: dict[str, str]  # OBIS code → raw value, as sent
    values: dict[str, float]
    meter_id: str | None


def quantities_read(phases: int = 3) -> tuple[str, ...]:
    """The quantities the OBIS table maps, in table order; per-phase ones only for the
    first ``phases`` phases."""
    return tuple(
        key
        for key in dict.fromkeys(OBIS_QUANTITIES.values())
        if (phase := _PHASE.search(key)) is None or int(phase.group(1)) <= phases
    )


def sign_on(address: str = "") -> bytes:
    if not re.fullmatch(r"[0-9A-Za-z ]{0,32}", address):
        raise ValueError(f"device address {address!r}: up to 32 letters and digits")
    return f"/?{address}!\r\n".encode("ascii")


def parse_identification(line: bytes) -> Identification:
    text = line.decode("ascii", errors="replace").strip()
    if len(text) < 5 or text[0] != "/":
        raise Iec62056Error(f"not an identification message: {text[:40]!r}")
    manufacturer, baud_char = text[1:4], text[4]
    ident = text[5:]
    if ident.startswith("\\") and len(ident) >= 2:  # enhanced identification (mode E etc.)
        ident = ident[2:]
    return Identification(manufacturer, baud_char, ident)


def option_select(baud_char: str, mode: str = "0") -> bytes:
    """ACK, protocol control 0 (normal), the speed, mode 0 (data readout)."""
    return bytes([ACK]) + f"0{baud_char}{mode}\r\n".encode("ascii")


def bcc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def data_message(lines: list[str]) -> bytes:
    """A meter's data message (for tests and simulated meters)."""
    body = ("\r\n".join(lines) + "\r\n!\r\n").encode("ascii") + bytes([ETX])
    return bytes([STX]) + body + bytes([bcc(body)])


def split_message(buffer: bytes) -> tuple[bytes | None, bytes]:
    start = buffer.find(bytes([STX]))
    if start < 0:
        return None, buffer
    end = buffer.find(bytes([ETX]), start)
    if end < 0 or end + 1 >= len(buffer):
        return None, buffer[start:]
    return buffer[start : end + 2], buffer[end + 2 :]


def parse_data_message(message: bytes) -> dict[str, str]:
    if not message or message[0] != STX:
        raise Iec62056Error("data message does not start with STX")
    body, said = message[1:-1], message[-1]
    if not body.endswith(bytes([ETX])):
        raise Iec62056Error("truncated data message (no ETX)")
    if bcc(body) != said:
        raise Iec62056Error(f"bad BCC (message says 0x{said:02X}, computed 0x{bcc(body):02X})")
    text = body[:-1].decode("ascii", errors="replace")
    if "!" not in text:
        raise Iec62056Error("data block has no '!' end")
    lines: dict[str, str] = {}
    for raw in text[: text.rindex("!")].splitlines():
        match = _LINE.match(raw.strip())
        if match:
            lines.setdefault(match.group(3), match.group(4))
    return lines


def values_of(lines: dict[str, str]) -> tuple[dict[str, float], str | None]:
    values: dict[str, float] = {}
    for code, raw in lines.items():
        quantity = OBIS_QUANTITIES.get(code)
        if quantity is None:
            continue
        number, _, unit = raw.partition("*")
        scale = UNIT_SCALE.get(unit.strip().lower(), Decimal(1)) if unit else Decimal(1)
        try:
            value = Decimal(number.strip()) * scale
        except InvalidOperation:
            continue  # one unreadable value costs only itself
        values[quantity] = float(value)
    meter_id = next((lines[c].strip() for c in METER_ID_CODES if lines.get(c, "").strip()), None)
    return values, meter_id


async def _until(line: SerialLine, done, timeout_s: float) -> bytes:
    deadline = time.monotonic() + timeout_s
    while True:
        data = line.peek()
        found = done(data)
        if found is not None:
            return found
        if len(data) > MAX_MESSAGE:
            raise Iec62056Error(f"no end after {len(data)} bytes")
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not await line.wait(remaining):
            raise Iec62056Error(f"no answer within {timeout_s:g} s")


async def readout(
    line: SerialLine, address: str = "", *, timeout_s: float = 3.0, max_baud: int = 9600
) -> Readout:
    """One mode C data readout over ``line`` (opened at 300 baud 7E1)."""
    line.set_baudrate(START_BAUD)
    line.discard()
    line.write(sign_on(address))

    def ident_line(data: bytes) -> bytes | None:
        end = data.find(b"\r\n", data.find(b"/"))
        if data.find(b"/") < 0 or end < 0:
            return None
        line.consume(end + 2)
        return data[data.find(b"/") : end]

    identification = parse_identification(await _until(line, ident_line, timeout_s))
    speeds = {c: b for c, b in BAUD_CHARS.items() if b <= max_baud}
    baud_char = identification.baud_char if identification.baud_char in speeds else "0"
    line.write(option_select(baud_char))
    await line.drain()  # the acknowledgement leaves at the old speed
    line.set_baudrate(BAUD_CHARS[baud_char])

    def message(data: bytes) -> bytes | None:
        found, _ = split_message(data)
        return found

    lines = parse_data_message(await _until(line, message, timeout_s * 4))
    values, meter_id = values_of(lines)
    return Readout(identification, lines, values, meter_id)
