"""Loads the YAML file: line numbers kept for errors, ``{ENV_NAME}`` resolved, secrets noted.

Errors name file, line and field (``config.yml:12: devices.pln.ocr.digitz: extra
inputs are not permitted``) so a typo is found without reading a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .root import MeterhubConfig

PLACEHOLDER = re.compile(r"\{([A-Z_][A-Z0-9_]*)\}")
# user:password@ inside a URL (an InfluxDB or camera address written with its login).
URL_PASSWORD = re.compile(r"(?<=://)([^/@:\s]*):[^/@\s]*@")
DEFAULT_CONFIG_NAME = "default.yml"
Path_ = tuple[str | int, ...]
# Values an environment variable sets for this process whatever the file says, so
# containers sharing one file can differ (token_entry logs in as its own broker user).
ENV_OVERRIDES: dict[str, Path_] = {"METERHUB_MQTT_USERNAME": ("mqtt", "username")}


class ConfigError(Exception):
    """Invalid configuration; the message lists every problem as ``file:line: field: why``."""


@dataclass
class LoadedConfig:
    config: MeterhubConfig
    source: str
    secret_paths: set[Path_] = field(default_factory=set)


@dataclass
class _Tree:
    """Plain data from YAML plus where each value was written."""

    source: str
    lines: dict[Path_, int] = field(default_factory=dict)
    secret_paths: set[Path_] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def build(self, node: yaml.Node, path: Path_ = ()) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ConfigError(
                        f"{self.source}:{key_node.start_mark.line + 1}: a key must be a plain "
                        "name, not a list or a mapping"
                    )
                key = key_node.value
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            value = yaml.safe_load(yaml.serialize(node))
        except yaml.YAMLError as error:  # a tag or scalar PyYAML makes no value of
            raise ConfigError(
                f"{self.source}:{node.start_mark.line + 1}: not valid YAML: "
                f"{getattr(error, 'problem', None) or error}"
            ) from None
        if isinstance(value, str) and PLACEHOLDER.search(value):
            return self._substitute(value, path)
        return value

    def _substitute(self, value: str, path: Path_) -> str:
        self.secret_paths.add(path)

        def resolve(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                self.problems.append(
                    f"{self.source}:{self.lines[path]}: {_dotted(path)}: environment variable "
                    f"{name} is not set"
                )
                return ""
            return os.environ[name]

        return PLACEHOLDER.sub(resolve, value)

    def line_of(self, path: Path_) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def _dotted(path: Path_) -> str:
    """``devices.pln.ocr``; a key that is not a plain word is quoted so it stays visible."""
    return ".".join(_plain_or_quoted(p) for p in path) or "(top level)"


def _plain_or_quoted(part: str | int) -> str:
    text = str(part)
    return text if re.fullmatch(r"[\w-]+", text) else repr(text)


def _model_path(loc: tuple[Any, ...]) -> Path_:
    # pydantic puts union member names (e.g. 'SimulatedP1Meter') into loc; drop them.
    return tuple(p for p in loc if isinstance(p, int) or not str(p)[:1].isupper())


def load_config_text(text: str, source: str = "<config>") -> LoadedConfig:
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{source}{line}: not valid YAML: {getattr(error, 'problem', error)}"
        ) from None
    tree = _Tree(source)
    try:
        data = tree.build(node) if node is not None else {}
    except RecursionError:
        raise ConfigError(f"{source}: not valid YAML: an alias refers to itself") from None
    if tree.problems:
        raise ConfigError("\n".join(tree.problems))
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the file must be a mapping of sections")
    _override_from_environment(data)
    try:
        config = MeterhubConfig.model_validate(data)
    except ValidationError as error:
        lines = []
        for item in error.errors(include_url=False):
            path = _model_path(item["loc"])
            line = tree.line_of(path)
            where = f"{source}:{line}" if line else source
            lines.append(f"{where}: {_dotted(path)}: {item['msg']}")
        raise ConfigError("\n".join(lines)) from None
    return LoadedConfig(config, source, tree.secret_paths)


def _override_from_environment(data: dict[str, Any]) -> None:
    for name, (*parents, last) in ENV_OVERRIDES.items():
        if name not in os.environ:
            continue
        node = data
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[last] = os.environ[name]


def default_config_text() -> str:
    return resources.files(__package__).joinpath(DEFAULT_CONFIG_NAME).read_text()


def load_config(path: str | os.PathLike[str] | None = None) -> LoadedConfig:
    """The config at ``path``, or ``$METERHUB_CONFIG``, or ./config.yml, or the embedded default."""
    candidate = path or os.environ.get("METERHUB_CONFIG")
    if candidate:
        file = Path(candidate)
        if not file.is_file():
            raise ConfigError(f"{file}: no such config file")
        return load_config_text(file.read_text(), str(file))
    if Path("config.yml").is_file():
        return load_config_text(Path("config.yml").read_text(), "config.yml")
    return load_config_text(default_config_text(), "<embedded default>")


def effective_config(loaded: LoadedConfig) -> dict[str, Any]:
    """The validated config as plain data with secrets masked, for ``config check``."""
    data = loaded.config.model_dump(mode="json")
    for path in loaded.secret_paths:
        _mask(data, path)
    return _mask_url_passwords(data)


def _mask_url_passwords(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _mask_url_passwords(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_mask_url_passwords(value) for value in data]
    if isinstance(data, str):
        return URL_PASSWORD.sub(r"\1:***@", data)
    return data


def _mask(data: Any, path: Path_) -> None:
    *parents, last = path
    for part in parents:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(data, dict) and last in data and data[last] is not None:
        data[last] = "***"
