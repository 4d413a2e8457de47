"""IEC 62056-21 mode C readout through pyserial on a pty, against a scripted meter."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty

import pytest

from services.protocols.iec62056_21 import (
    Iec62056Error,
    bcc,
    data_message,
    option_select,
    parse_data_message,
    parse_identification,
    readout,
    sign_on,
    values_of,
)
from services.protocols.serial_link import line_for, opened

LINES = [
    "0.0.0(71234567)",
    "1.8.0(012345.678*kWh)",
    "1.8.1(008000.001*kWh)",
    "1.8.2(004345.677*kWh)",
    "2.8.0(000000.000*kWh)",
    "1-0:32.7.0*255(231.2*V)",
    "31.7.0(004.20*A)",
    "16.7.0(0.912*kW)",
    "F.F(00000000)",
]


def test_frames_byte_for_byte() -> None:
    assert sign_on() == b"/?!\r\n"
    assert sign_on("12345678") == b"/?12345678!\r\n"
    assert option_select("5") == b"\x06050\r\n"
    message = data_message(["1.8.0(1*kWh)"])
    body = b"1.8.0(1*kWh)\r\n!\r\n\x03"
    assert message == b"\x02" + body + bytes([bcc(body)])
    ident = parse_identification(b"/ISk5ME162-0033\r\n")
    assert (ident.manufacturer, ident.baudrate, ident.ident) == ("ISk", 9600, "ME162-0033")
    assert parse_identification(b"/LGZ4\\2ZMD3104107.B32").ident == "ZMD3104107.B32"


def test_data_block_values_and_bad_bcc() -> None:
    lines = parse_data_message(data_message(LINES))
    values, meter_id = values_of(lines)
    assert meter_id == "71234567"
    assert values == {
        "energy_import_kwh": 12345.678,
        "energy_import_t1_kwh": 8000.001,
        "energy_import_t2_kwh": 4345.677,
        "energy_export_kwh": 0.0,
        "voltage_l1_v": 231.2,
        "current_l1_a": 4.2,
        "power_w": 912.0,
    }
    broken = bytearray(data_message(LINES))
    broken[10] ^= 0x01
    with pytest.raises(Iec62056Error, match="bad BCC"):
        parse_data_message(bytes(broken))


async def scripted_meter(master: int, *, answer: bool = True) -> list[bytes]:
    """Reads the sign-on, answers, reads the acknowledgement, sends the data message."""
    loop, heard, buffer = asyncio.get_running_loop(), [], b""

    async def until(marker: bytes) -> bytes:
        nonlocal buffer
        while marker not in buffer:
            buffer += await loop.run_in_executor(None, os.read, master, 256)
        found, buffer = buffer.split(marker, 1)
        return found + marker

    heard.append(await until(b"!\r\n"))
    if not answer:
        return heard
    os.write(master, b"/ISk5ME162-0033\r\n")
    heard.append(await until(b"\r\n"))
    os.write(master, data_message(LINES))
    return heard


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


async def test_mode_c_readout_over_a_serial_line(pty_pair) -> None:
    master, port = pty_pair
    async with opened(line_for("iec62056", port, None, None)) as line:
        meter = asyncio.create_task(scripted_meter(master))
        result = await readout(line, timeout_s=3)
        heard = await asyncio.wait_for(meter, 5)
    assert heard == [b"/?!\r\n", b"\x06050\r\n"]  # 9600 offered, 9600 chosen
    assert result.identification.manufacturer == "ISk"
    assert result.values["energy_import_kwh"] == 12345.678 and result.meter_id == "71234567"


async def test_silent_meter_is_a_readable_error(pty_pair) -> None:
    master, port = pty_pair
    async with opened(line_for("iec62056", port, None, None)) as line:
        meter = asyncio.create_task(scripted_meter(master, answer=False))
        with pytest.raises(Iec62056Error, match=r"no answer within 0\.3 s"):
            await readout(line, timeout_s=0.3)
        await asyncio.wait_for(meter, 5)


async def test_gateway_polls_an_iec_meter(broker, tmp_path, pty_pair) -> None:
    from services.core.messages import Reading
    from services.core.runtime import run_services
    from services.core.runtime.health import Health
    from services.registry import specs_for
    from tests.bus_helpers import Collector, running_bus
    from tests.conftest import make_config

    master, port = pty_pair
    config = make_config(
        broker,
        tmp_path / "data",
        devices={"ir": {"kind": "iec62056", "serial": {"port": port}, "rs485": {"interval_s": 1}}},
    )
    seen, stop = Collector(), asyncio.Event()
    meter = asyncio.create_task(scripted_meter(master))
    services = asyncio.create_task(
        run_services(
            config,
            specs_for("capture_gateway", simulator_enabled=False),
            stop=stop,
            health=Health(),
        )
    )
    try:
        async with running_bus(config.mqtt, "observer", {"meterhub/ir/#": seen}):
            message = await seen.wait_for(lambda m: m.topic.endswith("/reading"))
            reading = Reading.from_payload(message.payload)
            assert reading.source == "iec62056" and reading.meter_id == "71234567"
            assert reading.values["energy_import_t2_kwh"] == 4345.677
    finally:
        stop.set()
        await asyncio.wait_for(services, 20)
        meter.cancel()


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra
    pass
else:

    @given(
        values=st.lists(st.decimals(0, 10**6, places=3, allow_nan=False), min_size=1, max_size=8)
    )
    def test_data_blocks_round_trip(values) -> None:
        lines = [f"1.8.{i % 5}({v:011.3f}*kWh)" for i, v in enumerate(values)]
        parsed = parse_data_message(data_message(lines))
        assert list(parsed) == list(dict.fromkeys(f"1.8.{i % 5}" for i in range(len(values))))

    @given(st.binary(max_size=200))
    def test_noise_is_an_error_never_a_crash(noise: bytes) -> None:
        with contextlib.suppress(Iec62056Error):
            parse_data_message(noise)
