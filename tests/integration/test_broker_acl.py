"""The broker files under mosquitto/ on a real mosquitto: who may log in, publish and read.

The broker runs the repository's mosquitto.conf with only its paths and port changed,
the repository's ACL, and a password file written by mosquitto/make-passwords.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from services.core.topics import DEVICE_TOPICS, Topics
from services.tools.broker_process import MosquittoProcess

MOSQUITTO_DIR = Path(__file__).resolve().parents[2] / "mosquitto"
PASSWORDS = {
    "meterhub": "service-secret",
    "meterhub-token": "token-secret",
    "homeassistant": "ha-secret",
    "pln": "pln-secret",
    "p1": "p1-secret",
}
PASSWORD_ENV = {
    "MQTT_PASSWORD": PASSWORDS["meterhub"],
    "TOKEN_MQTT_PASSWORD": PASSWORDS["meterhub-token"],
    "HA_MQTT_PASSWORD": PASSWORDS["homeassistant"],
    "DEVICE_PASSWORD_PLN": PASSWORDS["pln"],
    "DEVICE_PASSWORD_P1": PASSWORDS["p1"],
}
WAIT_S = 10.0
SUCCESS = 0
NOT_AUTHORIZED = 135


def make_passwords(password_file: Path, env: dict[str, str], *devices: str):
    return subprocess.run(
        ["sh", str(MOSQUITTO_DIR / "make-passwords"), *devices],
        env={"PATH": os.environ.get("PATH", ""), "PASSWORD_FILE": str(password_file), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class RepoConfBroker(MosquittoProcess):
    """mosquitto/mosquitto.conf with the container's paths and port swapped for ours."""

    password_file: Path = field(default_factory=Path)

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        text = (MOSQUITTO_DIR / "mosquitto.conf").read_text()
        for pattern, line in {
            r"^listener 1883$": f"listener {self.port} {self.host}",
            r"^password_file .*$": f"password_file {self.password_file}",
            r"^acl_file .*$": f"acl_file {MOSQUITTO_DIR / 'acl'}",
            r"^persistence_location .*$": f"persistence_location {self.data_dir}/",
        }.items():
            text, count = re.subn(pattern, lambda _, line=line: line, text, flags=re.M)
            assert count == 1, f"mosquitto.conf has no single line matching {pattern}"
        # As root mosquitto drops to another user unless told to stay the current one.
        user = pwd.getpwuid(os.getuid()).pw_name
        self.config_file.write_text(f"user {user}\n{text}log_dest file {self.log_file}\n")


@pytest.fixture(scope="module")
def acl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RepoConfBroker]:
    data_dir = tmp_path_factory.mktemp("broker")
    password_file = data_dir / "passwd"
    made = make_passwords(password_file, PASSWORD_ENV, "pln", "p1")
    assert made.returncode == 0, made.stderr
    with RepoConfBroker(data_dir=data_dir, password_file=password_file) as running:
        yield running


