"""The meter's low-credit beep, end to end on a real Mosquitto: the simulated PLN meter
beeps under its low-credit level, its sound sensor publishes ``alarm``, the bot passes it
on and Home Assistant's "Beeping" binary sensor (from the discovery service) turns on."""

from __future__ import annotations

import json

import pytest

from services.core.messages import Alarm
from tests.bus_helpers import Collector, running_bus
from tests.homeassistant_rules import render, violations
from tests.notifier.conftest import OWNER

pytestmark = pytest.mark.slow

SIMULATED = {
    "enabled": True,
    "meters": {
        "pln": {
            "type": "prepaid_camera",
            "balance_kwh": 3.0,  # under the 5 kWh low-credit level: beeping from the start
            "frame_interval_s": 3600,
            "keypad": {"enabled": False},
            # The first beep may go out before the bot has subscribed (an alarm is not
            # retained); the sensor hears the meter again every two seconds until it has.
            "sound": {"cooldown_s": 2, "listen_interval_s": 0.5},
        },
    },
}


async def test_beeping_meter_reaches_the_bot_and_home_assistant(start_bot) -> None:
    discovered = Collector()
    rig = await start_bot(services=("simulator", "discovery"), simulator=SIMULATED)
    async with running_bus(rig.config.mqtt, "ha-test", {"homeassistant/#": discovered}):
        alert = await rig.api.wait_sent(OWNER, "suara bip terdeteksi", timeout=60)
        assert alert.text.startswith("🔊")
        message = await rig.bus_seen.wait_for(lambda m: m.topic == "meterhub/pln/alarm")
        assert Alarm.from_payload(message.payload).kind == "beep"
        assert (message.qos, message.retain) == (1, False)

        config_topic = "homeassistant/binary_sensor/meterhub/pln_beeping/config"
        entity = await discovered.wait_for(lambda m: m.topic == config_topic)
        payload = json.loads(entity.payload)
        assert violations("binary_sensor", payload) == []
        assert payload["state_topic"] == "meterhub/pln/alarm"
        assert render(payload["value_template"], message.payload) == payload.get("payload_on", "ON")
