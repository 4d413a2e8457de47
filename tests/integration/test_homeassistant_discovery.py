"""Home Assistant discovery on a real Mosquitto, with storage producing the real state.

Every discovery payload is collected from the broker and checked against Home
Assistant's rules (tests/homeassistant_rules.py); every template is rendered with jinja2
against payloads the other services really publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.config import MeterhubConfig
from services.core.messages import (
    OTHER_REGISTER,
    CaptureRequest,
    DeviceProblem,
    Reading,
    Rejected,
    TokenSet,
    TokenState,
)
from services.core.runtime import run_services
from services.core.runtime.bus import Bus
from services.core.runtime.health import Health
from services.discovery.entities import Catalogue
from services.registry import SERVICES, service_spec
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.homeassistant_rules import render, violations

DEVICES: dict[str, Any] = {
    "pln": {"kind": "camera", "name": "PLN prepaid", "model": "Hexing HXE110"},
    "drum": {"kind": "camera", "ocr": {"display": "drum", "digits": 7, "decimals": 1,
                                        "quantity": "energy_import_kwh"}},
    "p1": {"kind": "p1", "name": "Fluvius"},
    "rs485": {"kind": "dlt645", "model": "Saiman CE-711"},
    "iec": {"kind": "iec62056"},
}  # fmt: skip
CONFIG_TOPICS = "homeassistant/#"
TOKEN = "12345678901234567890"


def config_with(broker, tmp_path, devices=None, **homeassistant: Any) -> MeterhubConfig:
    return make_config(
        broker, tmp_path / "data", devices=devices or DEVICES, homeassistant=homeassistant
    )


@contextlib.asynccontextmanager
async def services(config: MeterhubConfig, *names: str) -> AsyncIterator[Health]:
    """Run the named services until the block ends; they stop cleanly (outboxes flushed)."""
    health, stop = Health(), asyncio.Event()
    task = asyncio.create_task(
        run_services(config, [service_spec(n) for n in names], stop=stop, health=health)
    )
    try:
        for name in names:
            await asyncio.wait_for(health.wait_connected(name), 10)
        yield health
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def configs(collector: Collector) -> dict[str, dict[str, Any]]:
    """Latest discovery payload per config topic; cleared ones (empty payload) dropped."""
    latest: dict[str, bytes] = {}
    for message in collector.messages:
        if message.topic.endswith("/config"):
            latest[message.topic] = message.payload
    return {topic: json.loads(p) for topic, p in latest.items() if p}


async def wait_for_topics(collector: Collector, topics: set[str], timeout: float = 10) -> None:
    async def all_seen() -> None:
        for topic in sorted(topics):
            await collector.wait_for(lambda m, t=topic: m.topic == t, timeout)

    await asyncio.wait_for(all_seen(), timeout)


async def sync_marker(bus: Bus, collector: Collector) -> None:
    """Messages the broker took before this marker reach the collector before it does."""
    marker = f"homeassistant/test-marker/{id(collector)}"
    await bus.publish(marker, b"mark")
    await collector.wait_for(lambda m: m.topic == marker)


def reading(device: str, ts: str, source: str = "manual", **values: float) -> bytes:
    return Reading(device=device, ts=ts, source=source, values=values).to_payload()


async def test_every_discovery_payload_follows_home_assistants_rules(broker, tmp_path):
    config = config_with(broker, tmp_path)
    seen = Collector()
    async with (
        running_bus(config.mqtt, "ha-observer", {CONFIG_TOPICS: seen, "meterhub/#": seen}) as ha,
        services(config, "storage", "discovery"),
    ):
        expected = {e.topic for e in Catalogue(config).all_entities()}
        await wait_for_topics(seen, expected)
        # Real state from storage; the P1 meter's M-Bus gas meter is not announced yet.
        await ha.publish("meterhub/p1/reading", reading(
            "p1", "2026-11-22T05:00:00Z", "p1", energy_import_kwh=1234.567, power_w=-312.0,
            gas_m3=4321.123, voltage_l1_v=231.4))  # fmt: skip
        await ha.publish("meterhub/pln/reading", reading(
            "pln", "2026-11-22T05:00:00Z", "ocr", token_balance_kwh=127.25))  # fmt: skip
        gas = "homeassistant/sensor/meterhub/p1_gas_m3/config"
        await wait_for_topics(seen, {gas, "meterhub/p1/state", "meterhub/pln/state"})
        await sync_marker(ha, seen)

    found = configs(seen)
    assert set(found) == expected | {gas}
    for topic, payload in found.items():
        component = topic.split("/")[1]
        assert violations(component, payload) == [], topic

    unique_ids = [p["unique_id"] for p in found.values()]
    assert len(unique_ids) == len(set(unique_ids))
    # Each device exactly once, each routed through the hub, which itself exists.
    devices = {json.dumps(p["device"], sort_keys=True) for p in found.values()}
    hub = next(p["device"] for p in found.values() if "via_device" not in p["device"])
    assert len(devices) == len(DEVICES) + 1
    assert all(p["device"].get("via_device") in (None, *hub["identifiers"]) for p in found.values())
    pln = found["homeassistant/sensor/meterhub/pln_token_balance_kwh/config"]
    assert pln["device"]["name"] == "PLN prepaid" and pln["device"]["model"] == "Hexing HXE110"

    # Energy dashboard: counters in kWh, total_increasing; power in W, measurement.
    energy = found["homeassistant/sensor/meterhub/p1_energy_import_kwh/config"]
    assert (energy["device_class"], energy["state_class"], energy["unit_of_measurement"]) == (
        "energy", "total_increasing", "kWh")  # fmt: skip
    power = found["homeassistant/sensor/meterhub/p1_power_w/config"]
    assert (power["device_class"], power["state_class"], power["unit_of_measurement"]) == (
        "power", "measurement", "W")  # fmt: skip
    assert (pln["device_class"], pln["state_class"]) == ("energy_storage", "measurement")
    assert found[gas]["device_class"] == "gas" and found[gas]["unit_of_measurement"] == "m³"

    # Availability: the device's own topic and the storage service's, both required.
    assert [a["topic"] for a in energy["availability"]] == [
        "meterhub/p1/availability", "meterhub/service/storage/availability"]  # fmt: skip
    assert energy["availability_mode"] == "all"
    service_topics = {f"meterhub/service/{s}/availability" for s in SERVICES}
    service_topics.add("meterhub/service/token_entry/availability")  # planned service
    for payload in found.values():
        for item in payload.get("availability", []):
            assert item["topic"] in service_topics or re.fullmatch(
                r"meterhub/[a-z0-9_-]+/availability", item["topic"]
            ), item

    # Templates against the state storage really published.
    states = {
        m.topic: m.payload for m in seen.messages if re.fullmatch(r"meterhub/\w+/state", m.topic)
    }
    assert set(states) == {"meterhub/p1/state", "meterhub/pln/state"}
    rendered = 0
    for payload in found.values():
        if (state := states.get(payload.get("state_topic", ""))) is not None:
            value = render(payload["value_template"], state)
            key = payload["unique_id"].removeprefix("meterhub_").split("_", 1)[1]
            if key in json.loads(state):
                assert float(value) == json.loads(state)[key], payload["unique_id"]
                rendered += 1
            else:  # not reported yet (days_left: one reading forecasts nothing)
                assert value == "None", payload["unique_id"]
    assert rendered == 5  # four P1 values and the PLN balance
    days_left = found["homeassistant/sensor/meterhub/pln_days_left/config"]
    assert render(days_left["value_template"], states["meterhub/pln/state"]) == "None"
    future_state = json.dumps({**json.loads(states["meterhub/pln/state"]), "days_left": 12.5})
    assert render(days_left["value_template"], future_state) == "12.5"


async def test_days_left_reaches_home_assistant_as_storage_forecasts_it(broker, tmp_path):
    """Twelve hours of a falling balance: storage's retained state carries days left and its
    uncertainty, and the discovered sensor and its attributes render them."""
    config = config_with(broker, tmp_path)
    seen = Collector()
    now = datetime.now(UTC).replace(microsecond=0)
    balance, points = 60.0, []
    for hour in range(12, -1, -1):
        points.append((now - timedelta(hours=hour), balance))
        balance -= 0.5 if hour > 6 else 0.25  # twice the use in the first six hours
    async with (
        running_bus(config.mqtt, "ha-observer", {CONFIG_TOPICS: seen, "meterhub/#": seen}) as ha,
        services(config, "storage", "discovery"),
    ):
        sensor = "homeassistant/sensor/meterhub/pln_days_left/config"
        await wait_for_topics(seen, {sensor})
        for ts, value in points:
            await ha.publish("meterhub/pln/reading", reading(
                "pln", ts.isoformat(), "ocr", token_balance_kwh=value))  # fmt: skip
        state = await seen.wait_for(
            lambda m: (
                m.topic == "meterhub/pln/state"
                and b"days_left" in m.payload
                and json.loads(m.payload)["token_balance_kwh"] == points[-1][1]
            )
        )
    payload = configs(seen)[sensor]
    assert payload["name"] == "Days left" and payload["unit_of_measurement"] == "d"
    assert violations("sensor", payload) == []
    figures = json.loads(state.payload)
    # 4.5 kWh fell over the 12 hours since the first reading: 9 kWh a day.
    assert figures["days_left"] == round(points[-1][1] / 9.0, 1)
    # Two six-hour halves at 12 and 6 kWh a day: the rate's standard error is 3 kWh a day.
    assert figures["days_left_uncertainty"] == round(points[-1][1] * 3.0 / 9.0**2, 1)
    assert float(render(payload["value_template"], state.payload)) == figures["days_left"]
    attributes = json.loads(render(payload["json_attributes_template"], state.payload))
    assert attributes == {"uncertainty_days": figures["days_left_uncertainty"]}


async def test_controls_speak_the_bus_contract(broker, tmp_path):
    config = config_with(broker, tmp_path)
    seen = Collector()
    async with (
        running_bus(config.mqtt, "ha-observer", {CONFIG_TOPICS: seen}),
        services(config, "discovery"),
    ):
        await wait_for_topics(seen, {e.topic for e in Catalogue(config).all_entities()})
    found = configs(seen)
    base = "homeassistant/{}/meterhub/{}/config"

    button = found[base.format("button", "pln_check_now")]
    assert button["command_topic"] == "meterhub/pln/cmd/capture"
    assert CaptureRequest.from_payload(button["payload_press"]).request_id

    text = found[base.format("text", "pln_token")]
    assert text["command_topic"] == "meterhub/pln/token/set"
    assert re.fullmatch(text["pattern"], TOKEN) and not re.fullmatch(text["pattern"], TOKEN[:-1])
    assert text["min"] == text["max"] == len(TOKEN)
    command = TokenSet.from_payload(render(text["command_template"], "", value=TOKEN))
    assert (command.token, command.source) == (TOKEN, "homeassistant")
    # Quotes in a value cannot break the JSON (HA enforces the pattern; this is defence).
    assert TokenSet.from_payload(render(text["command_template"], "", value='1"}')).token == '1"}'

    status = found[base.format("sensor", "pln_token_status")]
    assert status["state_topic"] == "meterhub/pln/token/state"
    for step in status["options"]:
        payload = TokenState(request_id="r1", state=step, detail="").to_payload()
        assert render(status["value_template"], payload) == step

    problem = found[base.format("binary_sensor", "pln_problem")]
    assert problem["state_topic"] == "meterhub/pln/problem"
    on = DeviceProblem(problem=True, rejected_in_a_row=3, reason="x").to_payload()
    off = DeviceProblem(problem=False, rejected_in_a_row=0).to_payload()
    assert (render(problem["value_template"], on), render(problem["value_template"], off)) == (
        problem.get("payload_on", "ON"), problem.get("payload_off", "OFF"))  # fmt: skip

    # Prepaid controls only where there is a prepaid balance; camera controls on cameras.
    objects = {t.split("/")[3] for t in found}
    assert {"drum_check_now", "drum_problem"} <= objects
    assert not {"drum_token", "drum_token_status", "p1_check_now", "p1_problem"} & objects


async def test_configs_come_again_when_home_assistant_comes_online(broker, tmp_path):
    config = config_with(broker, tmp_path)
    seen = Collector()
    async with (
        running_bus(config.mqtt, "ha-observer", {CONFIG_TOPICS: seen}) as ha,
        services(config, "discovery"),
    ):
        expected = {e.topic for e in Catalogue(config).all_entities()}
        await wait_for_topics(seen, expected)
        first = len(seen.messages)
        await ha.publish("homeassistant/status", b"online")

        def twice(topic: str):
            return lambda _m: sum(m.topic == topic for m in seen.messages) >= 2

        for topic in sorted(expected):
            await seen.wait_for(twice(topic))
        again = [m for m in seen.messages[first:] if m.topic.endswith("/config")]
        assert {m.topic for m in again} == expected
        assert all(m.qos == 1 for m in again)
    # The configs the broker keeps are retained: a newcomer gets every one of them.
    late = Collector()
    async with running_bus(config.mqtt, "ha-late", {CONFIG_TOPICS: late}) as bus:
        await wait_for_topics(late, expected)
        await sync_marker(bus, late)
    assert all(m.retain for m in late.messages if m.topic.endswith("/config"))


async def test_configs_of_removed_devices_and_controls_are_cleared(broker, tmp_path):
    before = config_with(broker, tmp_path)
    seen = Collector()
    async with running_bus(before.mqtt, "ha-observer", {CONFIG_TOPICS: seen}) as ha:
        async with services(before, "discovery"):
            await wait_for_topics(seen, {e.topic for e in Catalogue(before).all_entities()})
        # Another integration's config under another node must survive.
        foreign = "homeassistant/sensor/othernode/p1_power_w/config"
        await ha.publish(foreign, b'{"state_topic": "x", "unique_id": "other"}', retain=True)
        await sync_marker(ha, seen)
        # pln's display now shows a drum counter: it is no longer a prepaid meter.
        devices = {
            "pln": {"kind": "camera", "ocr": {"display": "drum", "digits": 7, "decimals": 1,
                                               "quantity": "energy_import_kwh"}},
            "p1": DEVICES["p1"],
        }  # fmt: skip
        after = config_with(broker, tmp_path, devices=devices)
        gone = set(configs(seen)) - {e.topic for e in Catalogue(after).all_entities()}
        gone.discard(foreign)
        kept_quantity = "homeassistant/sensor/meterhub/pln_token_balance_kwh/config"
        gone.discard(kept_quantity)  # a quantity the device reported stays (see the docs)
        assert {t.split("/")[3] for t in gone} >= {"pln_token", "pln_token_status", "drum_problem"}
        async with services(after, "discovery"):
            for topic in sorted(gone):
                await seen.wait_for(lambda m, t=topic: m.topic == t and m.payload == b"")

    late = Collector()
    async with running_bus(after.mqtt, "ha-late", {CONFIG_TOPICS: late}) as bus:
        await sync_marker(bus, late)
    retained = set(configs(late))
    assert not gone & retained
    assert {e.topic for e in Catalogue(after).all_entities()} <= retained
    assert {foreign, kept_quantity} <= retained


async def test_problem_sensor_follows_rejected_and_accepted_readings(broker, tmp_path):
    config = config_with(broker, tmp_path, problem_after_rejections=2)
    seen = Collector()
    async with (
        running_bus(config.mqtt, "ha-observer", {"meterhub/pln/problem": seen}) as ha,
        services(config, "storage", "discovery"),
    ):
        for n in range(2):
            rejected = Rejected(device="pln", source="ocr", reason=f"digit {n} unreadable")
            await ha.publish("meterhub/pln/rejected", rejected.to_payload())
        on = await seen.wait_for(lambda m: json.loads(m.payload)["problem"])
        assert DeviceProblem.from_payload(on.payload).reason == "digit 1 unreadable"
        await ha.publish("meterhub/pln/reading", reading(
            "pln", "2026-11-22T05:00:00Z", "ocr", token_balance_kwh=99.5))  # fmt: skip
        off = await seen.wait_for(lambda m: not json.loads(m.payload)["problem"])
        assert DeviceProblem.from_payload(off.payload).rejected_in_a_row == 0
    late = Collector()
    async with running_bus(config.mqtt, "ha-late", {"meterhub/pln/problem": late}):
        retained = await late.wait_for(lambda m: m.retain)
    assert json.loads(retained.payload)["problem"] is False


async def test_another_register_of_a_cycling_display_is_no_problem(broker, tmp_path):
    config = config_with(broker, tmp_path, problem_after_rejections=2)
    seen = Collector()
    async with (
        running_bus(config.mqtt, "ha-observer", {"meterhub/pln/problem": seen}) as ha,
        services(config, "discovery"),
    ):
        reasons = ["digit 0 unreadable", *[OTHER_REGISTER] * 3, "digit 1 unreadable"]
        for reason in reasons:
            rejected = Rejected(device="pln", source="ocr", reason=reason)
            await ha.publish("meterhub/pln/rejected", rejected.to_payload())
        on = await seen.wait_for(lambda m: json.loads(m.payload)["problem"])
    problem = DeviceProblem.from_payload(on.payload)
    assert (problem.reason, problem.rejected_in_a_row) == ("digit 1 unreadable", 2)


async def test_discovery_off_publishes_nothing(broker, tmp_path):
    config = config_with(broker, tmp_path, enabled=False)
    seen = Collector()
    async with running_bus(
        config.mqtt, "ha-observer", {CONFIG_TOPICS: seen, "meterhub/+/problem": seen,
                                     "meterhub/p1/state": seen}
    ) as ha:  # fmt: skip
        async with services(config, "storage", "discovery") as health:
            await ha.publish("homeassistant/status", b"online")
            for n in range(5):
                rejected = Rejected(device="pln", source="ocr", reason=f"bad {n}")
                await ha.publish("meterhub/pln/rejected", rejected.to_payload())
            await ha.publish("meterhub/p1/reading", reading(
                "p1", "2026-11-22T05:00:00Z", "p1", gas_m3=1.0))  # fmt: skip
            await seen.wait_for(lambda m: m.topic == "meterhub/p1/state")
            discovery = health.buses["discovery"]
        # Stopped: whatever the services sent is with the broker, ahead of the marker.
        await sync_marker(ha, seen)
    assert discovery.stats.published == 0 and discovery.stats.received == 0
    assert [m.topic for m in seen.messages if "test-marker" not in m.topic] == [
        "homeassistant/status", "meterhub/p1/state"]  # fmt: skip
