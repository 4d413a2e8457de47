"""Home Assistant MQTT discovery: where the configs go and how the hub is named there."""

from pydantic import Field

from ..topics import DEFAULT_DISCOVERY_PREFIX
from .base import Section

HA_ID_PATTERN = r"^[a-zA-Z0-9_-]+$"


class HomeAssistantConfig(Section):
    enabled: bool = Field(
        default=True,
        description="Publish MQTT discovery configs so every meter appears in Home Assistant; "
        "off: the discovery service publishes nothing at all.",
    )
    discovery_prefix: str = Field(
        default=DEFAULT_DISCOVERY_PREFIX,
        pattern=HA_ID_PATTERN,
        description="Home Assistant's discovery prefix (its MQTT integration setting); "
        "birth messages are read from <prefix>/status.",
    )
    node_id: str = Field(
        default="meterhub",
        pattern=HA_ID_PATTERN,
        description="Id of this hub in Home Assistant: the node level of every discovery "
        "topic and the prefix of every unique_id. Change it only to run two hubs on one "
        "broker; a change makes Home Assistant see new entities.",
    )
    hub_name: str = Field(
        default="Meterhub", min_length=1, description="Name of the hub device in Home Assistant."
    )
    configuration_url: str | None = Field(
        default=None,
        description="Address of the Meterhub web page, linked from the hub's device page "
        "(e.g. http://meterhub.local:8080/).",
    )
    problem_after_rejections: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Rejected readings in a row (with no accepted one between) after which "
        "a camera's Problem sensor turns on; one accepted reading turns it off.",
    )