class Client:
    """A paho MQTT 5 client whose acknowledgements and messages can be waited for."""

    def __init__(self, broker: RepoConfBroker, username: str | None, password: str | None) -> None:
        self._cond = threading.Condition()
        self.connack: int | None = None
        self.pubacks: dict[int, int] = {}
        self.subacks: dict[int, list[int]] = {}
        self.messages: list[tuple[str, bytes]] = []
        self.mqtt = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"test-{username}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        if username is not None:
            self.mqtt.username_pw_set(username, password)
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_publish = self._on_publish
        self.mqtt.on_subscribe = self._on_subscribe
        self.mqtt.on_message = self._on_message
        self.mqtt.connect(broker.host, broker.port)
        self.mqtt.loop_start()
        self._wait(lambda: self.connack is not None, "CONNACK")

    def _notify(self, update) -> None:
        with self._cond:
            update()
            self._cond.notify_all()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self._notify(lambda: setattr(self, "connack", reason_code.value))

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._notify(lambda: self.pubacks.__setitem__(mid, reason_code.value))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._notify(lambda: self.subacks.__setitem__(mid, [code.value for code in reason_codes]))

    def _on_message(self, client, userdata, message) -> None:
        self._notify(lambda: self.messages.append((message.topic, message.payload)))

    def _wait(self, predicate, what: str) -> None:
        with self._cond:
            assert self._cond.wait_for(predicate, WAIT_S), f"no {what} within {WAIT_S}s"

    def publish(self, topic: str, payload: bytes = b"{}") -> int:
        """QoS 1 publish; returns the PUBACK reason code."""
        mid = self.mqtt.publish(topic, payload, qos=1).mid
        self._wait(lambda: mid in self.pubacks, f"PUBACK for {topic}")
        return self.pubacks[mid]

    def subscribe(self, topic_filter: str) -> int:
        """QoS 1 subscribe; returns the SUBACK reason code."""
        _, mid = self.mqtt.subscribe(topic_filter, qos=1)
        self._wait(lambda: mid in self.subacks, f"SUBACK for {topic_filter}")
        return self.subacks[mid][0]

    def wait_for_message(self, topic: str) -> list[str]:
        """Topics received up to and including the first message on ``topic``."""
        self._wait(lambda: any(t == topic for t, _ in self.messages), f"message on {topic}")
        with self._cond:
            topics = [t for t, _ in self.messages]
        return topics[: topics.index(topic) + 1]

    def close(self) -> None:
        self.mqtt.disconnect()
        self.mqtt.loop_stop()


@pytest.fixture
def connect(acl_broker: RepoConfBroker) -> Iterator:
    clients: list[Client] = []

    def open_client(username: str | None, password: str | None = None) -> Client:
        if username is not None and password is None:
            password = PASSWORDS[username]
        client = Client(acl_broker, username, password)
        clients.append(client)
        if username is not None and password == PASSWORDS.get(username):
            assert client.connack == SUCCESS, f"{username} could not log in"
        return client

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def service(connect) -> Client:
    """The Meterhub services' user, listening to everything the ACL lets it read."""
    client = connect("meterhub")
    assert client.subscribe("meterhub/#") == 1
    assert client.subscribe("homeassistant/#") == 1
    return client


@pytest.mark.parametrize(
    ("username", "password"), [(None, None), ("pln", "wrong"), ("nobody", "pln-secret")]
)
def test_only_known_users_with_their_password_log_in(connect, username, password) -> None:
    assert connect(username, password).connack == NOT_AUTHORIZED


def test_a_device_publishes_its_reading_to_the_shared_storage_group(connect) -> None:
    storage = connect("meterhub")
    assert storage.subscribe("$share/storage/meterhub/+/reading") == 1
    assert connect("pln").publish("meterhub/pln/reading", b'{"device": "pln"}') == SUCCESS
    assert storage.wait_for_message("meterhub/pln/reading") == ["meterhub/pln/reading"]


@pytest.mark.parametrize(
    ("username", "denied", "allowed"),
    [
        ("pln", "meterhub/p1/reading", "meterhub/pln/reading"),
        ("pln", "meterhub/p1/frame/raw", "meterhub/pln/frame/raw"),
        ("pln", "meterhub/pln/frame", "meterhub/pln/frame/raw"),  # only via the gateway
        ("p1", "meterhub/pln/telegram", "meterhub/p1/telegram"),
        ("pln", "meterhub/pln/state", "meterhub/pln/availability"),
        ("pln", "meterhub/pln/cmd/capture", "meterhub/pln/keypad/ack"),
        ("pln", "meterhub/pln/keypad/cmd", "meterhub/pln/alarm"),
        ("pln", "homeassistant/status", "meterhub/pln/reading"),
        ("homeassistant", "meterhub/pln/reading", "meterhub/pln/cmd/capture"),
        ("homeassistant", "meterhub/pln/keypad/cmd", "meterhub/pln/token/set"),
        ("homeassistant", "homeassistant/sensor/pln/x/config", "homeassistant/status"),
        ("meterhub", "meterhub/pln/keypad/cmd", "meterhub/pln/token/state"),
        ("meterhub-token", "meterhub/pln/reading", "meterhub/pln/keypad/cmd"),
        ("meterhub-token", "meterhub/pln/token/set", "meterhub/pln/token/state"),
        ("meterhub-token", "meterhub/service/web/availability", "meterhub/pln/cmd/capture"),
    ],
)
def test_a_user_publishes_only_where_the_acl_allows(
    connect, service: Client, username: str, denied: str, allowed: str
) -> None:
    publisher = connect(username)
    assert publisher.publish(denied) == NOT_AUTHORIZED
    # Same connection, QoS 1: had the broker let the denied message through, the
    # service would have got it before this one.
    assert publisher.publish(allowed) == SUCCESS
    assert service.wait_for_message(allowed) == [allowed]


