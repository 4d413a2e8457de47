"""How every service runs: one MQTT client per service, reconnects, LWT, health, SIGTERM."""

from .bus import Bus, Handler, IncomingMessage
from .runner import ServiceSpec, run_services

__all__ = ["Bus", "Handler", "IncomingMessage", "ServiceSpec", "run_services"]
