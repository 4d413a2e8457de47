"""Every service by name, imported only when run (so `config check` stays light)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .core.runtime import ServiceSpec


@dataclass(frozen=True)
class ServiceEntry:
    module: str
    persistent: bool
    description: str


SERVICES: dict[str, ServiceEntry] = {
    "storage": ServiceEntry(
        "services.storage.service", True, "readings → SQLite, retained state, history queries"
    ),
    "ocr_worker": ServiceEntry(
        "services.ocr_worker.service", True, "camera frames → digits → readings"
    ),
    "capture_gateway": ServiceEntry(
        "services.capture_gateway.service", True, "device edge: DSMR telegrams → readings"
    ),
    "web": ServiceEntry("services.web.service", False, "web page and REST API"),
    "token_entry": ServiceEntry(
        "services.token_entry.service", True, "tokens → keypad presses → balance verified"
    ),
    "notifier": ServiceEntry(
        "services.notifier.service", False, "Telegram bot: /cektoken, schedules, alerts"
    ),
    "simulator": ServiceEntry(
        "services.simulator.service", False, "virtual prepaid camera meter and P1 meter"
    ),
    "discovery": ServiceEntry(
        "services.discovery.service", False, "Home Assistant MQTT discovery and problem flags"
    ),
}


def service_spec(name: str) -> ServiceSpec:
    entry = SERVICES[name]
    module = importlib.import_module(entry.module)
    return ServiceSpec(name, module.main, entry.persistent, entry.description)


def specs_for(name: str, *, simulator_enabled: bool) -> list[ServiceSpec]:
    """``all`` means every service (the simulator only when the config enables it)."""
    if name != "all":
        return [service_spec(name)]
    names = [n for n in SERVICES if n != "simulator" or simulator_enabled]
    return [service_spec(n) for n in names]
