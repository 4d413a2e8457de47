"""Under `run all`, a service that raises is restarted and the others never notice."""

from __future__ import annotations

import asyncio

from services.core.runtime import run_services
from services.core.runtime.runner import FAILED, ServiceContext, ServiceSpec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config


async def test_a_failing_service_is_restarted_and_the_others_keep_running(broker, tmp_path):
    config = make_config(broker, tmp_path)
    starts: list[str] = []
    second_start = asyncio.Event()
    steady_cancelled = asyncio.Event()

    async def flaky(ctx: ServiceContext) -> None:
        starts.append("flaky")
        if len(starts) == 1:
            await ctx.bus.connected.wait()
            raise RuntimeError("broken on first start")
        second_start.set()
        await asyncio.Future()

    async def steady(ctx: ServiceContext) -> None:
        starts.append("steady")
        try:
            await asyncio.Future()
        finally:
            steady_cancelled.set()

    availability = Collector()
    async with running_bus(
        config.mqtt, "observer", {"meterhub/service/flaky/availability": availability}
    ):
        stop = asyncio.Event()
        services = asyncio.create_task(
            run_services(
                config, [ServiceSpec("flaky", flaky), ServiceSpec("steady", steady)], stop=stop
            )
        )
        try:
            await availability.wait_for(lambda m: m.payload == FAILED.encode(), timeout=20)
            await asyncio.wait_for(second_start.wait(), timeout=20)
            # online again after the restart: a second "online", after the "failed"
            await availability.wait_for(
                lambda _: (
                    [m.payload for m in availability.messages][-1:] == [b"online"]
                    and FAILED.encode() in [m.payload for m in availability.messages]
                ),
                timeout=20,
            )
            assert starts.count("steady") == 1 and not steady_cancelled.is_set()
            assert not services.done()
        finally:
            stop.set()
            await asyncio.wait_for(services, timeout=20)
    assert steady_cancelled.is_set()  # stopped by the shutdown, not by the failure
