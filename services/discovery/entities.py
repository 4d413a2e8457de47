"""What Meterhub shows in Home Assistant, as tables: the one place discovery payloads are built.

A device's sensors follow from its kind (``KINDS``: the codec's own tables, a camera's
``ocr.quantity``) and the quantity catalogue; its controls from ``CONTROLS``. Every
payload names its device (identifiers, via the hub), an ``origin``, and the topics whose
``online`` makes it available.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, get_args

from ..core.config import MeterhubConfig
from ..core.config.devices import DeviceConfig, DeviceKind, Rs485Config
from ..core.currency import decimals
from ..core.messages import ALARM_COOLDOWN_S, TokenStep
from ..core.quantities import (
    COSTS,
    DAYS_LEFT,
    DAYS_LEFT_UNCERTAINTY,
    DERIVED,
    QUANTITIES,
    Quantity,
    QuantityKind,
)
from ..core.topics import DiscoveryTopics, Topics
from ..domain.tokens import TOKEN_DIGITS
from ..protocols import dlt645, dsmr, iec62056_21

ORIGIN_NAME = "Meterhub"
MANUFACTURER = "Meterhub"
HUB_MODEL = "Meterhub hub"
# Services whose availability gates entities; their names are the registry's.
STORAGE_SERVICE = "storage"
TOKEN_SERVICE = "token_entry"
DISCOVERY_SERVICE = "discovery"
# Storage's forecast in the state: the sensor shows days left, its uncertainty an attribute.
DAYS_LEFT_INFO = DERIVED[DAYS_LEFT]
DAYS_LEFT_ATTRIBUTES = (
    "{{ {'uncertainty_days': value_json." + DAYS_LEFT_UNCERTAINTY + " | default(None)} | tojson }}"
)
TOKEN_PATTERN = rf"^[0-9]{{{TOKEN_DIGITS}}}$"
TOKEN_SOURCE = "homeassistant"
# An alarm is a moment, not a state: Beeping turns itself off after this long (the sound
# boards' default cooldown between two alarms).
BEEPING_SHOWN_S = ALARM_COOLDOWN_S
# Home Assistant renders this with the typed text as ``value``; tojson keeps it valid JSON.
TOKEN_COMMAND_TEMPLATE = '{"token": {{ value | tojson }}, "source": "' + TOKEN_SOURCE + '"}'


@dataclass(frozen=True)
class KindInfo:
    model: str  # shown as the device's model when the config gives none
    # Announced from the start, read from the codec's own table (a row added there is a
    # sensor here); others (a P1 meter's gas and water) when the state shows them.
    quantities: Callable[[DeviceConfig], tuple[str, ...]]


def _shown(device: DeviceConfig) -> tuple[str, ...]:
    """A camera reports the one quantity its display shows."""
    return (device.ocr.quantity,) if device.ocr else ()


def _polled(device: DeviceConfig) -> tuple[str, ...]:
    """What a poll of a DL/T 645 meter reads, for its edition and phases (``rs485``; a
    meter an ESP32 polls, without one, is taken as the defaults: 1997, one phase)."""
    rs485 = device.rs485 or Rs485Config()
    return dlt645.poll_quantities(rs485.edition, rs485.phases)


def _sent(device: DeviceConfig) -> tuple[str, ...]:
    """What an IEC 62056-21 meter's data message may carry, for its phases."""
    return iec62056_21.quantities_read((device.rs485 or Rs485Config()).phases)


KINDS: dict[DeviceKind, KindInfo] = {
    "camera": KindInfo("ESP32-CAM meter reader", _shown),
    "p1": KindInfo("DSMR P1 smart meter", lambda _: dsmr.ELECTRICITY_QUANTITIES),
    "dlt645": KindInfo("DL/T 645 RS-485 meter", _polled),
    "iec62056": KindInfo("IEC 62056-21 meter", _sent),
}


def device_quantities(device: DeviceConfig) -> tuple[str, ...]:
    return KINDS[device.kind].quantities(device)


def is_prepaid(device: DeviceConfig) -> bool:
    return any(
        QUANTITIES[key].kind is QuantityKind.BALANCE
        for key in device_quantities(device)
        if key in QUANTITIES
    )


@dataclass(frozen=True)
class Entity:
    component: str
    object_id: str
    topic: str
    payload: dict[str, Any]

    def payload_bytes(self) -> bytes:
        return json.dumps(self.payload, sort_keys=True, ensure_ascii=False).encode()


def _value_of(key: str) -> str:
    # A key the state does not carry yet renders as None, which Home Assistant shows as
    # "unknown" instead of logging a template error.
    return f"{{{{ value_json.{key} | default(None) }}}}"


@dataclass(frozen=True)
class Control:
    object_id: str
    component: str
    name: str
    applies: Callable[[DeviceConfig], bool]
    fields: Callable[[Topics, str], dict[str, Any]]  # (topics, device) → component keys
    gated_by: tuple[str, ...]  # services besides the device that must be online


