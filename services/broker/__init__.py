"""`meterhub broker config`: the broker's ACL, password file and mosquitto.conf from the config.

The device list of the config is the one source: each device gets a broker user
allowed only its own topics, and the services get the users of ``acl.py``.
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from pathlib import Path

from ..core.config import load_config
from .acl import AclError, broker_users, render_acl
from .conf import BrokerFiles, Listener, Tls, render_conf
from .passwords import MissingPasswords, collect, render_passwd, write_private

ENV_FILE = "passwords.env"


def register(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    config = actions.add_parser(
        "config",
        help="write acl, passwd and mosquitto.conf for the config's devices",
        description="Passwords come from the environment: MQTT_PASSWORD (user meterhub), "
        "TOKEN_MQTT_PASSWORD (meterhub-token), HA_MQTT_PASSWORD (homeassistant), "
        "DEVICE_PASSWORD_<ID> per device, SERVICE_PASSWORD_<SERVICE> with --per-service-users.",
    )
    config.add_argument("--out", type=Path, required=True, help="directory to write into")
    config.add_argument(
        "--broker-dir",
        type=Path,
        default=None,
        help="the same directory as the broker sees it (a container's path); default --out",
    )
    config.add_argument(
        "--per-service-users",
        action="store_true",
        help="also a user per service (meterhub-storage, ...) with only what it needs",
    )
    config.add_argument(
        "--generate-missing",
        action="store_true",
        help=f"make up missing passwords and write them to {ENV_FILE} (mode 0600)",
    )
    config.add_argument("--port", type=int, default=1883, help="plain MQTT port (0: none)")
    config.add_argument("--host", default=None, help="plain MQTT interface, e.g. 127.0.0.1")
    config.add_argument("--tls-port", type=int, default=8883, help="MQTT over TLS port")
    config.add_argument("--tls-host", default=None, help="TLS interface (default: all)")
    config.add_argument("--tls-cert", type=Path, default=None, help="server certificate (PEM)")
    config.add_argument("--tls-key", type=Path, default=None, help="its private key (PEM)")
    config.add_argument("--tls-ca", type=Path, default=None, help="CA chain sent with it")
    config.add_argument(
        "--owner",
        default=None,
        help="give the written files to this user (the broker's, e.g. mosquitto): "
        "mosquitto reads them after dropping its privileges",
    )
    config.set_defaults(handler=cmd_config)


def cmd_config(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)
    config = loaded.config
    try:
        if (args.tls_cert is None) != (args.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        users = broker_users(
            config.devices,
            prefix=config.mqtt.topic_prefix,
            discovery_prefix=config.homeassistant.discovery_prefix,
            per_service=args.per_service_users,
        )
        known = {**_env_file(args.out / ENV_FILE), **os.environ}
        passwords, generated = collect(
            [u.name for u in users], known, generate=args.generate_missing
        )
        owner = _owner(args.owner)
    except (AclError, MissingPasswords, ValueError) as error:
        print(f"broker config: {error}", file=sys.stderr)
        return 2
    out: Path = args.out
    seen = args.broker_dir or out.resolve()
    files = BrokerFiles(seen / "passwd", seen / "acl", seen / "data")
    tls = None
    if args.tls_cert is not None:
        tls = Tls(args.tls_cert, args.tls_key, args.tls_ca)
    conf = render_conf(
        files,
        Listener(args.port, args.host) if args.port else None,
        Listener(args.tls_port, args.tls_host) if tls else None,
        tls,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "acl").write_text(render_acl(users))
    (out / "mosquitto.conf").write_text(conf)
    write_private(out / "passwd", render_passwd(passwords))
    (out / "data").mkdir(exist_ok=True)
    written = [out / "acl", out / "passwd", out / "mosquitto.conf"]
    if generated:
        env_file = out / ENV_FILE
        lines = [f"{name}={value}\n" for name, value in generated.items()]
        if env_file.exists():  # keep what an earlier run made up
            lines = [*env_file.read_text().splitlines(keepends=True), *lines]
        write_private(env_file, "".join(lines))
        written.append(env_file)
    if owner is not None:  # the broker reads its password file after dropping privileges
        for path in (out / "passwd", out / "data"):
            os.chown(path, owner, -1)
    print(f"wrote {', '.join(str(p) for p in written)}")
    print(f"users: {', '.join(u.name for u in users)}")
    if generated:
        print(f"made up passwords for {', '.join(generated)}: see {out / ENV_FILE}")
    return 0


def _env_file(path: Path) -> dict[str, str]:
    """Passwords an earlier ``--generate-missing`` made up: a rerun keeps them."""
    if not path.is_file():
        return {}
    pairs = (line.partition("=") for line in path.read_text().splitlines())
    return {name.strip(): value for name, sep, value in pairs if sep and name.strip()}


def _owner(name: str | None) -> int | None:
    if name is None:
        return None
    if name.isdigit():
        return int(name)
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        raise ValueError(f"--owner: no user {name!r} on this machine") from None
