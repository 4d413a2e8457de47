"""Brokers running generated or repository configs, and a paho client that waits on acks."""

from __future__ import annotations

import os
import pwd
import re
import ssl
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from services.broker.acl import broker_users, render_acl
from services.broker.conf import BrokerFiles, Listener, Tls, render_conf
from services.broker.passwords import render_passwd
from services.tools.broker_process import MosquittoProcess, free_port

MOSQUITTO_DIR = Path(__file__).resolve().parents[2] / "mosquitto"
WAIT_S = 10.0
SUCCESS = 0
ACCEPTED = (SUCCESS, 16)  # 16: accepted, no subscriber
NOT_AUTHORIZED = 135
BAD_LOGIN = (134, 135)  # bad user name or password / not authorized
PASSWORDS = {
    "meterhub": "service-secret",
    "meterhub-token": "token-secret",
    "homeassistant": "ha-secret",
    "pln": "pln-secret",
    "p1": "p1-secret",
}
# mosquitto/make-passwords' variables for the same passwords.
PASSWORD_ENV = {
    "MQTT_PASSWORD": PASSWORDS["meterhub"],
    "TOKEN_MQTT_PASSWORD": PASSWORDS["meterhub-token"],
    "HA_MQTT_PASSWORD": PASSWORDS["homeassistant"],
    "DEVICE_PASSWORD_PLN": PASSWORDS["pln"],
    "DEVICE_PASSWORD_P1": PASSWORDS["p1"],
}


def _run_as_me() -> str:
    # As root mosquitto drops to another user unless told to stay the current one.
    return f"user {pwd.getpwuid(os.getuid()).pw_name}\n"


@dataclass
class ConfBroker(MosquittoProcess):
    """Mosquitto running ``conf_text`` (a whole config), logging everything to a file."""

    conf_text: str = ""
    tls_port: int | None = None

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            f"{_run_as_me()}{self.conf_text}log_dest file {self.log_file}\nlog_type debug\n"
        )

    def denied_publishes(self) -> list[str]:
        return [line for line in self.log_file.read_text().splitlines() if "Denied PUBLISH" in line]


def generated_broker(
    data_dir: Path,
    devices: list[str],
    passwords: dict[str, str],
    *,
    per_service: bool = False,
    tls: Tls | None = None,
) -> ConfBroker:
    """A broker on the files `meterhub broker config` writes, on free loopback ports."""
    data_dir.mkdir(parents=True, exist_ok=True)
    users = broker_users(
        devices, prefix="meterhub", discovery_prefix="homeassistant", per_service=per_service
    )
    (data_dir / "acl").write_text(render_acl(users))
    (data_dir / "passwd").write_text(render_passwd({u.name: passwords[u.name] for u in users}))
    port = free_port()
    tls_port = free_port() if tls else None
    conf = render_conf(
        BrokerFiles(data_dir / "passwd", data_dir / "acl", data_dir),
        Listener(port, "127.0.0.1"),
        Listener(tls_port, "127.0.0.1") if tls_port else None,
        tls,
    )
    conf = conf.replace("log_dest stdout\n", "")
    return ConfBroker(port=port, data_dir=data_dir, conf_text=conf, tls_port=tls_port)


def repository_broker(data_dir: Path) -> ConfBroker:
    """mosquitto/mosquitto.conf and mosquitto/acl, passwords from mosquitto/make-passwords."""
    data_dir.mkdir(parents=True, exist_ok=True)
    password_file = data_dir / "passwd"
    made = subprocess.run(
        ["sh", str(MOSQUITTO_DIR / "make-passwords"), "pln", "p1"],
        env={
            "PATH": os.environ.get("PATH", ""),
            "PASSWORD_FILE": str(password_file),
            **PASSWORD_ENV,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    text = (MOSQUITTO_DIR / "mosquitto.conf").read_text()
    for pattern, line in {
        r"^listener 1883$": f"listener {port} 127.0.0.1",
        r"^password_file .*$": f"password_file {password_file}",
        r"^acl_file .*$": f"acl_file {MOSQUITTO_DIR / 'acl'}",
        r"^persistence_location .*$": f"persistence_location {data_dir}/",
        r"^log_dest stdout$": "",
    }.items():
        text = re.sub(pattern, lambda _, line=line: line, text, flags=re.M)
    return ConfBroker(port=port, data_dir=data_dir, conf_text=text)


def self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """The commands of docs/security.md: one certificate, its own CA, for ``host``."""
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", f"/CN={host}",
            "-addext", f"subjectAltName=IP:{host}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Client:
    """A paho MQTT 5 client whose acknowledgements and messages can be waited for."""

    host: str
    port: int
    username: str | None
    password: str | None = None
    tls_ca: Path | None = None
    mqtt: mqtt.Client = field(init=False)
    connack: int | None = None
    disconnected: bool = False
    pubacks: dict[int, int] = field(default_factory=dict)
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.mqtt = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"test-{self.username}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        if self.username is not None:
            self.mqtt.username_pw_set(self.username, self.password)
        if self.tls_ca is not None:
            self.mqtt.tls_set(ca_certs=str(self.tls_ca), cert_reqs=ssl.CERT_REQUIRED)
        self.mqtt.on_connect = lambda c, u, f, rc, p: self._notify("connack", rc.value)
        self.mqtt.on_publish = lambda c, u, mid, rc, p: self._notify(("puback", mid), rc.value)
        self.mqtt.on_message = lambda c, u, m: self._notify("message", (m.topic, m.payload))
        self.mqtt.on_disconnect = lambda *_: self._notify("disconnect", True)
        self.mqtt.connect(self.host, self.port)
        self.mqtt.loop_start()
        self.wait(lambda: self.connack is not None, "CONNACK")

    def _notify(self, what: object, value: object) -> None:
        with self._cond:
            if what == "connack":
                self.connack = value  # type: ignore[assignment]
            elif what == "message":
                self.messages.append(value)  # type: ignore[arg-type]
            elif what == "disconnect":
                self.disconnected = True
            else:
                self.pubacks[what[1]] = value  # type: ignore[index]
            self._cond.notify_all()

    def wait(self, predicate, what: str) -> None:
        with self._cond:
            assert self._cond.wait_for(predicate, WAIT_S), f"no {what} within {WAIT_S}s"

    def publish(self, topic: str, payload: bytes = b"{}") -> int:
        """QoS 1 publish; the PUBACK's reason code."""
        mid = self.mqtt.publish(topic, payload, qos=1).mid
        self.wait(lambda: mid in self.pubacks, f"PUBACK for {topic}")
        return self.pubacks[mid]

    def subscribe(self, topic_filter: str) -> None:
        done = threading.Event()
        self.mqtt.on_subscribe = lambda *_: done.set()
        self.mqtt.subscribe(topic_filter, qos=1)
        assert done.wait(WAIT_S), f"no SUBACK for {topic_filter}"

    def received_until(self, topic: str, payload: bytes) -> list[tuple[str, bytes]]:
        """Messages up to the first ``(topic, payload)``, which is not included."""
        marker = (topic, payload)
        self.wait(lambda: marker in self.messages, f"{payload!r} on {topic}")
        with self._cond:
            return self.messages[: self.messages.index(marker)]

    def close(self) -> None:
        self.mqtt.disconnect()
        self.mqtt.loop_stop()
