"""Mosquitto's password file, written without mosquitto_passwd.

Mosquitto 2 stores ``user:$7$<iterations>$<salt>$<hash>``: PBKDF2-HMAC-SHA512 over the
password with a 12-byte salt, both base64. Writing it here lets `meterhub broker config`
run where the broker is not installed (a container image of its own).

Passwords come from the environment, one variable per user, never from the command
line (it would land in shell history and ``ps``); ``--generate-missing`` makes random
ones and writes them to a 0600 env file instead of printing them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from .acl import HOMEASSISTANT_USER, SERVICE_GRANTS, SHARED_USER, TOKEN_USER

# mosquitto_passwd (2.0) uses 101, which makes a stolen password file cheap to attack.
# Mosquitto checks the hash on its one thread, so every login (a wrong one too) holds up
# all traffic while it runs: 50 000 (about 35 ms a login on a loaded 2-core server, see
# docs/security.md) is 500 times the work for an attacker and stays under the 100 ms
# a service may stall. OWASP's 210 000 took 180 ms there.
ITERATIONS = 50_000
SALT_BYTES = 12
GENERATED_BYTES = 18  # 24 characters of URL-safe base64
# The variables mosquitto/make-passwords reads, so both tools take the same .env.
FIXED_VARIABLES = {
    SHARED_USER: "MQTT_PASSWORD",
    TOKEN_USER: "TOKEN_MQTT_PASSWORD",
    HOMEASSISTANT_USER: "HA_MQTT_PASSWORD",
}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return f"$7${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _upper(name: str) -> str:
    return name.upper().replace("-", "_")


def password_variable(user: str) -> str:
    """Environment variable holding ``user``'s password."""
    if user in FIXED_VARIABLES:
        return FIXED_VARIABLES[user]
    for service, grants in SERVICE_GRANTS.items():
        if grants.user == user:
            return f"SERVICE_PASSWORD_{_upper(service)}"
    return f"DEVICE_PASSWORD_{_upper(user)}"


class MissingPasswords(ValueError):
    def __init__(self, variables: list[str]) -> None:
        super().__init__(
            "no password given; set these environment variables (or use --generate-missing): "
            + " ".join(variables)
        )
        self.variables = variables


def collect(
    users: list[str], env: Mapping[str, str], *, generate: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Passwords by user, and the variables made up for the missing ones (when allowed)."""
    passwords: dict[str, str] = {}
    generated: dict[str, str] = {}
    missing: list[str] = []
    for user in users:
        variable = password_variable(user)
        value = env.get(variable, "")
        if not value and generate:
            value = generated[variable] = secrets.token_urlsafe(GENERATED_BYTES)
        if value:
            passwords[user] = value
        else:
            missing.append(variable)
    if missing:
        raise MissingPasswords(missing)
    return passwords, generated


def render_passwd(passwords: Mapping[str, str]) -> str:
    return "".join(f"{user}:{hash_password(pw)}\n" for user, pw in passwords.items())


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
