"""The one place the bus prefix and topic shapes live.

Services ask ``topics.reading("pln")`` or ``topics.all_devices("reading")``; nobody
formats a topic string in place. The suffixes come from the
channel table in ``contract.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .contract import CHANNELS
from .ids import DEVICE_ID_PATTERN, is_device_id

__all__ = ["DEVICE_ID_PATTERN", "DEVICE_TOPICS", "DiscoveryTopics", "Topics", "is_device_id"]

DEFAULT_PREFIX = "meterhub"
DEFAULT_DISCOVERY_PREFIX = "homeassistant"  # Home Assistant's own default
# kind -> suffix under <prefix>/<dev>/, from the one contract table
DEVICE_TOPICS: dict[str, str] = {str(kind): spec.suffix for kind, spec in CHANNELS.items()}


@dataclass(frozen=True)
class Topics:
    prefix: str = DEFAULT_PREFIX

    def device(self, kind: str, device: str) -> str:
        if not is_device_id(device):
            raise ValueError(f"not a device id: {device!r} (allowed: {DEVICE_ID_PATTERN})")
        return f"{self.prefix}/{device}/{DEVICE_TOPICS[kind]}"

    def all_devices(self, kind: str) -> str:
        """Filter matching ``kind`` for every device."""
        return f"{self.prefix}/+/{DEVICE_TOPICS[kind]}"

    def service_availability(self, service: str) -> str:
        return f"{self.prefix}/service/{service}/availability"

    @staticmethod
    def shared(group: str, topic_filter: str) -> str:
        """A ``$share`` subscription so a pool of workers splits the load."""
        return f"$share/{group}/{topic_filter}"

    def device_of(self, topic: str) -> str:
        """Device id of a device topic; ValueError for anything else."""
        parts = topic.split("/")
        if len(parts) < 3 or parts[0] != self.prefix or parts[1] == "service":
            raise ValueError(f"not a device topic: {topic!r}")
        return parts[1]

    def kind_of(self, topic: str) -> str:
        suffix = topic.split("/", 2)[2] if topic.count("/") >= 2 else ""
        for kind, shape in DEVICE_TOPICS.items():
            if shape == suffix:
                return kind
        raise ValueError(f"not a known device topic: {topic!r}")

    # Convenience accessors that read like the contract.
    def reading(self, device: str) -> str:
        return self.device("reading", device)

    def frame(self, device: str) -> str:
        return self.device("frame", device)

    def frame_raw(self, device: str) -> str:
        return self.device("frame_raw", device)

    def telegram(self, device: str) -> str:
        return self.device("telegram", device)

    def capacity(self, device: str) -> str:
        return self.device("capacity", device)

    def state(self, device: str) -> str:
        return self.device("state", device)

    def rejected(self, device: str) -> str:
        return self.device("rejected", device)

    def ocr(self, device: str) -> str:
        return self.device("ocr", device)

    def capture(self, device: str) -> str:
        return self.device("capture", device)

    def correction(self, device: str) -> str:
        return self.device("correction", device)

    def availability(self, device: str) -> str:
        return self.device("availability", device)


@dataclass(frozen=True)
class DiscoveryTopics:
    """Home Assistant's discovery namespace: ``<prefix>/<component>/<node_id>/<object>/config``."""

    prefix: str
    node_id: str

    def config(self, component: str, object_id: str) -> str:
        return f"{self.prefix}/{component}/{self.node_id}/{object_id}/config"

    def own_configs(self) -> str:
        """Filter matching every config this hub published, of any component."""
        return f"{self.prefix}/+/{self.node_id}/+/config"

    def status(self) -> str:
        """Where Home Assistant announces itself (``online`` / ``offline``)."""
        return f"{self.prefix}/status"
