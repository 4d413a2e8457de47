"""Home Assistant's documented rules for MQTT discovery payloads, as data, and a checker.

Sources: the MQTT integration's per-platform schemas (sensor, binary_sensor, button,
text; keys not listed are silently dropped by Home Assistant, so sending one is a bug
here), the sensor device-class tables (allowed units and state classes per device class)
and the Energy dashboard's accepted units. Templates are rendered with the real jinja2
in a sandbox, as Home Assistant does, with ``value`` and ``value_json``.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Keys every MQTT entity platform accepts (entity, availability, attributes, device, origin).
COMMON_KEYS = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "default_entity_id",
    "device",
    "enabled_by_default",
    "encoding",
    "entity_category",
    "entity_picture",
    "icon",
    "json_attributes_template",
    "json_attributes_topic",
    "name",
    "object_id",
    "origin",
    "payload_available",
    "payload_not_available",
    "qos",
    "unique_id",
}
COMPONENT_KEYS: dict[str, set[str]] = {
    "sensor": {
        "device_class",
        "expire_after",
        "force_update",
        "last_reset_value_template",
        "options",
        "state_class",
        "state_topic",
        "suggested_display_precision",
        "unit_of_measurement",
        "value_template",
    },
    "binary_sensor": {
        "device_class",
        "expire_after",
        "force_update",
        "off_delay",
        "payload_off",
        "payload_on",
        "state_topic",
        "value_template",
    },
    "button": {"command_template", "command_topic", "device_class", "payload_press", "retain"},
    "text": {
        "command_template",
        "command_topic",
        "max",
        "min",
        "mode",
        "optimistic",
        "pattern",
        "retain",
        "state_topic",
        "value_template",
    },
}
REQUIRED_KEYS: dict[str, set[str]] = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "button": {"command_topic"},
    "text": {"command_topic"},
}
DEVICE_KEYS = {
    "configuration_url",
    "connections",
    "hw_version",
    "identifiers",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "suggested_area",
    "sw_version",
    "via_device",
}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
AVAILABILITY_KEYS = {"topic", "payload_available", "payload_not_available", "value_template"}
AVAILABILITY_MODES = {"all", "any", "latest"}
ENTITY_CATEGORIES = {"config", "diagnostic"}

ENERGY_UNITS = {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal",
                "Mcal", "Gcal"}  # fmt: skip
TOTALS = {"total", "total_increasing"}
# Sensor device class → (allowed units, allowed state classes). None: no unit.
SENSOR_DEVICE_CLASSES: dict[str, tuple[set[str | None], set[str]]] = {
    "energy": (ENERGY_UNITS, TOTALS),
    "energy_storage": (ENERGY_UNITS, {"measurement"}),
    "reactive_energy": ({"varh", "kvarh"}, TOTALS),
    "power": ({"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"}, {"measurement"}),
    "reactive_power": ({"var", "kvar"}, {"measurement"}),
    "power_factor": ({None, "%"}, {"measurement"}),
    "voltage": ({"µV", "mV", "V", "kV", "MV"}, {"measurement"}),
    "current": ({"mA", "A"}, {"measurement"}),
    "gas": ({"m³", "ft³", "CCF"}, TOTALS),
    "water": ({"m³", "ft³", "CCF", "gal", "L"}, TOTALS),
    "duration": ({"d", "h", "min", "s", "ms"}, {"measurement", "total", "total_increasing"}),
    "enum": ({None}, set()),
    # Any ISO 4217 code Home Assistant knows; these are the ones Meterhub's users price in.
    "monetary": ({"EUR", "IDR", "USD", "GBP", "RUB", "JPY"}, {"total"}),
}
NON_NUMERIC_SENSOR_CLASSES = {"enum", "date", "timestamp"}
STATE_CLASSES = {"measurement", "total", "total_increasing"}
BINARY_SENSOR_DEVICE_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving",
    "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
    "smoke", "sound", "tamper", "update", "vibration", "window",
}  # fmt: skip
BUTTON_DEVICE_CLASSES = {"identify", "restart", "update"}
TEXT_MODES = {"text", "password"}
TEXT_MAX_LENGTH = 255  # a state longer than this is refused by Home Assistant
# What the Energy dashboard offers for grid consumption / gas / water.
ENERGY_DASHBOARD: dict[str, set[str]] = {
    "energy": {"Wh", "kWh", "MWh", "GJ", "MJ"},
    "gas": {"m³", "ft³", "CCF"},
    "water": {"L", "gal", "m³", "ft³", "CCF"},
}
TOPIC_LEVEL = re.compile(r"^[^#+]+$")

_TEMPLATES = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)


def render(template: str, payload: bytes | str, **variables: Any) -> str:
    """Render a value/command template as Home Assistant does (``value``, ``value_json``)."""
    text = payload.decode() if isinstance(payload, bytes) else payload
    context: dict[str, Any] = {"value": text, **variables}
    with contextlib.suppress(json.JSONDecodeError):
        context["value_json"] = json.loads(text)
    return _TEMPLATES.from_string(template).render(context)


def _topic_problems(payload: dict[str, Any], key: str) -> list[str]:
    topic = payload.get(key)
    if topic is None:
        return []
    if not isinstance(topic, str) or not topic or not TOPIC_LEVEL.match(topic):
        return [f"{key} {topic!r} is not a topic one can publish to"]
    return []


def _device_problems(device: Any) -> list[str]:
    if not isinstance(device, dict):
        return ["device block missing"]
    problems = [f"device key {k!r} unknown" for k in set(device) - DEVICE_KEYS]
    if not device.get("identifiers") and not device.get("connections"):
        problems.append("device needs identifiers or connections")
    return problems


def _sensor_problems(payload: dict[str, Any]) -> list[str]:
    problems = []
    device_class = payload.get("device_class")
    unit = payload.get("unit_of_measurement")
    state_class = payload.get("state_class")
    if state_class is not None and state_class not in STATE_CLASSES:
        problems.append(f"state_class {state_class!r} unknown")
    if device_class is not None:
        if device_class not in SENSOR_DEVICE_CLASSES:
            return [*problems, f"sensor device_class {device_class!r} not in the rule table"]
        units, state_classes = SENSOR_DEVICE_CLASSES[device_class]
        if unit not in units:
            problems.append(f"unit {unit!r} not valid for device_class {device_class}")
        if state_class is not None and state_class not in state_classes:
            problems.append(f"state_class {state_class} impossible for device_class {device_class}")
    if device_class in NON_NUMERIC_SENSOR_CLASSES and (state_class or unit):
        problems.append(f"non-numeric device_class {device_class} takes no state_class/unit")
    if "options" in payload:
        if not payload["options"]:
            problems.append("empty options")
        if device_class != "enum" or state_class or unit:
            problems.append("options need device_class enum and no state_class/unit")
    if device_class == "enum" and not payload.get("options"):
        problems.append("enum sensor without options")
    precision = payload.get("suggested_display_precision")
    if precision is not None and (not isinstance(precision, int) or precision < 0):
        problems.append("suggested_display_precision must be a positive int")
    if device_class in ENERGY_DASHBOARD and (
        unit not in ENERGY_DASHBOARD[device_class] or state_class not in TOTALS
    ):
        problems.append(f"{device_class} sensor not accepted by the Energy dashboard")
    return problems


def _binary_sensor_problems(payload: dict[str, Any]) -> list[str]:
    device_class = payload.get("device_class")
    if device_class is not None and device_class not in BINARY_SENSOR_DEVICE_CLASSES:
        return [f"binary_sensor device_class {device_class!r} invalid"]
    return []


def _button_problems(payload: dict[str, Any]) -> list[str]:
    device_class = payload.get("device_class")
    if device_class is not None and device_class not in BUTTON_DEVICE_CLASSES:
        return [f"button device_class {device_class!r} invalid"]
    return []


def _text_problems(payload: dict[str, Any]) -> list[str]:
    problems = []
    low, high = payload.get("min", 0), payload.get("max", TEXT_MAX_LENGTH)
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
        problems.append(f"text min {low!r} / max {high!r} invalid")
    if isinstance(high, int) and high > TEXT_MAX_LENGTH:
        problems.append(f"text max {high} exceeds {TEXT_MAX_LENGTH}")
    if payload.get("mode", "text") not in TEXT_MODES:
        problems.append(f"text mode {payload.get('mode')!r} invalid")
    if "pattern" in payload:
        try:
            re.compile(payload["pattern"])
        except re.error as error:
            problems.append(f"pattern does not compile: {error}")
    return problems


_COMPONENT_CHECKS = {
    "sensor": _sensor_problems,
    "binary_sensor": _binary_sensor_problems,
    "button": _button_problems,
    "text": _text_problems,
}


def violations(component: str, payload: dict[str, Any]) -> list[str]:
    """Every way ``payload`` breaks Home Assistant's rules for ``component``; [] if none."""
    if component not in COMPONENT_KEYS:
        return [f"component {component!r} not covered by these rules"]
    allowed = COMMON_KEYS | COMPONENT_KEYS[component]
    problems = [f"key {k!r} unknown to {component}" for k in sorted(set(payload) - allowed)]
    problems += [f"required key {k!r} missing" for k in REQUIRED_KEYS[component] - set(payload)]
    problems += _device_problems(payload.get("device"))
    origin = payload.get("origin")
    if not isinstance(origin, dict) or not origin.get("name") or set(origin) - ORIGIN_KEYS:
        problems.append(f"origin {origin!r} needs a name and only {sorted(ORIGIN_KEYS)}")
    if not payload.get("unique_id"):
        problems.append("unique_id missing (entities without one cannot be edited in HA)")
    if "availability" in payload and "availability_topic" in payload:
        problems.append("availability and availability_topic are exclusive")
    for item in payload.get("availability", []):
        if not isinstance(item, dict) or "topic" not in item or set(item) - AVAILABILITY_KEYS:
            problems.append(f"availability entry {item!r} invalid")
    if payload.get("availability_mode", "latest") not in AVAILABILITY_MODES:
        problems.append("availability_mode invalid")
    if payload.get("entity_category", "config") not in ENTITY_CATEGORIES:
        problems.append("entity_category invalid")
    if payload.get("qos", 0) not in (0, 1, 2):
        problems.append("qos invalid")
    for key in ("state_topic", "command_topic", "json_attributes_topic"):
        problems += _topic_problems(payload, key)
    for key in ("value_template", "command_template", "json_attributes_template"):
        if key in payload:
            try:
                _TEMPLATES.parse(payload[key])
            except jinja2.TemplateSyntaxError as error:
                problems.append(f"{key} does not parse: {error}")
    return problems + _COMPONENT_CHECKS[component](payload)
