from pydantic import Field, model_validator

from ..topics import is_device_id
from .base import Section
from .capacity import CapacityConfig
from .capture import CaptureConfig
from .devices import DeviceConfig
from .homeassistant import HomeAssistantConfig
from .mqtt import MqttConfig
from .service import HealthConfig, LoggingConfig
from .simulator import SimulatorConfig
from .storage import StorageConfig
from .telegram import TelegramConfig
from .token_entry import TokenEntryConfig
from .web import WebConfig


class MeterhubConfig(Section):
    mqtt: MqttConfig = Field(default_factory=MqttConfig, description="Broker connection.")
    devices: dict[str, DeviceConfig] = Field(default_factory=dict, description="Meters by id.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Where data goes.")
    web: WebConfig = Field(default_factory=WebConfig, description="Web page and REST API.")
    simulator: SimulatorConfig = Field(
        default_factory=SimulatorConfig, description="Virtual devices for demos and tests."
    )
    logging: LoggingConfig = Field(default_factory=LoggingConfig, description="Log output.")
    health: HealthConfig = Field(default_factory=HealthConfig, description="/healthz listener.")
    capture: CaptureConfig = Field(
        default_factory=CaptureConfig, description="Camera capture: HTTP listener, limits."
    )
    capacity: CapacityConfig = Field(
        default_factory=CapacityConfig, description="Capacity tariff: quarter demand and peaks."
    )
    token_entry: TokenEntryConfig = Field(
        default_factory=TokenEntryConfig, description="Tokens typed into prepaid meters."
    )
    telegram: TelegramConfig = Field(
        default_factory=TelegramConfig, description="Telegram bot: commands, schedules, alerts."
    )
    homeassistant: HomeAssistantConfig = Field(
        default_factory=HomeAssistantConfig, description="Home Assistant MQTT discovery."
    )

    @model_validator(mode="after")
    def _ids_and_references(self) -> "MeterhubConfig":
        for device_id in self.devices:
            if not is_device_id(device_id):
                raise ValueError(f"device id {device_id!r} must match [a-z0-9_-]+")
        unknown = sorted(set(self.simulator.meters) - set(self.devices))
        if unknown:
            raise ValueError(f"simulator.meters names devices not in devices: {unknown}")
        unknown = sorted(set(self.token_entry.devices) - set(self.devices))
        if unknown:
            raise ValueError(f"token_entry.devices names devices not in devices: {unknown}")
        for device_id, device in self.devices.items():
            if device.kind == "p1" and device.timezone not in (None, self.capacity.timezone):
                raise ValueError(
                    f"devices.{device_id}.timezone {device.timezone!r}: a P1 meter's quarters "
                    f"and months are counted in capacity.timezone ({self.capacity.timezone!r}); "
                    "set that instead, or leave the meter's zone unset"
                )
        return self

    def zone_of(self, device_id: str) -> str:
        """The one zone a meter's times are shown in, on every page."""
        device = self.devices[device_id]
        if device.timezone is not None:
            return device.timezone
        return self.capacity.timezone if device.kind == "p1" else self.storage.timezone
