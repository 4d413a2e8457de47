"""The RS-485 path through a real serial stack: a virtual CE-711 on a pty, pyserial on the other end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.capture_gateway.rs485 import BadReply, ClientSettings, Dlt645Client, NoAnswer
from services.core.messages import Reading, Rejected
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.protocols.dlt645 import data_id
from services.protocols.serial_link import LinkError, line_for, opened
from services.registry import specs_for
from services.simulator.dlt645_meter import PtyMeter, VirtualCe711
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

ADDRESS = "000012345678"
FAST = ClientSettings(timeout_s=0.3, retries=1)


@contextlib.asynccontextmanager
async def pty_meter(tmp_path: Path, **kwargs) -> AsyncIterator[tuple[VirtualCe711, Path]]:
    meter = VirtualCe711(ADDRESS, rng=random.Random(4), **kwargs)
    server = PtyMeter(meter, tmp_path / "ce711.tty", time_scale=0)  # state holds still
    task = asyncio.create_task(server.run())
    await asyncio.wait_for(server.ready.wait(), 5)
    try:
        yield meter, server.link
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_client_reads_the_meter_through_pyserial_on_a_pty(tmp_path) -> None:
    async with (
        pty_meter(tmp_path) as (meter, link),
        opened(line_for("dlt645", str(link), None, None)) as line,
    ):
        assert line.settings.baudrate == 2400 and line.settings.framing == "8E1"
        client = Dlt645Client(line, FAST)
        assert await client.find_address("1997") == ADDRESS
        total = await client.read(ADDRESS, data_id("1997", 0x9010))
        t1 = await client.read(ADDRESS, data_id("1997", 0x9011))
        t2 = await client.read(ADDRESS, data_id("1997", 0x9012))
        assert total.value == t1.value + t2.value  # the total is its own register, not T1
        shown = meter.registers(meter.clock)
        assert total.value == shown["energy_import_kwh"]


async def test_retry_survives_a_bad_checksum_and_reports_it_when_it_persists(tmp_path) -> None:
    async with (
        pty_meter(tmp_path) as (meter, link),
        opened(line_for("dlt645", str(link), None, None)) as line,
    ):
        client = Dlt645Client(line, FAST)
        meter.corrupt_replies = 1
        assert (await client.read(ADDRESS, data_id("1997", 0xB611))).value > 200
        meter.corrupt_replies = 5
        with pytest.raises(BadReply, match="bad checksum"):
            await client.read(ADDRESS, data_id("1997", 0xB611))
        meter.corrupt_replies, meter.silent = 0, True
        with pytest.raises(NoAnswer, match="no answer after 2 tries"):
            await client.read(ADDRESS, data_id("1997", 0xB611))


async def test_wrong_port_is_a_readable_error(tmp_path) -> None:
    with pytest.raises(LinkError, match="no such device"):
        async with opened(line_for("dlt645", str(tmp_path / "nothing"), None, None)):
            pass


async def test_gateway_polls_the_pty_meter_and_marks_it_offline_when_silent(
    broker, tmp_path
) -> None:
    async with pty_meter(tmp_path) as (meter, link):
        config = make_config(
            broker,
            tmp_path / "data",
            devices={
                "ce711": {
                    "kind": "dlt645",
                    "serial": {"port": str(link)},
                    "rs485": {"address": ADDRESS, "interval_s": 1, "timeout_s": 0.3, "retries": 1},
                }
            },
        )
        seen = Collector()
        stop = asyncio.Event()
        services = asyncio.create_task(
            run_services(
                config,
                specs_for("capture_gateway", simulator_enabled=False),
                stop=stop,
                health=Health(),
            )
        )
        try:
            async with running_bus(config.mqtt, "observer", {"meterhub/ce711/#": seen}):
                message = await seen.wait_for(lambda m: m.topic.endswith("/reading"))
                reading = Reading.from_payload(message.payload)
                assert reading.source == "dlt645" and reading.meter_id == ADDRESS
                shown = meter.registers(meter.clock)
                for key in (
                    "energy_import_kwh",
                    "energy_import_t1_kwh",
                    "energy_import_t2_kwh",
                    "reactive_energy_kvarh",
                    "voltage_l1_v",
                ):
                    assert reading.values[key] == float(shown[key]), key
                assert reading.values["power_w"] == float(shown["power_w"]) * 1000
                # Reactive power (kvar on the wire, var in the reading), power factor and
                # reactive export are read, not only shown by the CLI.
                assert reading.values["reactive_power_var"] == pytest.approx(
                    float(shown["reactive_power_var"]) * 1000
                )
                assert reading.values["power_factor"] == float(shown["power_factor"])
                assert reading.values["reactive_energy_export_kvarh"] == 0.0
                await seen.wait_for(
                    lambda m: m.topic.endswith("/availability") and m.payload == b"online"
                )
                meter.silent = True
                await seen.wait_for(
                    lambda m: m.topic.endswith("/availability") and m.payload == b"offline"
                )
                meter.silent, before = False, len(seen.messages)
                await seen.wait_for(
                    lambda m: (
                        m.topic.endswith("/availability")
                        and m.payload == b"online"
                        and any(m is later for later in seen.messages[before:])
                    )
                )
                meter.corrupt_replies = 100
                bad = await seen.wait_for(lambda m: m.topic.endswith("/rejected"))
                assert "bad checksum" in Rejected.from_payload(bad.payload).reason
                assert json.loads(bad.payload)["source"] == "dlt645"
        finally:
            stop.set()
            await asyncio.wait_for(services, 20)