def _is_camera(device: DeviceConfig) -> bool:
    return device.kind == "camera"


CONTROLS: tuple[Control, ...] = (
    Control(
        "check_now",
        "button",
        "Check now",
        _is_camera,
        lambda t, d: {
            "command_topic": t.capture(d),
            # The receiver gives the request its id (CaptureRequest's default factory).
            "payload_press": "{}",
            "icon": "mdi:camera",
        },
        (),
    ),
    Control(
        "token",
        "text",
        "Token",
        is_prepaid,
        lambda t, d: {
            "command_topic": t.device("token_set", d),
            "command_template": TOKEN_COMMAND_TEMPLATE,
            "pattern": TOKEN_PATTERN,
            "min": TOKEN_DIGITS,
            "max": TOKEN_DIGITS,
            "mode": "text",
            "icon": "mdi:keyboard",
        },
        (TOKEN_SERVICE,),
    ),
    Control(
        "token_status",
        "sensor",
        "Token status",
        is_prepaid,
        lambda t, d: {
            "state_topic": t.device("token_state", d),
            "value_template": "{{ value_json.state }}",
            "json_attributes_topic": t.device("token_state", d),
            "device_class": "enum",
            "options": list(get_args(TokenStep)),
        },
        (TOKEN_SERVICE,),
    ),
    Control(
        DAYS_LEFT,
        "sensor",
        DAYS_LEFT_INFO.label,
        is_prepaid,
        lambda t, d: {
            "state_topic": t.state(d),
            "value_template": _value_of(DAYS_LEFT),
            "json_attributes_topic": t.state(d),
            "json_attributes_template": DAYS_LEFT_ATTRIBUTES,
            "device_class": DAYS_LEFT_INFO.device_class,
            "unit_of_measurement": DAYS_LEFT_INFO.unit,
            "state_class": DAYS_LEFT_INFO.state_class,
            "suggested_display_precision": DAYS_LEFT_INFO.precision,
        },
        (STORAGE_SERVICE,),
    ),
    Control(
        "problem",
        "binary_sensor",
        "Problem",
        _is_camera,
        lambda t, d: {
            "state_topic": t.device("problem", d),
            "value_template": "{{ 'ON' if value_json.problem else 'OFF' }}",
            "json_attributes_topic": t.device("problem", d),
            "device_class": "problem",
            "entity_category": "diagnostic",
        },
        (DISCOVERY_SERVICE,),
    ),
    Control(
        "reading_jumped",
        "binary_sensor",
        "Reading jumped",
        _is_camera,
        lambda t, d: {
            # On with a reading that replaced a stored value it contradicted (no lock-out),
            # off again with the next reading.
            "state_topic": t.reading(d),
            "value_template": "{{ 'ON' if value_json.corrected_from is defined else 'OFF' }}",
            "device_class": "problem",
            "entity_category": "diagnostic",
        },
        (),
    ),
    Control(
        "beeping",
        "binary_sensor",
        "Beeping",
        is_prepaid,
        lambda t, d: {
            "state_topic": t.device("alarm", d),
            "value_template": "{{ 'ON' if value_json.kind == 'beep' else 'OFF' }}",
            "off_delay": BEEPING_SHOWN_S,
            "device_class": "sound",
        },
        (),
    ),
)
CONTROLS_BY_ID: dict[str, Control] = {c.object_id: c for c in CONTROLS}
# Hub services shown as connectivity sensors on the hub device: storage gates every reading.
HUB_SERVICES: tuple[tuple[str, str], ...] = ((STORAGE_SERVICE, "Storage"),)


def meterhub_version() -> str:
    try:
        return metadata.version("meterhub")
    except metadata.PackageNotFoundError:
        return "unknown"