@pytest.mark.parametrize(
    ("denied", "allowed"),
    [
        ("meterhub/p1/cmd/capture", "meterhub/pln/cmd/capture"),
        ("meterhub/p1/keypad/cmd", "meterhub/pln/keypad/cmd"),
        ("meterhub/p1/reading", "meterhub/pln/cmd/capture"),
    ],
)
def test_a_device_reads_only_its_own_commands(connect, denied: str, allowed: str) -> None:
    device = connect("pln")
    assert device.subscribe("meterhub/pln/cmd/#") == 1
    assert device.subscribe("meterhub/pln/keypad/cmd") == 1
    device.subscribe("meterhub/p1/#")  # granted or not, nothing may arrive through it
    # Only token_entry's user may send keypad commands.
    senders = {"keypad/cmd": connect("meterhub-token"), "": connect("meterhub")}
    for topic in (denied, allowed):
        sender = next(s for part, s in senders.items() if part in topic)
        assert sender.publish(topic) == SUCCESS
    assert device.wait_for_message(allowed) == [allowed]


def test_the_services_user_writes_every_contract_topic_but_keypad_commands(
    connect, service: Client
) -> None:
    """A topic added to services/core/topics.py needs its line in mosquitto/acl."""
    services = connect("meterhub")  # `service` listens, so a granted publish has a reader
    topics = Topics()
    for kind in DEVICE_TOPICS:
        expected = NOT_AUTHORIZED if kind == "keypad_cmd" else SUCCESS
        assert services.publish(topics.device(kind, "pln")) == expected, kind
    assert services.publish(topics.service_availability("storage")) == SUCCESS


def test_make_passwords_refuses_when_a_password_is_missing(tmp_path: Path) -> None:
    password_file = tmp_path / "passwd"
    env = {k: v for k, v in PASSWORD_ENV.items() if k != "DEVICE_PASSWORD_P1"}
    made = make_passwords(password_file, env, "pln", "p1")
    assert made.returncode != 0
    assert "DEVICE_PASSWORD_P1" in made.stderr
    assert "DEVICE_PASSWORD_PLN" not in made.stderr
    assert not password_file.exists()


def test_make_passwords_refuses_a_name_that_is_not_a_device_id(tmp_path: Path) -> None:
    made = make_passwords(tmp_path / "passwd", {**PASSWORD_ENV, "DEVICE_PASSWORD_": "x"}, "a/b")
    assert made.returncode != 0
    assert "a/b" in made.stderr
    assert not (tmp_path / "passwd").exists()


def test_make_passwords_keeps_the_token_user_for_token_entry(tmp_path: Path) -> None:
    env = {**PASSWORD_ENV, "DEVICE_PASSWORD_METERHUB_TOKEN": "x"}
    made = make_passwords(tmp_path / "passwd", env, "meterhub-token")
    assert made.returncode != 0 and "reserved" in made.stderr
    env = {k: v for k, v in PASSWORD_ENV.items() if k != "TOKEN_MQTT_PASSWORD"}
    made = make_passwords(tmp_path / "passwd", env)
    assert made.returncode != 0 and "TOKEN_MQTT_PASSWORD" in made.stderr
