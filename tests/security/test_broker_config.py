"""`meterhub broker config` on a real mosquitto: who may log in, publish and read.

The generated ACL must decide every publish and every delivery of the bus contract as
the hand-written mosquitto/acl does (which tests/integration/test_broker_acl.py checks
in detail), and the files the command writes must start a broker that accepts exactly
the configured users.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from services.core.topics import DEVICE_TOPICS, Topics
from services.tools.broker_process import free_port
from tests.security.brokers import (
    ACCEPTED,
    BAD_LOGIN,
    NOT_AUTHORIZED,
    PASSWORD_ENV,
    PASSWORDS,
    SUCCESS,
    Client,
    ConfBroker,
    generated_broker,
    repository_broker,
)

DEVICES = ["pln", "p1"]
USERS = ["meterhub", "meterhub-token", "homeassistant", "pln", "p1"]
SENTINEL = b"sentinel"


def contract_topics() -> list[str]:
    """Every topic of the bus contract for two devices, plus services' and HA's own."""
    topics = Topics()
    names = [topics.device(kind, dev) for dev in DEVICES for kind in DEVICE_TOPICS]
    names += [topics.service_availability("storage"), topics.service_availability("token_entry")]
    return [*names, "homeassistant/status", "homeassistant/sensor/meterhub/pln_x/config"]


@pytest.fixture(scope="module")
def both_brokers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ConfBroker]]:
    with ExitStack() as stack:
        yield {
            "hand-written": stack.enter_context(
                repository_broker(tmp_path_factory.mktemp("repo-broker"))
            ),
            "generated": stack.enter_context(
                generated_broker(tmp_path_factory.mktemp("gen-broker"), DEVICES, PASSWORDS)
            ),
        }


@pytest.fixture
def connect() -> Iterator:
    clients: list[Client] = []

    def open_client(broker: ConfBroker, username: str | None, **kwargs) -> Client:
        password = kwargs.pop("password", PASSWORDS.get(username or ""))
        client = Client(broker.host, kwargs.pop("port", broker.port), username, password, **kwargs)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


def decisions(broker: ConfBroker, connect) -> tuple[dict, dict]:
    """(PUBACK code of each user's publish on each topic, topics each user was sent)."""
    topics = contract_topics()
    readers = {user: connect(broker, user) for user in USERS}
    for reader in readers.values():
        assert reader.connack == SUCCESS
        reader.subscribe("#")  # granted or not: the ACL filters what is delivered
    publishes = {}
    for user in USERS:
        writer = connect(broker, user)
        for topic in topics:
            publishes[(user, topic)] = writer.publish(topic)
    # Each reader may read some cmd/capture; QoS 1 from one broker arrives in order.
    sentinel_writer = connect(broker, "meterhub")
    for device in DEVICES:
        assert sentinel_writer.publish(f"meterhub/{device}/cmd/capture", SENTINEL) == SUCCESS
    reads = {}
    for user, reader in readers.items():
        last = f"meterhub/{user if user in DEVICES else DEVICES[-1]}/cmd/capture"
        received = reader.received_until(last, SENTINEL)
        reads[user] = sorted({t for t, payload in received if payload != SENTINEL})
    return publishes, reads


def test_generated_acl_decides_every_contract_topic_as_the_hand_written_one(
    both_brokers, connect
) -> None:
    hand_pub, hand_read = decisions(both_brokers["hand-written"], connect)
    gen_pub, gen_read = decisions(both_brokers["generated"], connect)
    assert {k for k, v in gen_pub.items() if v != hand_pub[k]} == set()
    assert gen_read == hand_read
    # The matrix is not trivially all-allowed or all-denied.
    assert gen_pub[("pln", "meterhub/pln/reading")] == SUCCESS
    assert gen_pub[("pln", "meterhub/p1/reading")] == NOT_AUTHORIZED
    assert "meterhub/p1/cmd/capture" not in gen_read["pln"]


def test_a_device_cannot_publish_another_devices_reading_or_keypad_commands(
    both_brokers, connect
) -> None:
    broker = both_brokers["generated"]
    storage = connect(broker, "meterhub")
    storage.subscribe("meterhub/#")
    pln = connect(broker, "pln")
    for denied in (
        "meterhub/p1/reading",
        "meterhub/pln/keypad/cmd",
        "meterhub/p1/keypad/cmd",
        "meterhub/pln/frame",  # only the gateway writes checked frames
        "meterhub/pln/state",
        "meterhub/pln/token/set",
    ):
        assert pln.publish(denied, b"forged") == NOT_AUTHORIZED, denied
    assert pln.publish("meterhub/pln/reading", SENTINEL) == SUCCESS
    # Same connection, QoS 1: a forged message let through would have come first.
    assert storage.received_until("meterhub/pln/reading", SENTINEL) == []


@pytest.mark.parametrize(
    ("username", "password"),
    [(None, None), ("pln", "wrong"), ("nobody", "pln-secret"), ("pln", "p1-secret")],
)
def test_anonymous_and_wrong_logins_are_refused(both_brokers, connect, username, password) -> None:
    client = connect(both_brokers["generated"], username, password=password)
    assert client.connack in BAD_LOGIN


def test_the_command_writes_files_a_broker_runs_and_no_password_in_clear(tmp_path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"devices": {d: {"kind": "p1"} for d in DEVICES}}))
    env = {**os.environ, **PASSWORD_ENV}
    command = [sys.executable, "-m", "services.cli", "-c", str(config), "broker", "config"]
    missing = subprocess.run(
        [*command, "--out", str(tmp_path / "none")],
        env={k: v for k, v in env.items() if k != "DEVICE_PASSWORD_P1"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "DEVICE_PASSWORD_P1" in missing.stderr
    assert not (tmp_path / "none").exists(), "nothing is written without every password"

    out = tmp_path / "broker"
    port = free_port()
    done = subprocess.run(
        [*command, "--out", str(out), "--port", str(port), "--host", "127.0.0.1"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((out / "passwd").stat().st_mode) == 0o600
    for secret in PASSWORDS.values():
        assert secret not in done.stdout + done.stderr
        for name in ("acl", "passwd", "mosquitto.conf"):
            assert secret not in (out / name).read_text(), name
    conf = (out / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf
    assert re.findall(r"^listener .*$", conf, flags=re.M) == [f"listener {port} 127.0.0.1"]
    with ConfBroker(port=port, data_dir=tmp_path / "run", conf_text=conf) as broker:
        device = Client(broker.host, broker.port, "p1", PASSWORDS["p1"])
        try:
            assert device.connack == SUCCESS
            assert device.publish("meterhub/p1/telegram") in ACCEPTED
            assert device.publish("meterhub/pln/telegram") == NOT_AUTHORIZED
        finally:
            device.close()


def test_generated_passwords_are_kept_on_a_rerun_and_never_printed(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"devices": {"pln": {"kind": "camera"}}}))
    env = {k: v for k, v in os.environ.items() if "PASSWORD" not in k}
    command = [sys.executable, "-m", "services.cli", "-c", str(config), "broker", "config"]
    out = tmp_path / "broker"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "--out", str(out), "--generate-missing"],
            env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip

    first = run()
    made = dict(line.split("=", 1) for line in (out / "passwords.env").read_text().splitlines())
    assert set(made) == {
        "MQTT_PASSWORD", "TOKEN_MQTT_PASSWORD", "HA_MQTT_PASSWORD", "DEVICE_PASSWORD_PLN",
    }  # fmt: skip
    assert stat.S_IMODE((out / "passwords.env").stat().st_mode) == 0o600
    assert not any(value in first.stdout for value in made.values())
    run()
    again = dict(line.split("=", 1) for line in (out / "passwords.env").read_text().splitlines())
    assert again == made
