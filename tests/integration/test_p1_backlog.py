"""The P1 bridge loses no quarter while the broker is down.

`device_sim` runs the P1 bridge with its flash backlog (a directory) on a simulated DSMR 5
meter whose clock runs 500 times fast (a telegram every 10 s of meter time, every 20 ms),
into the real capture gateway and storage on a real Mosquitto. The broker is stopped for
more than four quarter-hours of meter time, then started again: every quarter must be in
the gateway's capacity table, complete, with the meter's true average.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.simulator.p1 import P1MeterModel
from services.tools.broker_process import MosquittoProcess
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.integration.test_firmware_device_sim import Device, device_sim  # noqa: F401
from tests.integration.test_homeassistant_discovery import services

pytestmark = pytest.mark.slow

METER_START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)  # p1_meter_sim.h
STEP_S = 10
QUARTER = timedelta(minutes=15)
KEPT = "p1: kept for later quarter="
CATCH_UP_S = 90
# The bridge names a quarter by its local start in quarter-hours since 2000 (winter: UTC+1).
LOCAL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC) - timedelta(hours=1)


def kept_quarters(lines: list[str]) -> list[datetime]:
    found = [line.split(KEPT, 1)[1].split()[0] for line in lines if KEPT in line]
    return [LOCAL_EPOCH + int(q) * QUARTER for q in found]


def true_average_w(start: datetime) -> float:
    """The simulated meter's import over one quarter, as its counter adds it up."""
    first = int(start.timestamp())
    kw = [1.2 + 0.8 * math.sin(t / 1700.0) for t in range(first, first + 900, STEP_S)]
    return sum(kw) * STEP_S / 3600 * 1000 / 0.25


class Lines:
    """The device's output, line by line, for the test to wait on."""

    def __init__(self, device: Device) -> None:
        self.lines: list[str] = []
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        threading.Thread(target=self._read, args=(device,), daemon=True).start()

    def _read(self, device: Device) -> None:
        assert device.process.stdout is not None
        for line in device.process.stdout:
            self._loop.call_soon_threadsafe(self._add, line.rstrip("\n"))

    def _add(self, line: str) -> None:
        self.lines.append(line)
        self._changed.set()

    async def wait_until(self, condition, timeout: float = 30.0) -> None:
        async def check() -> None:
            while not condition(self.lines):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(check(), timeout)


def quarter_of(message) -> datetime:
    return datetime.fromisoformat(json.loads(message.payload)["quarter_start"])


# Past the test's own wait for the gateway, so a slow catch-up fails with its diagnosis.
@pytest.mark.timeout(CATCH_UP_S + 90)
async def test_p1_bridge_loses_no_quarter_while_the_broker_is_down(
    broker: MosquittoProcess,
    device_sim: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = make_config(broker, tmp_path / "data", devices={"p1": {"kind": "p1"}})
    capacity = Collector()
    async with services(config, "capture_gateway", "storage"):
        device = Device(
            device_sim, broker.port, "p1", "p1", "--p1-meter", "simulated",
            "--buffer-dir", str(tmp_path), "--keep-alive", "2",
        )  # fmt: skip
        try:
            lines = Lines(device)
            async with running_bus(config.mqtt, "p1-watch", {"meterhub/p1/capacity": capacity}):
                # Online for a whole quarter first.
                await capacity.wait_for(lambda m: quarter_of(m) >= METER_START + 2 * QUARTER)
            broker.stop()
            await lines.wait_until(lambda ls: len(kept_quarters(ls)) >= 5)
            broker.start()
            await lines.wait_until(lambda ls: "log: p1: backlog sent" in ls)
            capacity = Collector()
            async with running_bus(config.mqtt, "p1-watch2", {"meterhub/p1/capacity": capacity}):
                # Past the backlog: the gateway has had every telegram before this one.
                until = max(kept_quarters(lines.lines)) + 2 * QUARTER
                # The gateway works through the backlog while live telegrams keep coming,
                # 50 a second (a few seconds; it took minutes when Nagle's algorithm
                # held each acknowledgement back).
                try:
                    await capacity.wait_for(lambda m: quarter_of(m) >= until, CATCH_UP_S)
                except TimeoutError:
                    seen = [quarter_of(m).isoformat() for m in capacity.messages[-5:]]
                    pytest.fail(
                        f"no capacity for the quarter {until.isoformat()} in {CATCH_UP_S} s; "
                        f"last seen "
                        f"{seen}; the device's last lines: {lines.lines[-15:]}"
                    )
        finally:
            device.stop()

    given_up = [line for line in lines.lines if "given up" in line]
    assert not given_up, f"the device's flash overflowed: {given_up}"
    db = sqlite3.connect(config.storage.sqlite_path)
    rows = db.execute(
        "SELECT start, complete, average_w FROM capacity_quarters "
        "WHERE device = 'p1' AND running = 0 ORDER BY start"
    ).fetchall()
    starts = [datetime.fromisoformat(r[0]) for r in rows]
    wanted = [METER_START + n * QUARTER for n in range((until - METER_START) // QUARTER)]
    per_quarter = db.execute(
        "SELECT substr(ts, 1, 14) || printf('%02d', CAST(substr(ts, 15, 2) AS INTEGER) / 15 * 15),"
        " count(*) FROM readings WHERE device = 'p1' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    told = [line for line in lines.lines if "p1:" in line or "mqtt" in line]
    broker_log = broker.log_file.read_text().splitlines()[-30:]
    assert starts[: len(wanted)] == wanted, (
        f"a quarter is missing; readings stored per quarter {per_quarter}; the device said "
        f"{told}; the broker said {broker_log}"
    )
    for start, complete, average in rows[: len(wanted)]:
        assert complete == 1, f"quarter {start} incomplete"
        expected = true_average_w(datetime.fromisoformat(start))
        assert abs(average - expected) < 10, f"quarter {start}: {average} W, meter {expected}"
    readings = db.execute("SELECT count(DISTINCT ts) FROM readings WHERE device = 'p1'").fetchone()
    assert readings[0] >= len(wanted) * 900 // STEP_S * 0.9


async def test_telegrams_sent_before_the_gateway_is_back_from_a_broker_restart_reach_it(
    broker: MosquittoProcess, tmp_path: Path
) -> None:
    """Mosquitto keeps a plain subscription of a persistent session over its own restart,
    not a `$share` one: in the gateway's group, what a bridge sent from its backlog before
    the gateway was back was lost (a whole quarter, under load)."""
    config = make_config(broker, tmp_path / "data", devices={"p1": {"kind": "p1"}})
    sent_at = datetime(2026, 3, 14, 11, 0, 3, tzinfo=UTC)
    telegram = P1MeterModel(load_w=900, solar_w=0, rng=random.Random(7)).telegram(sent_at)
    async with services(config, "capture_gateway"):
        broker.stop()
        broker.start()
        # Nothing is awaited from the restart to the publish (blocking on purpose): the
        # gateway, on this event loop, cannot be back yet.
        subprocess.run(  # noqa: ASYNC221
            ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", "1",
             "-t", "meterhub/p1/telegram", "-m", telegram],
            check=True, timeout=10,
        )  # fmt: skip
        capacity = Collector()
        async with running_bus(config.mqtt, "p1-watch", {"meterhub/p1/capacity": capacity}):
            state = await capacity.wait_for(lambda m: True)  # retained
    assert datetime.fromisoformat(json.loads(state.payload)["ts"]) == sent_at