class Catalogue:
    """Builds every discovery entity of a config; knows which device a config belongs to."""

    def __init__(self, config: MeterhubConfig, version: str | None = None) -> None:
        self.config = config
        self.settings = config.homeassistant
        self.topics = Topics(config.mqtt.topic_prefix)
        self.discovery = DiscoveryTopics(self.settings.discovery_prefix, self.settings.node_id)
        self.version = version or meterhub_version()
        self.origin = {"name": ORIGIN_NAME, "sw_version": self.version}

    # --- identity -------------------------------------------------------------------
    def device_identifier(self, device: str) -> str:
        return f"{self.settings.node_id}_{device}"

    def device_of(self, payload: dict[str, Any]) -> str | None:
        """Device id a discovery payload of this hub belongs to; None for the hub or others'."""
        device = payload.get("device")
        identifiers = device.get("identifiers") if isinstance(device, dict) else None
        if not isinstance(identifiers, list) or not identifiers:
            return None
        first, prefix = str(identifiers[0]), f"{self.settings.node_id}_"
        return first.removeprefix(prefix) if first.startswith(prefix) else None

    def object_of(self, device: str, payload: dict[str, Any]) -> str:
        return str(payload.get("unique_id", "")).removeprefix(f"{self.device_identifier(device)}_")

    # --- blocks ---------------------------------------------------------------------
    def hub_block(self) -> dict[str, Any]:
        block = {
            "identifiers": [self.settings.node_id],
            "name": self.settings.hub_name,
            "manufacturer": MANUFACTURER,
            "model": HUB_MODEL,
            "sw_version": self.version,
        }
        if self.settings.configuration_url:
            block["configuration_url"] = self.settings.configuration_url
        return block

    def device_block(self, device: str) -> dict[str, Any]:
        settings = self.config.devices[device]
        return {
            "identifiers": [self.device_identifier(device)],
            "name": settings.name or device,
            "manufacturer": MANUFACTURER,
            "model": settings.model or KINDS[settings.kind].model,
            "sw_version": self.version,
            "via_device": self.settings.node_id,
        }

    def _availability(self, device: str, services: tuple[str, ...]) -> dict[str, Any]:
        topics = [self.topics.availability(device)]
        topics += [self.topics.service_availability(s) for s in services]
        return {
            "availability": [{"topic": topic} for topic in topics],
            "availability_mode": "all",
        }

    def _entity(
        self, component: str, object_id: str, block: dict[str, Any], fields: dict[str, Any]
    ) -> Entity:
        """``object_id`` names the topic; the unique_id adds the node, unique across hubs."""
        payload = {
            "unique_id": f"{self.settings.node_id}_{object_id}",
            "device": block,
            "origin": self.origin,
            "qos": 1,
            **fields,
        }
        return Entity(component, object_id, self.discovery.config(component, object_id), payload)

    # --- entities -------------------------------------------------------------------
    def quantity_sensor(self, device: str, key: str) -> Entity:
        quantity: Quantity = QUANTITIES[key]
        fields: dict[str, Any] = {
            "name": quantity.label,
            "state_topic": self.topics.state(device),
            "value_template": _value_of(key),
            "state_class": quantity.state_class,
            "suggested_display_precision": quantity.precision,
            **self._availability(device, (STORAGE_SERVICE,)),
        }
        if quantity.unit:  # a ratio (power factor) has none
            fields["unit_of_measurement"] = quantity.unit
        if quantity.device_class:
            fields["device_class"] = quantity.device_class
        return self._entity("sensor", f"{device}_{key}", self.device_block(device), fields)

    def cost_sensor(self, device: str, key: str, currency: str) -> Entity:
        """Storage's cost in the state: a ``monetary`` sensor in the meter's currency."""
        cost = DERIVED[key]
        fields: dict[str, Any] = {
            "name": cost.label,
            "state_topic": self.topics.state(device),
            "value_template": _value_of(key),
            "device_class": cost.device_class,
            "state_class": cost.state_class,
            "unit_of_measurement": currency,
            "suggested_display_precision": decimals(currency),
            **self._availability(device, (STORAGE_SERVICE,)),
        }
        return self._entity("sensor", f"{device}_{key}", self.device_block(device), fields)

    def control(self, device: str, control: Control) -> Entity:
        fields = {
            "name": control.name,
            **control.fields(self.topics, device),
            **self._availability(device, control.gated_by),
        }
        object_id = f"{device}_{control.object_id}"
        return self._entity(control.component, object_id, self.device_block(device), fields)

    def device_entities(self, device: str) -> list[Entity]:
        settings = self.config.devices[device]
        sensors = [self.quantity_sensor(device, key) for key in device_quantities(settings)]
        controls = [self.control(device, c) for c in CONTROLS if c.applies(settings)]
        prices = settings.prices
        money = [self.cost_sensor(device, k, prices.currency) for k in COSTS] if prices else []
        return sensors + controls + money

    def hub_entities(self) -> list[Entity]:
        return [
            self._entity(
                "binary_sensor",
                service,
                self.hub_block(),
                {
                    "name": name,
                    "state_topic": self.topics.service_availability(service),
                    "payload_on": "online",
                    "payload_off": "offline",
                    "device_class": "connectivity",
                    "entity_category": "diagnostic",
                },
            )
            for service, name in HUB_SERVICES
        ]

    def all_entities(self) -> list[Entity]:
        entities = self.hub_entities()
        for device in self.config.devices:
            entities += self.device_entities(device)
        return entities

    def expected(self, device: str, object_id: str) -> Entity | None:
        """What object ``object_id`` of ``device`` should be now; None: it should not exist."""
        settings = self.config.devices.get(device)
        if settings is None:
            return None
        control = CONTROLS_BY_ID.get(object_id)
        if control is not None:
            return self.control(device, control) if control.applies(settings) else None
        if object_id in QUANTITIES:
            return self.quantity_sensor(device, object_id)
        if object_id in COSTS and settings.prices is not None:
            return self.cost_sensor(device, object_id, settings.prices.currency)
        return None
