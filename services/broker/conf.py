"""The mosquitto.conf that goes with the generated ACL and password file.

Every listener asks for a login (``per_listener_settings false`` makes the password
file and ACL apply to all of them). Plain MQTT can be kept to the loopback interface
for the services on the same machine while devices on the LAN use TLS on 8883.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.messages import MAX_FRAME_BYTES

# The largest legitimate message is a camera frame; its topic and user properties (ts,
# frame_id, request_id) take a few hundred bytes. A bigger packet is an attack or a bug,
# and the broker drops the connection before buffering it all.
PACKET_HEADROOM_BYTES = 64 * 1024
MAX_PACKET_BYTES = MAX_FRAME_BYTES + PACKET_HEADROOM_BYTES
# Saving the in-memory store after this many changes (queued QoS 1 messages, retained
# messages, subscriptions) bounds what a killed broker loses; see docs/reliability.md.
AUTOSAVE_CHANGES = 10
# How the broker hands messages on, the same in every broker Meterhub writes or starts
# (and in mosquitto/mosquitto.conf). Nagle's algorithm off: with it, a broker's PUBACK
# waits behind the unacknowledged PUBLISH it just sent to the same consumer, whose ACK
# the consumer's kernel delays by up to 40 ms; a gateway working through a P1 bridge's
# backlog then took about 20 telegrams a second instead of hundreds.
DELIVERY_SETTINGS = ("max_queued_messages 100000", "set_tcp_nodelay true")


@dataclass(frozen=True)
class Listener:
    port: int
    host: str | None = None  # None: every interface

    def line(self) -> str:
        return f"listener {self.port}" + (f" {self.host}" if self.host else "")


@dataclass(frozen=True)
class Tls:
    certfile: Path
    keyfile: Path
    cafile: Path | None = None  # chain to send along with the certificate


@dataclass(frozen=True)
class BrokerFiles:
    """Where the broker will see its files (a container's paths may differ from ours)."""

    password_file: Path
    acl_file: Path
    persistence_dir: Path


def render_conf(
    files: BrokerFiles,
    plain: Listener | None,
    tls_listener: Listener | None = None,
    tls: Tls | None = None,
    *,
    autosave_changes: int = AUTOSAVE_CHANGES,
) -> str:
    if tls_listener is not None and tls is None:
        raise ValueError("a TLS listener needs a certificate and key")
    lines = [
        "# Written by `meterhub broker config`. Every client logs in; the ACL says who may",
        "# use which topic.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {files.password_file}",
        f"acl_file {files.acl_file}",
        "# A frame (the largest message of the contract) plus headroom; bigger: disconnected.",
        f"max_packet_size {MAX_PACKET_BYTES}",
    ]
    if plain is not None:
        lines += ["", "# Plain MQTT.", plain.line(), "protocol mqtt"]
    if tls_listener is not None and tls is not None:
        lines += [
            "",
            "# MQTT over TLS for devices on the network (ESP32: the server's CA in the sketch).",
            tls_listener.line(),
            "protocol mqtt",
            f"certfile {tls.certfile}",
            f"keyfile {tls.keyfile}",
            "tls_version tlsv1.2",
        ]
        if tls.cafile is not None:
            lines.append(f"cafile {tls.cafile}")
    lines += [
        "",
        "# Retained topics and the QoS 1 messages queued for services that are away survive",
        "# a restart; saved after every few changes so a killed broker loses at most those.",
        "persistence true",
        f"persistence_location {files.persistence_dir}/",
        "autosave_on_changes true",
        f"autosave_interval {autosave_changes}",
        *DELIVERY_SETTINGS,
        "",
        "log_dest stdout",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
    ]
    return "\n".join(lines) + "\n"
