"""Wired meters without hardware, as `meterhub demo` runs them with the config in
docs/meters.md: the simulator's CE-711 on a pty, polled by the gateway, and the simulated
Fluvius meter's capacity state, over a real broker."""

from __future__ import annotations

import asyncio

from services.core.messages import CapacityState, Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config


async def test_simulated_ce711_and_fluvius_meter_end_to_end(broker, tmp_path) -> None:
    link = tmp_path / "ce711.tty"
    config = make_config(
        broker,
        tmp_path / "data",
        devices={
            "p1": {"kind": "p1"},
            "ce711": {"kind": "dlt645", "serial": {"port": str(link)},
                      "rs485": {"address": "000012345678", "interval_s": 1}},
        },
        simulator={
            "enabled": True,
            "meters": {
                "p1": {"type": "p1", "interval_s": 0.2},
                "ce711": {"type": "dlt645", "link": str(link), "address": "000012345678"},
            },
        },
    )  # fmt: skip
    seen, stop = Collector(), asyncio.Event()
    specs = [service_spec("capture_gateway"), service_spec("simulator")]
    services = asyncio.create_task(run_services(config, specs, stop=stop, health=Health()))
    try:
        async with running_bus(config.mqtt, "observer", {"meterhub/#": seen}):
            message = await seen.wait_for(lambda m: m.topic == "meterhub/ce711/reading")
            reading = Reading.from_payload(message.payload)
            assert reading.source == "dlt645" and reading.meter_id == "000012345678"
            values = reading.values
            assert values["energy_import_kwh"] == round(
                values["energy_import_t1_kwh"] + values["energy_import_t2_kwh"], 2
            )
            assert 215 <= values["voltage_l1_v"] <= 242
            state = await seen.wait_for(lambda m: m.topic == "meterhub/p1/capacity")
            capacity = CapacityState.from_payload(state.payload)
            assert capacity.month_peak_source == "meter" and capacity.months_averaged == 12
    finally:
        stop.set()
        await asyncio.wait_for(services, 20)
    assert not link.exists()  # the simulator cleans its link up
