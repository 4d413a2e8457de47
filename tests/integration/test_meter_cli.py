"""`meterhub meter` against the virtual CE-711 on a pty, and `meter decode` / `parse p1`."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from services.cli import main
from services.core.messages import Reading
from tests.integration.test_rs485_pty import ADDRESS, pty_meter
from tests.unit.test_dsmr_makes import telegram
from tests.unit.test_p1 import FLUVIUS, _corrupt


async def meterhub(*args: str, stdin: str = "") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_scan_finds_the_address_and_read_prints_every_register(tmp_path) -> None:
    async with pty_meter(tmp_path) as (meter, link):
        code, out, err = await meterhub("meter", "scan", "--port", str(link), "--baud", "2400")
        assert code == 0, err
        assert out.strip() == f"meter {ADDRESS}  DL/T 645-1997  {link} at 2400 8E1"
        code, out, err = await meterhub("meter", "read", "--port", str(link), "--address", ADDRESS)
        assert code == 0, err
        shown = meter.registers(meter.clock)
        rows = {line.split()[0]: line for line in out.splitlines()[2:]}
        assert f"{shown['energy_import_kwh']:f} kWh" in rows["9010"]
        assert f"{shown['energy_import_t1_kwh']:f} kWh" in rows["9011"]
        assert rows["B611"].endswith(f"{shown['voltage_l1_v']} V")
        assert "not supported" in rows["B612"]  # single phase: no voltage B
        assert rows["C032"].endswith(ADDRESS)


async def test_menu_reads_one_register_then_quits(tmp_path) -> None:
    async with pty_meter(tmp_path) as (meter, link):
        code, out, err = await meterhub("meter", "menu", "--port", str(link), stdin="3\n9012\n0\n")
        assert code == 0, err
        shown = meter.registers(meter.clock)
        assert f"active import T2: {shown['energy_import_t2_kwh']:f} kWh" in out


async def test_watch_repeats_the_main_values(tmp_path) -> None:
    async with pty_meter(tmp_path) as (meter, link):
        code, out, err = await meterhub(
            "meter", "watch", "--port", str(link), "--count", "2", "--interval", "0.1"
        )
        assert code == 0, err
        lines = out.splitlines()
        shown = meter.registers(meter.clock)
        assert len(lines) == 2
        assert all(f"active import total: {shown['energy_import_kwh']:f} kWh" in x for x in lines)


async def test_help_lists_the_actions() -> None:
    code, out, err = await meterhub("meter", "--help")
    assert code == 0, err
    for action in ("scan", "read", "watch", "menu", "decode"):
        assert f"    {action} " in out, action
    assert "until Ctrl-C" in out


async def test_menu_watch_reads_the_count_asked_for(tmp_path) -> None:
    async with pty_meter(tmp_path) as (_, link):
        code, out, err = await meterhub(
            "meter", "menu", "--port", str(link), stdin="4\n3\n0.05\n0\n"
        )
        assert code == 0, err
        reads = [line for line in out.splitlines() if "active import total:" in line]
        assert len(reads) == 3
        assert all("power factor: 0.930" in line for line in reads)


async def test_watch_goes_on_until_ctrl_c_and_the_menu_stays(tmp_path) -> None:
    async with pty_meter(tmp_path) as (_, link):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.cli", "meter", "menu", "--port", str(link),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"4\n\n0.05\n")  # no count: until Ctrl-C
        await process.stdin.drain()
        reads = 0
        while reads < 4:  # more than any count would have given: it keeps watching
            line = await asyncio.wait_for(process.stdout.readline(), 20)
            assert line, "the watch ended by itself"
            reads += b"active import total:" in line
        process.send_signal(signal.SIGINT)
        stopped = b""
        while b"watch stopped after" not in stopped:
            stopped = await asyncio.wait_for(process.stdout.readline(), 20)
            assert stopped, "no word that the watch stopped"
        process.stdin.write(b"3\n9010\n0\n")  # the menu is still there
        process.stdin.close()
        rest, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
        assert b"active import total:" in rest


async def test_errors_say_what_to_check(tmp_path) -> None:
    code, _, err = await meterhub("meter", "read", "--port", str(tmp_path / "ttyNone"))
    assert code == 1 and "no such device" in err and "Traceback" not in err
    async with pty_meter(tmp_path) as (meter, link):
        meter.silent = True
        code, _, err = await meterhub(
            "meter", "read", "--port", str(link), "--timeout", "0.2", "--retries", "0"
        )
        assert code == 1 and "no answer from meter 999999999999" in err and "A/B" in err
        meter.silent, meter.corrupt_replies = False, 1000
        code, _, err = await meterhub("meter", "read", "--port", str(link), "--timeout", "0.2")
        assert code == 1 and "corrupt" in err and "bad checksum" in err


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("68 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3E 16",
         {"value": 123456.78, "quantity": "energy_import_kwh", "error_reply": False}),
        ("FE FE 68 01 00 00 00 00 00 68 C1 01 35 C8 16",
         {"error_reply": True, "reason": "meter error 0x02: no such data identifier"}),
    ],
)  # fmt: skip
def test_decode_prints_one_json_object(capsys, frame: str, expected: dict) -> None:
    assert main(["meter", "decode", *frame.split()]) == 0
    result = json.loads(capsys.readouterr().out)
    assert expected.items() <= result.items()


def test_decode_bad_checksum(capsys) -> None:
    frame = "68 01 00 00 00 00 00 68 81 06 43 C3 AB 89 67 45 3F 16"  # one argument works too
    assert main(["meter", "decode", frame]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": "bad checksum (frame says 0x3F, computed 0x3E)"
    }


def test_parse_p1_prints_a_reading_per_telegram(tmp_path: Path, capsys) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_bytes(
        (FLUVIUS + telegram("dsmr42_kaifa.txt") + _corrupt(FLUVIUS) + FLUVIUS).encode()
    )
    assert main(["parse", "p1", str(capture), "--device", "home"]) == 1  # one was bad
    captured = capsys.readouterr()
    readings = [Reading.from_payload(line) for line in captured.out.splitlines()]
    assert [r.device for r in readings] == ["home"] * 3
    assert readings[0].values["month_peak_power_w"] == 4712.0
    assert readings[1].values["gas_m3"] == 981.443
    assert "telegram 3: rejected: CRC mismatch" in captured.err
