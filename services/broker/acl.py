"""Who may use which topic, as data: the broker's ACL is rendered from these tables.

The topic shapes come from ``services/core/topics.py`` (DEVICE_TOPICS), so a topic added
to the bus contract lands in the ACL by adding its kind to a row here, not by editing a
hand-written file. Anything not granted is denied by Mosquitto.

Users:
- one per device (its id): publishes only its own device topics, reads only its own
  commands; a device can neither fake another meter's readings nor press keys;
- ``meterhub``: the services sharing one login (``meterhub run all``, or containers
  reading one config); every Meterhub topic but ``keypad/cmd``;
- ``meterhub-token``: token_entry, the only user that may press a meter's keys;
- ``homeassistant``: reads everything, presses capture, sends tokens;
- optionally one user per service (``meterhub-storage``, ...), each with only what
  that service subscribes to and publishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.contract import COMMAND_PREFIX, DEVICE, HOME_ASSISTANT, published_by, subscribed_by
from ..core.topics import DEVICE_ID_PATTERN, DEVICE_TOPICS, Topics, is_device_id

Access = Literal["read", "write", "readwrite"]
ALL = "+"  # every device

# Device topics a device writes, and what it reads (its own id only; cmd/... as cmd/#).
DEVICE_WRITES = tuple(str(c) for c in published_by(DEVICE))
DEVICE_READS = tuple(str(c) for c in subscribed_by(DEVICE))
# Only token_entry's user may make solenoids press a meter's keys.
KEYS = "keypad_cmd"

SHARED_USER = "meterhub"
TOKEN_USER = "meterhub-token"
HOMEASSISTANT_USER = "homeassistant"


@dataclass(frozen=True)
class ServiceGrants:
    """What one service needs: device topic kinds it reads and writes, for every device."""

    user: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    reads_everything: bool = False  # the web page and similar views of all data
    discovery: Access | None = None  # Home Assistant's discovery namespace


# The user each service logs in as when it has its own (METERHUB_MQTT_USERNAME), and what
# it needs beyond the channels the contract says it publishes and subscribes to.
_SERVICE_USERS: dict[str, tuple[str, dict[str, Any]]] = {
    "storage": ("meterhub-storage", {}),
    "ocr_worker": ("meterhub-ocr", {}),
    "capture_gateway": ("meterhub-gateway", {}),
    "web": ("meterhub-web", {"reads_everything": True}),  # the page shows every topic
    "token_entry": (TOKEN_USER, {"reads_everything": True}),
    "notifier": ("meterhub-notifier", {}),
    "discovery": ("meterhub-discovery", {"discovery": "readwrite"}),
    "simulator": ("meterhub-simulator", {}),
}

# One row per service in services/registry.py, its topics from services/core/contract.py.
SERVICE_GRANTS: dict[str, ServiceGrants] = {
    name: ServiceGrants(
        user,
        reads=tuple(str(c) for c in subscribed_by(name)),
        writes=tuple(str(c) for c in published_by(name)),
        **extra,
    )
    for name, (user, extra) in _SERVICE_USERS.items()
}


@dataclass(frozen=True)
class Rule:
    access: Access
    topic: str

    def line(self) -> str:
        return f"topic {self.access} {self.topic}"


@dataclass(frozen=True)
class User:
    name: str
    why: str
    rules: tuple[Rule, ...] = field(default_factory=tuple)


class AclError(ValueError):
    """A device list that cannot become an ACL (a reserved or malformed name)."""


def _suffixes(kinds: Iterable[str]) -> list[str]:
    """Topic suffixes of ``kinds``; every ``cmd/...`` kind collapses into ``cmd/#``."""
    out: list[str] = []
    for kind in kinds:
        suffix = DEVICE_TOPICS[kind]
        if suffix.startswith(COMMAND_PREFIX):
            suffix = COMMAND_PREFIX + "#"
        if suffix not in out:
            out.append(suffix)
    return out


def _commands() -> list[str]:
    return [k for k, suffix in DEVICE_TOPICS.items() if suffix.startswith(COMMAND_PREFIX)]


