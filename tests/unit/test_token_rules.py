"""Token rules: what the service refuses before pressing a key, and the simulated meter's rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from services.core.config import ConfigError, MeterhubConfig, load_config, load_config_text
from services.core.config.mqtt import MqttConfig
from services.core.config.token_entry import KeypadLayout, TokenKeypadConfig
from services.core.messages import DeviceState, Reading
from services.core.runtime import Bus
from services.domain.tokens import (
    TokenRefused,
    key_sequence,
    keypads,
    normalise_token,
    typing_time_s,
)
from services.simulator.prepaid import MeterRefused, PrepaidMeterModel, make_token, token_kwh
from services.token_entry.balance import BalanceWatch

LARGEST_TOKEN = str(2**66 - 1)  # 73786976294838206463


def test_spaces_and_dashes_are_dropped():
    assert normalise_token(" 1234-5678 9012\t3456-7890 ") == "12345678901234567890"


def test_the_66_bit_boundary():
    assert normalise_token(LARGEST_TOKEN) == LARGEST_TOKEN
    with pytest.raises(TokenRefused, match="below 73786976294838206464"):
        normalise_token(str(2**66))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no token given"),
        ("1234567890123456789", "this has 19"),
        ("123456789012345678901", "this has 21"),
        ("1234567890123456789O", "only digits"),
        ("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠", "only digits"),  # Arabic-Indic digits are digits, not keys
        ("1234.5678.9012.3456.7890", "only digits"),
    ],
)
def test_refusals_say_why(text: str, reason: str):
    with pytest.raises(TokenRefused, match=reason):
        normalise_token(text)


def test_key_sequence_uses_the_layout_and_clears_first():
    layout = KeypadLayout(digits="abcdefghij", enter="#", backspace="*")
    keypad = TokenKeypadConfig(layout=layout, clear_presses=2)
    assert key_sequence("01234567899876543210", keypad) == "**abcdefghijjihgfedcba#"
    # By default a whole token's worth of Backspaces: leftover digits are erased first.
    assert key_sequence("0" * 20, TokenKeypadConfig()) == "B" * 20 + "0" * 20 + "E"


def test_typing_time_counts_presses_and_the_gaps_between():
    assert typing_time_s(21, 65, 500) == pytest.approx(11.365)
    assert typing_time_s(1, 65, 500) == pytest.approx(0.065)


def test_a_layout_with_a_key_twice_is_a_config_error_with_its_line():
    text = "devices:\n  pln:\n    kind: camera\ntoken_entry:\n  devices:\n    pln:\n      layout:\n        enter: '5'\n"
    with pytest.raises(ConfigError, match=r"c\.yml:8: token_entry\.devices\.pln\.layout: .*differ"):
        load_config_text(text, "c.yml")


def test_timing_outside_what_a_keypad_command_carries_is_refused():
    with pytest.raises(ConfigError, match=r"c\.yml:5: token_entry\.devices\.pln\.press_ms"):
        load_config_text(
            "devices:\n  pln:\n    kind: camera\ntoken_entry:\n  devices: {pln: {press_ms: 5}}\n",
            "c.yml",
        )


def test_every_camera_meter_showing_a_balance_takes_tokens_unless_configured_otherwise():
    config = MeterhubConfig.model_validate(
        {
            "devices": {
                "pln": {"kind": "camera"},
                "drum": {"kind": "camera", "ocr": {"quantity": "energy_import_kwh"}},
                "p1": {"kind": "p1"},
                "other": {"kind": "camera"},
            },
            "token_entry": {"devices": {"other": {"press_ms": 100}}},
        }
    )
    found = keypads(config)
    assert set(found) == {"pln", "other"}
    assert found["pln"] == TokenKeypadConfig() and found["other"].press_ms == 100
    with pytest.raises(ValueError, match=r"token_entry\.devices names devices not in devices"):
        MeterhubConfig.model_validate({"token_entry": {"devices": {"x": {}}}})


@given(kwh=st.integers(1, 73_779).map(lambda n: n / 10), serial=st.integers(0, 10**13 - 1))
def test_the_simulated_meter_takes_the_tokens_it_is_sold(kwh: float, serial: int):
    token = make_token(kwh, serial)
    assert normalise_token(token) == token
    assert token_kwh(token) == kwh


@given(
    serial=st.integers(0, 10**13 - 1),
    position=st.integers(0, 19),
    change=st.integers(1, 9),
)
def test_one_wrong_digit_is_refused(serial: int, position: int, change: int):
    token = make_token(20.0, serial)
    digit = (int(token[position]) + change) % 10
    wrong = token[:position] + str(digit) + token[position + 1 :]
    with pytest.raises(MeterRefused) as refused:
        token_kwh(wrong)
    assert refused.value.shown == "REJECT"


def test_the_meter_keypad_entry():
    meter = PrepaidMeterModel(balance_kwh=10.0, mean_load_w=0)
    token = make_token(2.5, serial=42)
    for key in ["9", "backspace", *token, "7", "enter"]:  # a digit past 20 is not taken
        meter.press(key)
    assert meter.balance_kwh == 12.5 and meter.message == "+2.5 kWh" and meter.entry == ""
    with pytest.raises(MeterRefused, match="USED"):
        for key in [*token, "enter"]:
            meter.press(key)
    with pytest.raises(MeterRefused, match="REJECT: 3 digits entered"):
        for key in ["1", "2", "3", "enter"]:
            meter.press(key)
    assert meter.balance_kwh == 12.5 and meter.message == "REJECT"


def test_the_token_entry_container_logs_in_as_the_user_the_acl_names(monkeypatch):
    repo = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    environment = compose["services"]["token_entry"]["environment"]
    user = environment["METERHUB_MQTT_USERNAME"]
    assert "${TOKEN_MQTT_PASSWORD" in environment["MQTT_PASSWORD"]
    assert f"user {user}\ntopic read meterhub/#\n" in (repo / "mosquitto" / "acl").read_text()
    for name in ("MQTT_PASSWORD", "INFLUXDB_TOKEN"):  # the secrets docker/config.yml names
        monkeypatch.setenv(name, "secret")
    monkeypatch.setenv("METERHUB_MQTT_USERNAME", user)
    assert load_config(repo / "docker" / "config.yml").config.mqtt.username == user
    monkeypatch.delenv("METERHUB_MQTT_USERNAME")
    assert load_config(repo / "docker" / "config.yml").config.mqtt.username == "meterhub"


async def test_the_balance_known_before_typing_is_storages_newest_state():
    watch = BalanceWatch(Bus(MqttConfig(), "test"), {"pln": "token_balance_kwh"})

    def state(ts: str, kwh: float) -> DeviceState:
        return DeviceState(ts=ts, token_balance_kwh=kwh)

    await watch.on_state("pln", state("2026-11-22T05:00:00Z", 90))
    assert watch.latest("pln").kwh == 90
    await watch.on_state("pln", state("2026-11-22T06:00:00Z", 88.5))
    assert watch.latest("pln").kwh == 88.5
    # A raw reading is not storage's verdict, even on the meter's own topic; an older
    # state, one without the balance, or one stamped far ahead changes nothing either.
    reading = Reading(
        device="pln", ts="2026-11-22T07:00:00Z", source="ocr", values={"token_balance_kwh": 5}
    )
    await watch.on_reading("pln", reading)
    await watch.on_state("pln", state("2026-11-22T04:00:00Z", 1))
    await watch.on_state("pln", DeviceState(ts="2026-11-22T08:00:00Z", energy_import_kwh=3))
    await watch.on_state("pln", state("2099-01-01T00:00:00Z", 888))
    await watch.on_state("p1", state("2026-11-22T09:00:00Z", 77))  # no keypad meter
    assert watch.latest("pln").kwh == 88.5 and watch.latest("p1") is None
