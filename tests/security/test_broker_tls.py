"""MQTT over TLS on the generated broker config, with a self-signed certificate.

Devices on the network use the TLS listener (8883 in production, a free port here);
plain MQTT stays on loopback for the services on the same machine. Both ask for a login.
"""

from __future__ import annotations

import shutil
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.broker.conf import Tls
from tests.security.brokers import (
    ACCEPTED,
    BAD_LOGIN,
    NOT_AUTHORIZED,
    PASSWORDS,
    SUCCESS,
    Client,
    ConfBroker,
    generated_broker,
    self_signed,
)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConfBroker, Path]]:
    certs = tmp_path_factory.mktemp("certs")
    cert, key = self_signed(certs)
    broker = generated_broker(
        tmp_path_factory.mktemp("tls-broker"), ["pln", "p1"], PASSWORDS, tls=Tls(cert, key)
    )
    with broker:
        yield broker, cert


def test_a_device_publishes_over_tls_and_the_service_reads_it_on_loopback(tls_broker) -> None:
    broker, cert = tls_broker
    assert broker.tls_port is not None
    service = Client(broker.host, broker.port, "meterhub", PASSWORDS["meterhub"])
    device = Client(broker.host, broker.tls_port, "pln", PASSWORDS["pln"], tls_ca=cert)
    try:
        service.subscribe("meterhub/+/reading")
        assert device.connack == SUCCESS
        assert device.mqtt.socket().version() in ("TLSv1.2", "TLSv1.3")
        assert device.publish("meterhub/p1/reading", b"forged") == NOT_AUTHORIZED
        assert device.publish("meterhub/pln/reading", b"real") in ACCEPTED
        assert service.received_until("meterhub/pln/reading", b"real") == []
    finally:
        device.close()
        service.close()


def test_tls_still_needs_a_login(tls_broker) -> None:
    broker, cert = tls_broker
    stranger = Client(broker.host, broker.tls_port, None, tls_ca=cert)
    wrong = Client(broker.host, broker.tls_port, "pln", "guess", tls_ca=cert)
    try:
        assert stranger.connack in BAD_LOGIN and wrong.connack in BAD_LOGIN
    finally:
        stranger.close()
        wrong.close()


def test_a_client_that_does_not_trust_the_certificate_is_stopped(tls_broker, tmp_path) -> None:
    broker, _ = tls_broker
    other, _ = self_signed(tmp_path)  # same name, another key: an impostor's certificate
    context = ssl.create_default_context(cafile=str(other))
    with (
        socket.create_connection((broker.host, broker.tls_port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname=broker.host)


def _first_bytes_answered(host: str, port: int, data: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(data)
        try:
            return raw.recv(16)
        except (ConnectionResetError, TimeoutError):
            return b""


def test_plain_mqtt_on_the_tls_port_gets_nowhere(tls_broker) -> None:
    broker, _ = tls_broker
    # An MQTT 5 CONNECT in clear text (client id "a"): the plain listener answers it with
    # a CONNACK (0x20, here refusing the anonymous login); the TLS listener must not.
    connect = bytes.fromhex("100e00044d5154540502003c00000161")
    assert _first_bytes_answered(broker.host, broker.port, connect)[:1] == b"\x20"
    assert _first_bytes_answered(broker.host, broker.tls_port, connect)[:1] != b"\x20"
