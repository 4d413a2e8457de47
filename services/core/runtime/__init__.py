"""How every service runs: one MQTT client per service, reconnects, LWT, health, SIGTERM."""

from .bus import Bus, Handler, IncomingMessage, PublishRefused
from .runner import ServiceSpec, run_services
from .typed import ChannelHandler

__all__ = [
    "Bus",
    "ChannelHandler",
    "Handler",
    "IncomingMessage",
    "PublishRefused",
    "ServiceSpec",
    "run_services",
]
