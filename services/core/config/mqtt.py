from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator

from ..topics import DEFAULT_PREFIX
from .base import Section


class MqttTls(Section):
    """MQTT over TLS to the broker: needed once a service runs on another machine."""

    ca_file: Path | None = Field(
        default=None,
        description="PEM certificate(s) to trust for the broker (a self-signed one: its own "
        "certificate); none: the system's CAs.",
    )
    cert_file: Path | None = Field(
        default=None, description="Client certificate (PEM), when the broker asks for one."
    )
    key_file: Path | None = Field(default=None, description="Its private key (PEM).")
    insecure: bool = Field(
        default=False,
        description="Skip the check that the certificate names mqtt.host (the chain is "
        "still checked). Only for a broker reached by an address its certificate lacks.",
    )

    @model_validator(mode="after")
    def _pair(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("mqtt.tls: cert_file and key_file go together")
        return self


class MqttConfig(Section):
    host: str = Field(default="127.0.0.1", description="Broker host name or address.")
    port: int = Field(
        default=1883, ge=1, le=65535, description="Broker TCP port (TLS: usually 8883)."
    )
    tls: MqttTls | None = Field(
        default=None, description="Talk TLS to the broker; none: plain MQTT (loopback)."
    )
    username: str | None = Field(default=None, description="User name, when the broker asks.")
    password: SecretStr | None = Field(default=None, description="Password; use {ENV_NAME}.")
    topic_prefix: str = Field(
        default=DEFAULT_PREFIX,
        pattern=r"^[a-zA-Z0-9_-]+$",
        description="First level of every topic.",
    )
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive interval.")
    session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="How long the broker keeps a consumer's session (and its queued QoS 1 "
        "messages) while the service is away.",
    )
    reconnect_initial_s: float = Field(default=0.5, gt=0, description="First reconnect delay.")
    reconnect_max_s: float = Field(default=30.0, gt=0, description="Cap of the reconnect backoff.")
    outbox_limit: int = Field(
        default=10_000,
        ge=10,
        description="Messages a service holds for the broker while disconnected; past it "
        "publishing waits (back-pressure) rather than dropping.",
    )
    client_id_suffix: str = Field(
        default="",
        pattern=r"^[a-zA-Z0-9_-]*$",
        description="Appended to each service's fixed client id, to run several workers "
        "of one service (each keeps its own persistent session).",
    )
