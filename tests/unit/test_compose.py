"""docker-compose.yml agrees with the CLI, the service registry, the config and the broker files.

No container engine is needed: the file is read as data and each part is checked against
the code it will run.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.broker.conf import DELIVERY_SETTINGS
from services.cli import build_parser
from services.core.config.loader import PLACEHOLDER, default_config_text, load_config
from services.registry import SERVICES

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
CONTAINERS: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text()
# Containers built from the Dockerfile run Meterhub; the rest are stock images.
METERHUB = {name: spec for name, spec in CONTAINERS.items() if "build" in spec}


def environment(spec: dict[str, Any]) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def mounts(spec: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path (``./...``) or volume name."""
    result = {}
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            result[volume["target"]] = volume.get("source", "")
        else:
            source, target, *_ = volume.split(":")
            result[target] = source
    return result


def repo_file(source: str) -> Path:
    assert source.startswith("./"), f"{source} is not a file of the repository"
    return REPO / source


def container_ports(spec: dict[str, Any]) -> set[int]:
    ports = set()
    for port in spec.get("ports") or []:
        ports.add(int(port["target"]) if isinstance(port, dict) else int(str(port).split(":")[-1]))
    return ports


def placeholders(data: Any) -> set[str]:
    """``{ENV_NAME}`` names in the config's values (comments do not count)."""
    if isinstance(data, dict):
        return set().union(*(placeholders(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(placeholders(v) for v in data))
    return set(PLACEHOLDER.findall(data)) if isinstance(data, str) else set()


def config_file(spec: dict[str, Any]) -> Path:
    target = environment(spec)["METERHUB_CONFIG"]
    assert target in mounts(spec), f"METERHUB_CONFIG {target} is not mounted"
    path = repo_file(mounts(spec)[target])
    assert path.is_file(), f"{path.relative_to(REPO)} does not exist"
    return path


def load_with_container_env(spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    path = config_file(spec)
    for name in placeholders(yaml.safe_load(path.read_text())):
        monkeypatch.delenv(name, raising=False)
    for name in environment(spec):
        if name != "METERHUB_CONFIG":
            monkeypatch.setenv(name, "dummy-secret")
    return load_config(path)


def healthcheck_port() -> int:
    match = re.search(r"^HEALTHCHECK\b.*?127\.0\.0\.1:(\d+)/healthz", DOCKERFILE, re.M | re.S)
    assert match, "the Dockerfile has no HEALTHCHECK against /healthz"
    return int(match.group(1))


def dockerfile_json(instruction: str) -> list[str]:
    match = re.search(rf"^{instruction}\s+(\[.*\])\s*$", DOCKERFILE, re.M)
    assert match, f"the Dockerfile has no {instruction} in JSON form"
    return json.loads(match.group(1))


def test_every_registered_service_has_a_container_and_nothing_else_does() -> None:
    assert METERHUB, "no container is built from the Dockerfile"
    ran = {build_parser().parse_args(spec["command"]).service for spec in METERHUB.values()}
    assert ran == set(SERVICES)
    assert len(ran) == len(METERHUB), "two containers run the same service"


@pytest.mark.parametrize("name", sorted(METERHUB))
def test_service_container_runs_one_service_with_its_health_port(name: str) -> None:
    spec = METERHUB[name]
    args = build_parser().parse_args(spec["command"])
    assert args.command == "run"
    assert args.service in SERVICES
    assert args.service == name
    assert args.health_port == healthcheck_port()
    assert spec["build"] == "." and (REPO / "Dockerfile").is_file()
    assert "mosquitto" in spec["depends_on"]
    assert spec["restart"] == "unless-stopped"


def test_image_runs_the_meterhub_command_by_default() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert dockerfile_json("ENTRYPOINT") == ["meterhub"]
    assert scripts["meterhub"] == "services.cli:main"
    args = build_parser().parse_args(dockerfile_json("CMD"))
    assert (args.command, args.service, args.health_port) == ("run", "all", healthcheck_port())


@pytest.mark.parametrize("name", sorted(METERHUB))
def test_service_config_validates_with_the_container_environment(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = METERHUB[name]
    path = config_file(spec)
    needed = placeholders(yaml.safe_load(path.read_text()))
    assert needed, "the container config takes no secret from the environment"
    missing = needed - set(environment(spec))
    assert not missing, f"{name} does not set {sorted(missing)}"
    config = load_with_container_env(spec, monkeypatch).config
    assert config.mqtt.password is not None
    assert config.mqtt.password.get_secret_value() == "dummy-secret"
    assert mounts(spec).get(str(config.storage.data_dir)) == "meterhub-data"


def test_all_services_share_one_config_and_data_volume() -> None:
    assert len({config_file(spec) for spec in METERHUB.values()}) == 1
    assert len({mounts(spec)["/data"] for spec in METERHUB.values()}) == 1


def test_container_config_runs_the_default_meters_against_the_compose_broker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_with_container_env(METERHUB["web"], monkeypatch).config
    default = yaml.safe_load(default_config_text())
    assert config.mqtt.host == "mosquitto" and "mosquitto" in CONTAINERS
    assert config.mqtt.username == "meterhub"
    assert config.mqtt.port in container_ports(CONTAINERS["mosquitto"])
    data = yaml.safe_load(config_file(METERHUB["web"]).read_text())
    assert data["devices"] == default["devices"]
    assert data["simulator"] == default["simulator"]


def test_web_publishes_the_configured_port_on_all_interfaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web = METERHUB["web"]
    config = load_with_container_env(web, monkeypatch).config
    assert config.web.host == "0.0.0.0"
    assert container_ports(web) == {config.web.port}
    assert not any(container_ports(spec) for name, spec in METERHUB.items() if name != "web")


def test_broker_mounts_the_repository_config_acl_and_password_volume() -> None:
    broker = CONTAINERS["mosquitto"]
    assert broker["image"].startswith("eclipse-mosquitto:2")
    mounted = mounts(broker)
    conf_source = mounted["/mosquitto/config/mosquitto.conf"]
    assert repo_file(conf_source) == REPO / "mosquitto" / "mosquitto.conf"
    conf = dict(
        line.split(None, 1)
        for line in repo_file(conf_source).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    acl = conf["acl_file"]
    assert acl in mounted and repo_file(mounted[acl]) == REPO / "mosquitto" / "acl"
    assert repo_file(mounted[acl]).is_file()
    # The password file is written at run time into a named volume, not kept in git.
    password_dir = str(Path(conf["password_file"]).parent)
    assert password_dir in mounted and not mounted[password_dir].startswith(".")
    script = mounted["/mosquitto/config/make-passwords"]
    assert repo_file(script).is_file()
    assert conf["persistence_location"].rstrip("/") in mounted
    # Hands messages on as every broker Meterhub writes or starts does.
    assert all(conf.get(key) == value for key, value in map(str.split, DELIVERY_SETTINGS))
    assert all(repo_file(source).exists() for source in mounted.values() if source.startswith("./"))


def test_named_volumes_are_declared() -> None:
    used = {
        source
        for spec in CONTAINERS.values()
        for source in mounts(spec).values()
        if not source.startswith((".", "/"))
    }
    assert used <= set(COMPOSE.get("volumes") or {})
