"""Discovery tables without a broker: every quantity and kind passes Home Assistant's rules,
the rule checker itself catches bad payloads, the problem tracker counts as documented."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from services.core.config import ConfigError, MeterhubConfig, load_config_text
from services.core.config.devices import DeviceKind
from services.core.messages import DeviceProblem, Reading
from services.core.quantities import QUANTITIES
from services.discovery.entities import CONTROLS, KINDS, Catalogue, device_quantities
from services.discovery.problems import ProblemTracker
from services.protocols import dlt645, dsmr, iec62056_21
from services.simulator.p1 import P1MeterModel
from tests.homeassistant_rules import render, violations

ALL_KINDS = MeterhubConfig.model_validate(
    {
        "devices": {
            "pln": {"kind": "camera"},
            "drum": {"kind": "camera", "ocr": {"quantity": "energy_import_kwh"}},
            "p1": {"kind": "p1"},
            "rs": {"kind": "dlt645"},
            "iec": {"kind": "iec62056"},
        }
    }
)


def _sensors(devices: dict[str, Any], device: str) -> set[str]:
    """The quantities Home Assistant is told of for ``device`` before any state arrives."""
    config = MeterhubConfig.model_validate({"devices": devices})
    entities = Catalogue(config, version="test").device_entities(device)
    return {e.object_id.removeprefix(f"{device}_") for e in entities} & QUANTITIES.keys()


def test_every_kind_has_a_row_naming_only_catalogue_quantities() -> None:
    assert set(KINDS) == set(get_args(DeviceKind))
    for device in ALL_KINDS.devices.values():
        keys = device_quantities(device)
        assert set(keys) <= QUANTITIES.keys()
        assert len(set(keys)) == len(keys)


def test_what_a_p1_telegram_gives_is_announced_before_the_first_one() -> None:
    telegram = P1MeterModel(rng=random.Random(5)).telegram(datetime(2026, 11, 22, 5, tzinfo=UTC))
    values = dsmr.parse_telegram(telegram).values
    assert {"power_w", "energy_import_t1_kwh", "quarter_avg_power_w"} <= values.keys()
    assert values.keys() - {"gas_m3", "water_m3"} <= _sensors({"p1": {"kind": "p1"}}, "p1")


@pytest.mark.parametrize("edition", ["1997", "2007"])
@pytest.mark.parametrize("phases", [1, 3])
def test_every_register_a_dlt645_poll_reads_is_a_sensor(edition: str, phases: int) -> None:
    rs = {"kind": "dlt645", "rs485": {"edition": edition, "phases": phases}}
    polled = {d.quantity for d in dlt645.poll_ids(edition, phases)}
    assert ("voltage_l3_v" in polled) == (phases == 3)
    assert _sensors({"rs": rs}, "rs") == polled


def test_a_row_added_to_a_codec_table_is_a_sensor(monkeypatch: pytest.MonkeyPatch) -> None:
    rs = {"rs": {"kind": "dlt645"}}
    assert "power_import_w" not in _sensors(rs, "rs")
    row = dlt645.DataId("1997", 0xB6F0, "active power import", 3, 4, "kW", "power_import_w", 1000)
    monkeypatch.setitem(dlt645.DATA_IDS, (row.edition, row.code), row)
    assert "power_import_w" in _sensors(rs, "rs")


@pytest.mark.parametrize("phases", [1, 3])
def test_every_quantity_the_iec_codec_maps_is_a_sensor_for_the_meters_phases(phases: int) -> None:
    iec = {"kind": "iec62056", "rs485": {"phases": phases}}
    mapped = set(iec62056_21.OBIS_QUANTITIES.values())
    if phases == 1:
        mapped -= {
            f"{k}_l{p}_{u}"
            for p in (2, 3)
            for k, u in (("voltage", "v"), ("current", "a"), ("power", "w"))
        }
    assert _sensors({"iec": iec}, "iec") == mapped


def test_a_camera_announces_the_quantity_its_display_shows() -> None:
    assert device_quantities(ALL_KINDS.devices["drum"]) == ("energy_import_kwh",)
    assert device_quantities(ALL_KINDS.devices["pln"]) == ("token_balance_kwh",)


@pytest.mark.parametrize("key", sorted(QUANTITIES))
def test_every_catalogue_quantity_makes_a_valid_sensor(key: str) -> None:
    entity = Catalogue(ALL_KINDS, version="test").quantity_sensor("p1", key)
    assert violations(entity.component, entity.payload) == []


def test_every_entity_of_every_kind_is_valid_and_unique() -> None:
    entities = Catalogue(ALL_KINDS, version="test").all_entities()
    for entity in entities:
        assert violations(entity.component, entity.payload) == [], entity.topic
    assert len({e.topic for e in entities}) == len(entities)
    assert len({e.payload["unique_id"] for e in entities}) == len(entities)
    controls = {c.object_id for c in CONTROLS}
    per_device = {
        d: {e.object_id.removeprefix(f"{d}_") for e in entities if e.object_id.startswith(d)}
        for d in ALL_KINDS.devices
    }
    assert per_device["pln"] & controls == controls
    assert per_device["drum"] & controls == {"check_now", "problem", "reading_jumped"}
    assert not per_device["p1"] & controls
    assert per_device["drum"] - controls == set(device_quantities(ALL_KINDS.devices["drum"]))


def test_reading_jumped_is_on_for_a_corrected_reading_and_off_for_the_next() -> None:
    entity = Catalogue(ALL_KINDS, version="test").expected("drum", "reading_jumped")
    assert entity is not None and entity.payload["state_topic"] == "meterhub/drum/reading"
    normal = Reading(
        device="drum", ts="2026-11-22T05:00:00Z", source="ocr", values={"energy_import_kwh": 1.0}
    )
    jumped = normal.model_copy(update={"corrected_from": 99999.9})
    template = entity.payload["value_template"]
    assert render(template, jumped.to_payload()) == "ON"
    assert render(template, normal.to_payload()) == "OFF"


def test_expected_says_what_a_retained_config_should_be() -> None:
    catalogue = Catalogue(ALL_KINDS, version="test")
    assert catalogue.expected("gone", "power_w") is None
    assert catalogue.expected("drum", "token") is None  # not prepaid
    assert catalogue.expected("pln", "token").component == "text"
    assert catalogue.expected("p1", "gas_m3").object_id == "p1_gas_m3"
    assert catalogue.expected("p1", "no_such_object") is None
    payload = catalogue.quantity_sensor("p1", "gas_m3").payload
    assert catalogue.device_of(payload) == "p1"
    assert catalogue.object_of("p1", payload) == "gas_m3"
    assert catalogue.device_of(catalogue.hub_entities()[0].payload) is None
    assert catalogue.device_of({"device": {"identifiers": ["otherhub_p1"]}}) is None


def test_node_and_prefix_come_from_the_config() -> None:
    config = ALL_KINDS.model_copy(
        update={
            "homeassistant": ALL_KINDS.homeassistant.model_copy(
                update={"discovery_prefix": "ha", "node_id": "flat7"}
            )
        }
    )
    entity = Catalogue(config, version="test").quantity_sensor("p1", "power_w")
    assert entity.topic == "ha/sensor/flat7/p1_power_w/config"
    assert entity.payload["unique_id"] == "flat7_p1_power_w"
    assert entity.payload["device"]["via_device"] == "flat7"


def test_a_discovery_prefix_with_a_slash_is_a_config_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as error:
        load_config_text("homeassistant:\n  discovery_prefix: home/assistant\n", "c.yml")
    assert "c.yml:2: homeassistant.discovery_prefix" in str(error.value)


def _mutated(change: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    payload = copy.deepcopy(
        Catalogue(ALL_KINDS, version="t").quantity_sensor("p1", "energy_import_kwh").payload
    )
    payload.update(change)
    if drop:
        payload.pop(drop)
    return payload


@pytest.mark.parametrize(
    ("change", "drop", "complaint"),
    [
        ({"state_class": "measurement"}, None, "impossible for device_class energy"),
        ({"unit_of_measurement": "W"}, None, "not valid for device_class energy"),
        ({"device_class": "power"}, None, "not valid for device_class power"),
        ({}, "state_topic", "required key 'state_topic'"),
        ({"stat_t0pic": "x"}, None, "unknown to sensor"),
        ({"device": {"name": "x"}}, None, "identifiers or connections"),
        ({"origin": {"sw_version": "1"}}, None, "needs a name"),
        ({"value_template": "{{ value_json.x "}, None, "does not parse"),
        ({"options": ["a"]}, None, "options need device_class enum"),
        ({"state_topic": "meterhub/+/state"}, None, "not a topic one can publish to"),
        ({"unit_of_measurement": "MJ", "device_class": "energy"}, None, ""),  # valid: control
    ],
)
def test_the_rule_checker_catches_what_home_assistant_refuses(change, drop, complaint) -> None:
    found = violations("sensor", _mutated(change, drop))
    if complaint:
        assert any(complaint in v for v in found), found
    else:
        assert found == []


def test_problem_turns_on_at_the_threshold_and_off_with_one_accepted_reading() -> None:
    tracker = ProblemTracker(threshold=3)
    assert tracker.rejected("cam", "blur") is None
    assert tracker.rejected("cam", "blur") is None
    on = tracker.rejected("cam", "glare")
    assert on is not None and on.problem and on.rejected_in_a_row == 3 and on.reason == "glare"
    assert tracker.rejected("cam", "glare").rejected_in_a_row == 4  # attributes keep counting
    off = tracker.accepted("cam")
    assert off is not None and not off.problem
    assert tracker.accepted("cam") is None  # said once, not on every reading


def test_a_retained_problem_seeds_the_tracker_unless_this_run_knows_better() -> None:
    tracker = ProblemTracker(threshold=3)
    tracker.seed("cam", DeviceProblem(problem=True, rejected_in_a_row=5, reason="old"))
    assert tracker.rejected("cam", "again").rejected_in_a_row == 6
    tracker.accepted("cam")
    tracker.seed("cam", DeviceProblem(problem=True, rejected_in_a_row=9))  # stale: ignored
    assert tracker.accepted("cam") is None


def test_a_priced_meter_gets_monetary_sensors_in_its_currency() -> None:
    priced = MeterhubConfig.model_validate(
        {
            "devices": {
                "pln": {"kind": "camera", "prices": {"currency": "IDR", "history": [
                    {"valid_from": "2026-01-01", "per_kwh": {"all": 1444.7}}]}},
                "p1": {"kind": "p1", "prices": {"history": [
                    {"valid_from": "2026-01-01", "per_kwh": {"t1": 0.4, "t2": 0.25}}]}},
                "rs": {"kind": "dlt645"},
            }
        }
    )  # fmt: skip
    catalogue = Catalogue(priced, version="test")
    money = [e for e in catalogue.all_entities() if e.payload.get("device_class") == "monetary"]
    assert {e.object_id for e in money} == {
        f"{d}_cost_{p}" for d in ("pln", "p1") for p in ("today", "this_month", "last_month")
    }
    for entity in money:
        assert violations(entity.component, entity.payload) == [], entity.topic
    today = catalogue.expected("pln", "cost_today")
    assert today.payload["unit_of_measurement"] == "IDR"
    assert today.payload["suggested_display_precision"] == 0
    assert today.payload["state_topic"] == "meterhub/pln/state"
    assert catalogue.expected("p1", "cost_this_month").payload["unit_of_measurement"] == "EUR"
    assert catalogue.expected("rs", "cost_today") is None  # no prices, no sensor