def device_user(topics: Topics, device: str) -> User:
    rules = [Rule("write", f"{topics.prefix}/{device}/{s}") for s in _suffixes(DEVICE_WRITES)]
    reads = _suffixes([*_commands(), *DEVICE_READS])
    rules += [Rule("read", f"{topics.prefix}/{device}/{s}") for s in reads]
    return User(device, f"device {device}: its own topics, its own commands", tuple(rules))


def _service_rules(topics: Topics, discovery_prefix: str, grants: ServiceGrants) -> list[Rule]:
    rules: list[Rule] = []
    if grants.reads_everything:
        rules.append(Rule("read", f"{topics.prefix}/#"))
    else:
        rules += [Rule("read", f"{topics.prefix}/{ALL}/{s}") for s in _suffixes(grants.reads)]
    rules += [Rule("write", f"{topics.prefix}/{ALL}/{s}") for s in _suffixes(grants.writes)]
    if grants.discovery:
        rules.append(Rule(grants.discovery, f"{discovery_prefix}/#"))
    return rules


def shared_user(topics: Topics, discovery_prefix: str) -> User:
    """Every service on one login: all Meterhub topics but the keys."""
    writes = [kind for kind in DEVICE_TOPICS if kind != KEYS]
    rules = [
        Rule("read", f"{topics.prefix}/#"),
        Rule("write", topics.service_availability(ALL)),
        *(Rule("write", f"{topics.prefix}/{ALL}/{s}") for s in _suffixes(writes)),
        Rule("readwrite", f"{discovery_prefix}/#"),
    ]
    return User(SHARED_USER, "the services sharing one login; never keypad/cmd", tuple(rules))


def service_user(
    topics: Topics, discovery_prefix: str, service: str, *, own_availability: bool = True
) -> User:
    grants = SERVICE_GRANTS[service]
    rules = []
    if own_availability:
        rules.append(Rule("write", topics.service_availability(service)))
    rules += _service_rules(topics, discovery_prefix, grants)
    return User(grants.user, f"service {service} alone", tuple(rules))


_HA_WRITES = [str(c) for c in published_by(HOME_ASSISTANT)]


def homeassistant_user(topics: Topics, discovery_prefix: str) -> User:
    rules = (
        Rule("read", f"{topics.prefix}/#"),
        Rule("read", f"{discovery_prefix}/#"),
        *(Rule("write", f"{topics.prefix}/{ALL}/{s}") for s in _suffixes(_HA_WRITES)),
        Rule("write", f"{discovery_prefix}/status"),
    )
    return User(HOMEASSISTANT_USER, "Home Assistant: reads, presses capture, sends tokens", rules)


def reserved_names(per_service: bool) -> set[str]:
    names = {SHARED_USER, TOKEN_USER, HOMEASSISTANT_USER}
    if per_service:
        names |= {grants.user for grants in SERVICE_GRANTS.values()}
    return names


def broker_users(
    devices: Iterable[str],
    *,
    prefix: str,
    discovery_prefix: str,
    per_service: bool = False,
) -> list[User]:
    """Every broker user, services first, then one per device in the order given."""
    topics = Topics(prefix)
    devices = list(devices)
    clash = sorted(set(devices) & reserved_names(per_service))
    if clash:
        raise AclError(f"device ids {clash} are broker user names of Meterhub's own; rename them")
    users = [
        shared_user(topics, discovery_prefix),
        service_user(topics, discovery_prefix, "token_entry"),
        homeassistant_user(topics, discovery_prefix),
    ]
    if per_service:
        users += [
            service_user(topics, discovery_prefix, name)
            for name in SERVICE_GRANTS
            if SERVICE_GRANTS[name].user != TOKEN_USER
        ]
    for device in devices:
        if not is_device_id(device):
            raise AclError(f"{device!r} is not a device id ({DEVICE_ID_PATTERN})")
        users.append(device_user(topics, device))
    return users


def render_acl(users: list[User]) -> str:
    lines = [
        "# Mosquitto acl_file written by `meterhub broker config` from the config's devices.",
        "# Anything not granted is denied. Regenerate it after adding or removing a device.",
    ]
    for user in users:
        lines += ["", f"# {user.why}", f"user {user.name}", *(r.line() for r in user.rules)]
    return "\n".join(lines) + "\n"
