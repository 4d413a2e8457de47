"""Typed configuration: one YAML file, one pydantic module per section."""

from .loader import ConfigError, load_config, load_config_text
from .root import MeterhubConfig

__all__ = ["ConfigError", "MeterhubConfig", "load_config", "load_config_text"]
