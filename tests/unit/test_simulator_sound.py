"""The simulated sound sensor: an alarm while the meter is under its low-credit level, at
most one per cooldown, none once a token lifted the balance."""

from __future__ import annotations

import random
import re
from pathlib import Path

from services.core.config.simulator import SimulatedSound
from services.core.messages import ALARM_COOLDOWN_S, Alarm
from services.simulator.prepaid import PrepaidMeterModel
from services.simulator.sound import PrepaidSound
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config


async def _still() -> None:
    """The meter stands still between looks (no load)."""


async def test_alarm_while_under_the_level_once_per_cooldown(broker, tmp_path) -> None:
    alarms = Collector()
    config = make_config(broker, tmp_path)
    meter = PrepaidMeterModel(balance_kwh=6.0, mean_load_w=0, rng=random.Random(1))
    settings = SimulatedSound(low_credit_kwh=5.0, cooldown_s=3600)
    async with running_bus(config.mqtt, "sound", {"meterhub/pln/alarm": alarms}) as bus:
        sound = PrepaidSound(bus, "pln", settings, meter, _still)
        assert not await sound.listen()  # 6 kWh: quiet
        meter.balance_kwh = 4.9
        assert await sound.listen()
        assert not await sound.listen()  # within the cooldown
        message = await alarms.wait_for(lambda m: True)
        assert Alarm.from_payload(message.payload).kind == "beep"

        meter.top_up(20)
        no_cooldown = PrepaidSound(
            bus, "pln", settings.model_copy(update={"cooldown_s": 0}), meter, _still
        )
        assert not await no_cooldown.listen()  # topped up: the beeping stops
        meter.balance_kwh = 1.0
        assert await no_cooldown.listen() and await no_cooldown.listen()


FIRMWARE = Path(__file__).resolve().parents[2] / "firmware" / "esp32_mqtt"


def test_the_boards_simulator_and_home_assistant_share_one_default_cooldown() -> None:
    for header in ("src/glue/sound.h", "include/config.example.h"):
        text = (FIRMWARE / header).read_text()
        found = re.search(r"#define MH_SOUND_COOLDOWN_S (\d+)", text)
        assert found and int(found.group(1)) == ALARM_COOLDOWN_S, header
    assert SimulatedSound().cooldown_s == ALARM_COOLDOWN_S
