"""Everything a request may need, built once per app (nothing global)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from ..core.config import MeterhubConfig
from ..core.config.devices import DeviceConfig
from ..core.config.token_entry import TokenKeypadConfig
from ..core.quantities import QUANTITIES, QuantityKind
from ..core.runtime import Bus
from ..core.runtime.health import Health
from ..database.capacity_queries import CapacityQueries
from ..database.history_read import HistoryReader
from ..database.reading_queries import ReadingQueries
from ..database.token_history import TokenHistory
from .auth import Auth
from .discovery import BoardBrowser
from .images import FrameImages
from .live import LiveHub
from .training_runs import TrainingRuns

# What each meter kind reports as its consumption by default (history page, API).
DEFAULT_COUNTER = "energy_import_kwh"


@dataclass
class WebState:
    config: MeterhubConfig
    health: Health
    auth: Auth
    hub: LiveHub
    bus: Bus | None
    queries: ReadingQueries
    capacity: CapacityQueries
    images: FrameImages
    keypads: dict[str, TokenKeypadConfig]
    tokens: TokenHistory
    history: HistoryReader
    training: TrainingRuns
    boards: BoardBrowser | None = None  # mDNS announcements; None: not browsing

    def device(self, device_id: str) -> DeviceConfig:
        found = self.config.devices.get(device_id)
        if found is None:
            raise HTTPException(404, f"unknown device {device_id!r}")
        return found

    def camera(self, device_id: str) -> DeviceConfig:
        device = self.device(device_id)
        if device.ocr is None:
            raise HTTPException(404, f"{device_id} is not a camera meter")
        return device

    def p1(self, device_id: str) -> DeviceConfig:
        device = self.device(device_id)
        if device.kind != "p1":
            raise HTTPException(404, f"{device_id} is not a P1 meter: no capacity tariff figures")
        return device

    def balance_quantity(self, device_id: str) -> str | None:
        """The prepaid balance a meter shows, if it is a prepaid meter."""
        keypad = self.keypads.get(device_id)
        if keypad is not None:
            return keypad.balance_quantity
        device = self.device(device_id)
        shown = QUANTITIES.get(device.ocr.quantity) if device.ocr else None
        return shown.key if shown and shown.kind is QuantityKind.BALANCE else None

    def main_quantity(self, device_id: str) -> str:
        """The quantity a meter's history shows first: what its display shows, or import."""
        device = self.device(device_id)
        return device.ocr.quantity if device.ocr else DEFAULT_COUNTER

    def features(self, device_id: str) -> list[str]:
        device = self.device(device_id)
        found = []
        if device.ocr is not None:
            found.append("camera")
        if self.balance_quantity(device_id):
            found.append("prepaid")
        if device.kind == "p1":
            found.append("capacity")
        return found

    def bus_or_503(self) -> Bus:
        if self.bus is None:
            raise HTTPException(503, "the web service is not connected to the bus")
        return self.bus

    def template_context(self) -> dict[str, Any]:
        devices = self.config.devices
        return {
            "devices": devices,
            "features": {device_id: self.features(device_id) for device_id in devices},
            "zones": {device_id: self.config.zone_of(device_id) for device_id in devices},
            "login_on": self.auth.enabled,
            "loopback_only": self.auth.loopback_only,
            "host": self.config.web.host,
            "has_capacity": any(d.kind == "p1" for d in devices.values()),
            "has_prepaid": any(self.balance_quantity(d) for d in devices),
            "has_camera": any(d.ocr is not None for d in devices.values()),
        }


def web_state(request: Request) -> WebState:
    return request.app.state.web
