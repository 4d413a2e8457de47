"""A P1 port on a serial line (a pty): telegrams framed from the byte stream, parsed, published."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tty
from datetime import UTC, datetime

import pytest

from services.capture_gateway.p1_serial import TelegramFramer
from services.core.messages import Reading, Rejected
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import specs_for
from services.simulator.p1 import P1MeterModel
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.unit.test_dsmr_makes import telegram


def test_framer_cuts_telegrams_and_reports_cut_ones() -> None:
    good = telegram("dsmr42_kaifa.txt")
    framer = TelegramFramer()
    assert framer.feed(b"kWh)\r\n!1234\r\n") == []  # joined mid-telegram: a tail, dropped
    pieces = framer.feed(good[:100].encode())
    assert pieces == []
    pieces = framer.feed(good[100:].encode() + good[:50].encode() + good.encode())
    assert pieces == [good, good[:50], good]  # the second was cut short by the third


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


async def test_dsmr22_meter_on_a_9600_7e1_line(broker, tmp_path, pty_pair) -> None:
    master, port = pty_pair
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "meter": {"kind": "p1", "serial": {"port": port, "baudrate": 9600, "framing": "7E1"}}
        },
    )
    seen, stop = Collector(), asyncio.Event()
    services = asyncio.create_task(
        run_services(
            config,
            specs_for("capture_gateway", simulator_enabled=False),
            stop=stop,
            health=Health(),
        )
    )
    try:
        async with running_bus(config.mqtt, "observer", {"meterhub/meter/#": seen}):
            legacy = telegram("dsmr22_iskra.txt").encode()

            async def until_read():  # the port opens when the gateway gets to it: resend
                while True:
                    os.write(master, legacy)
                    with contextlib.suppress(TimeoutError):
                        return await seen.wait_for(lambda m: m.topic.endswith("/reading"), 0.5)

            first = await asyncio.wait_for(until_read(), 20)
            assert Reading.from_payload(first.payload).values["gas_m3"] == 124.477
            model = P1MeterModel(rng=random.Random(3))
            modern = model.telegram(datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
            os.write(master, (modern[:300] + modern).encode())
            await seen.wait_for(
                lambda m: (
                    m.topic.endswith("/reading")
                    and Reading.from_payload(m.payload).ts
                    == datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
                )
            )
            cut = await seen.wait_for(lambda m: m.topic.endswith("/rejected"))
            assert "truncated" in Rejected.from_payload(cut.payload).reason
            online = await seen.wait_for(lambda m: m.topic.endswith("/availability"))
            assert online.payload == b"online"
    finally:
        stop.set()
        await asyncio.wait_for(services, 20)


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra
    pass
else:

    @given(cuts=st.lists(st.integers(1, 400), max_size=30))
    def test_framer_gives_the_same_telegrams_however_the_bytes_arrive(cuts) -> None:
        stream = (telegram("dsmr42_kaifa.txt") + telegram("dsmr22_iskra.txt")) * 2
        data, framer, pieces, at = stream.encode(), TelegramFramer(), [], 0
        for size in cuts:
            pieces += framer.feed(data[at : at + size])
            at += size
        pieces += framer.feed(data[at:])
        assert "".join(pieces) == stream
        assert pieces == [telegram("dsmr42_kaifa.txt"), telegram("dsmr22_iskra.txt")] * 2
