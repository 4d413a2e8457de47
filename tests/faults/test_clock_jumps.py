"""Device clocks that jump: ahead by years, back to 1970, back by an hour.

A reading stamped in the future would stay the newest value of its series until that
time came, freezing the state topic (and the web page, and Home Assistant) on it; one
stamped 1970 comes from a clock never set. Storage refuses both with the reason and
keeps following the meter; a clock set back an hour adds history without moving the
newest value backwards. A P1 meter whose own clock jumped goes the same way through
the capture gateway.
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

from services.core.messages import Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from services.simulator.p1 import P1MeterModel
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.faults.helpers import stored_numbers

SERVICES = ("storage", "capture_gateway")


def _reading(ts: datetime, number: int) -> bytes:
    return Reading(device="m1", ts=ts, source="p1", values={"power_w": float(number)}).to_payload()


def _state_says(power_w: float):
    return lambda m: json.loads(m.payload).get("power_w") == power_w


async def test_device_clock_jumps_are_refused_with_a_reason_and_the_state_keeps_up(
    broker, tmp_path
) -> None:
    config = make_config(
        broker, tmp_path / "data", devices={"m1": {"kind": "p1"}, "p1": {"kind": "p1"}}
    )
    stop, health = asyncio.Event(), Health()
    services = asyncio.create_task(
        run_services(config, [service_spec(s) for s in SERVICES], stop=stop, health=health)
    )
    rejected, state, p1_state = Collector(), Collector(), Collector()
    subscriptions = {
        "meterhub/+/rejected": rejected,
        "meterhub/m1/state": state,
        "meterhub/p1/state": p1_state,
    }
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        for name in SERVICES:
            await asyncio.wait_for(health.wait_connected(name), 15)
        async with running_bus(config.mqtt, "test-meter", subscriptions) as meter:
            send = meter.publish
            await send("meterhub/m1/reading", _reading(now - timedelta(seconds=60), 1))
            await state.wait_for(_state_says(1.0))
            await send("meterhub/m1/reading", _reading(now + timedelta(days=3650), 2))
            await send("meterhub/m1/reading", _reading(datetime(1970, 1, 1, 0, 5, tzinfo=UTC), 3))
            await send("meterhub/m1/reading", _reading(now - timedelta(seconds=30), 4))
            await state.wait_for(_state_says(4.0))  # not stuck ten years ahead
            await send("meterhub/m1/reading", _reading(now - timedelta(hours=1), 5))  # set back

            ahead = P1MeterModel(rng=random.Random(1))
            await send("meterhub/p1/telegram", ahead.telegram(now + timedelta(days=400)))
            right = P1MeterModel(rng=random.Random(2))
            await send("meterhub/p1/telegram", right.telegram(now))
            await p1_state.wait_for(lambda m: True)
            await send("meterhub/m1/reading", _reading(now - timedelta(seconds=10), 6))
            last = await state.wait_for(_state_says(6.0))

            reasons = {}
            for device, count in (("m1", 2), ("p1", 1)):
                await rejected.wait_for(
                    lambda m, d=device, c=count: (
                        sum(x.topic == f"meterhub/{d}/rejected" for x in rejected.messages) >= c
                    )
                )
                reasons[device] = [
                    json.loads(m.payload)["reason"]
                    for m in rejected.messages
                    if m.topic == f"meterhub/{device}/rejected"
                ]
    finally:
        stop.set()
        await asyncio.wait_for(services, 30)

    assert any("future" in r and "clock" in r for r in reasons["m1"]), reasons
    assert any("not set" in r for r in reasons["m1"]), reasons
    assert any("future" in r for r in reasons["p1"]), reasons
    # History keeps the hour-old reading; the newest value did not move back to it.
    assert stored_numbers(config.storage.sqlite_path) == [1, 4, 5, 6]
    assert json.loads(last.payload)["ts"] == (now - timedelta(seconds=10)).isoformat().replace(
        "+00:00", "Z"
    )
