from typing import Literal

from pydantic import Field

from .base import Section


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level written."
    )


class HealthConfig(Section):
    host: str = Field(default="127.0.0.1", description="Address of the /healthz listener.")
    port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of /healthz; none: not served "
        "separately (the web app serves /healthz in `run all`).",
    )
