"""P1 telegrams, DL/T 645 frames and IEC 62056-21 data blocks, broken on purpose.

Each parser must answer with a result or its own error carrying a reason — never an
IndexError, a UnicodeError or a decimal exception from deep inside. Checksums are made
right again after the damage, so the damage reaches the code behind the checksum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.capture_gateway.p1_path import reading_of
from services.capture_gateway.p1_serial import TelegramFramer
from services.protocols import dlt645, iec62056_21
from services.protocols.dsmr import InvalidTelegram, crc16, parse_telegram
from tests.fuzz.strategies import SETTINGS, mutated, real_telegram

TELEGRAM = real_telegram().encode("latin-1")
ITEMS = sorted(dlt645.DATA_IDS.values(), key=lambda d: (d.edition, d.code))
IEC_MESSAGE = iec62056_21.data_message(
    [
        "0.0.0(12345678)",
        "1.8.0(001234.567*kWh)",
        "1.8.1(000800.000*kWh)",
        "32.7.0(230.1*V)",
        "31.7.0(001.25*A)",
        "1.7.0(0.287*kW)",
    ]
)


def _parses_or_refuses(text: str) -> None:
    try:
        telegram = parse_telegram(text, received=datetime.now(UTC))
    except InvalidTelegram as error:
        assert str(error).strip()
        return
    reading = reading_of("p1", telegram, None)  # what the gateway publishes must be valid
    assert reading.values


def _with_crc(body: bytes) -> str:
    """A telegram body up to '!' with a CRC computed over it (a meter that believes it)."""
    text = body.decode("latin-1")
    end = text.rfind("!")
    head = text[: end + 1] if end >= 0 else text + "!"
    return f"{head}{crc16(head.encode('latin-1')):04X}\r\n"


@settings(**SETTINGS)
@given(data=mutated(TELEGRAM))
def test_a_damaged_telegram_is_refused_by_its_crc_with_a_reason(data: bytes) -> None:
    _parses_or_refuses(data.decode("latin-1"))


@settings(**SETTINGS)
@given(data=mutated(TELEGRAM, max_changes=6))
def test_a_damaged_telegram_with_a_right_crc_parses_or_says_why(data: bytes) -> None:
    _parses_or_refuses(_with_crc(data))


@settings(**SETTINGS)
@given(st.text(max_size=600))
def test_any_text_as_a_telegram_parses_or_says_why(text: str) -> None:
    _parses_or_refuses(text)


@settings(**SETTINGS)
@given(chunks=st.lists(st.binary(max_size=300) | mutated(TELEGRAM), max_size=6))
def test_the_serial_framer_takes_any_byte_stream(chunks: list[bytes]) -> None:
    framer = TelegramFramer()
    pieces = [piece for chunk in chunks for piece in framer.feed(chunk)] + framer.flush()
    for piece in pieces:
        _parses_or_refuses(piece)


def _frame_with_checksum(data: bytes) -> bytes:
    """``data`` as a frame whose checksum matches, so parse_frame looks inside."""
    if len(data) < 2:
        return data
    return data[:-2] + bytes([dlt645.checksum(data[:-2]), data[-1]])


@st.composite
def damaged_reply(draw: st.DrawFn) -> tuple[bytes, dlt645.DataId]:
    item = draw(st.sampled_from(ITEMS))
    value: object
    if item.kind == "date":
        value = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    elif item.kind == "time":
        value = draw(st.times()).replace(microsecond=0)
    elif item.kind == "address":
        value = draw(st.from_regex(r"[0-9]{12}", fullmatch=True))
    else:
        digits = min(item.size * 2 - (1 if item.signed else 0), 12)
        value = Decimal(draw(st.integers(0, 10**digits - 1))).scaleb(-item.decimals)
    frame = dlt645.reply_frame("000012345678", item, value)  # type: ignore[arg-type]
    if draw(st.booleans()):
        frame = dlt645.error_frame("000012345678", item.edition, draw(st.integers(0, 255)))
    damaged = draw(mutated(frame))
    return (_frame_with_checksum(damaged) if draw(st.booleans()) else damaged), item


@settings(**SETTINGS)
@given(case=damaged_reply())
def test_a_damaged_dlt645_reply_decodes_or_says_why(case) -> None:
    raw, item = case
    try:
        frame = dlt645.parse_frame(raw)
        answer = dlt645.decode_reply(frame, item)
    except (dlt645.FrameError, dlt645.MeterError) as error:
        assert str(error).strip()
    else:
        answer.reading_value  # noqa: B018 - the number a reading would carry
    try:
        described = dlt645.describe(raw)
    except dlt645.FrameError as error:
        assert str(error).strip()
    else:
        assert isinstance(described, dict)


@settings(**SETTINGS)
@given(stream=st.binary(max_size=120))
def test_the_dlt645_stream_splitter_takes_any_bytes(stream: bytes) -> None:
    frame, rest = dlt645.split_frame(stream)
    assert len(rest) <= len(stream)
    if frame is not None:
        try:
            dlt645.parse_frame(frame)
        except dlt645.FrameError as error:
            assert str(error).strip()


@settings(**SETTINGS)
@given(data=mutated(IEC_MESSAGE, max_changes=6), fix_bcc=st.booleans())
def test_a_damaged_iec62056_data_block_reads_or_says_why(data: bytes, fix_bcc: bool) -> None:
    if fix_bcc and len(data) > 2:
        data = data[:-1] + bytes([iec62056_21.bcc(data[1:-1])])
    try:
        lines = iec62056_21.parse_data_message(data)
    except iec62056_21.Iec62056Error as error:
        assert str(error).strip()
        return
    values, _ = iec62056_21.values_of(lines)
    assert all(isinstance(v, float) for v in values.values())
