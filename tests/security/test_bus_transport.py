"""The services' bus on a real, locked-down broker: TLS, refused publishes, late acks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.broker.conf import Tls
from services.core.config.mqtt import MqttConfig
from services.core.runtime import Bus, IncomingMessage, PublishRefused
from services.tools.broker_process import MosquittoProcess
from tests.bus_helpers import Collector, running_bus
from tests.security.brokers import PASSWORDS, Client, ConfBroker, generated_broker, self_signed
from tests.security.cutting_proxy import CuttingProxy

NOT_AUTHORIZED = 135
WAIT_S = 10.0


def _mqtt(port: int, user: str | None = None, **extra: object) -> MqttConfig:
    return MqttConfig.model_validate(
        {
            "host": "127.0.0.1",
            "port": port,
            "username": user,
            "password": PASSWORDS[user] if user else None,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.5,
            **extra,
        }
    )


class _Records(logging.Handler):
    """Log records of one logger, with an event per awaited message."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message, self.seen = message, asyncio.Event()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.message:
            self.records.append(record)
            self.seen.set()


@contextlib.contextmanager
def _watch(logger: str, message: str) -> Iterator[_Records]:
    handler = _Records(message)
    logging.getLogger(logger).addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger(logger).removeHandler(handler)


# --- TLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConfBroker, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    cert, key = self_signed(tmp_path_factory.mktemp("certs"))
    broker = generated_broker(
        tmp_path_factory.mktemp("tls-broker"), ["pln", "p1"], PASSWORDS, tls=Tls(cert, key)
    )
    with broker:
        yield broker, cert


async def test_a_service_talks_tls_to_the_broker(tls_broker) -> None:
    broker, cert = tls_broker
    mqtt = _mqtt(broker.tls_port, "meterhub", tls={"ca_file": str(cert)})
    readings = Collector()
    listener = Client(broker.host, broker.port, "meterhub", PASSWORDS["meterhub"])
    device = Client(broker.host, broker.port, "pln", PASSWORDS["pln"])
    try:
        listener.subscribe("meterhub/pln/state")
        async with running_bus(mqtt, "tls", {"meterhub/+/reading": readings}) as bus:
            assert bus._client is not None
            assert bus._client._client.socket().version() in ("TLSv1.2", "TLSv1.3")
            assert device.publish("meterhub/pln/reading", b"over-loopback") in (0, 16)
            await readings.wait_for(lambda m: m.payload == b"over-loopback", WAIT_S)
            await bus.publish_confirmed("meterhub/pln/state", b"over-tls")
        assert (
            await asyncio.to_thread(listener.received_until, "meterhub/pln/state", b"over-tls")
            == []
        )
    finally:
        device.close()
        listener.close()


async def test_a_service_refuses_a_broker_with_another_certificate(tls_broker, tmp_path) -> None:
    broker, _ = tls_broker
    impostor, _ = self_signed(tmp_path)  # same name, another key
    bus = Bus(_mqtt(broker.tls_port, "meterhub", tls={"ca_file": str(impostor)}), "tls")
    with _watch("meterhub.bus", "broker unreachable, retrying") as failures:
        running = asyncio.create_task(bus.run())
        try:
            await asyncio.wait_for(failures.seen.wait(), WAIT_S)
        finally:
            await bus.stop()
            await asyncio.wait_for(running, WAIT_S)
    assert bus.stats.connects == 0
    assert "certificate verify failed" in bus.stats.last_error


def test_tls_config_wants_a_key_with_a_client_certificate() -> None:
    with pytest.raises(ValueError, match="cert_file and key_file go together"):
        _mqtt(8883, tls={"ca_file": "ca.pem", "cert_file": "client.pem"})


# --- refused publishes -----------------------------------------------------------------


@pytest.fixture(scope="module")
def acl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConfBroker]:
    with generated_broker(tmp_path_factory.mktemp("acl-broker"), ["pln", "p1"], PASSWORDS) as b:
        yield b


async def test_a_publish_the_acl_denies_is_a_failure_not_sent(acl_broker) -> None:
    mqtt = _mqtt(acl_broker.port, "pln")  # a device's user: p1's topics are not its own
    with _watch("meterhub.bus", "publish refused by the broker") as refusals:
        async with running_bus(mqtt, "device") as bus:
            with pytest.raises(PublishRefused) as refused:
                await bus.publish_confirmed("meterhub/p1/reading", b"forged")
            assert refused.value.topic == "meterhub/p1/reading"
            assert refused.value.reason.value == NOT_AUTHORIZED
            await bus.publish("meterhub/p1/alarm", b"forged too")  # fire and forget
            await bus.publish_confirmed("meterhub/pln/reading", b"own")  # outbox not stuck
            assert bus.stats.refused == 2
            published_before = bus.stats.published
    # The online/offline announcements go through aiomqtt directly, not the outbox.
    assert published_before == 1
    fields = [r.fields for r in refusals.records]  # type: ignore[attr-defined]
    assert [f["topic"] for f in fields] == ["meterhub/p1/reading", "meterhub/p1/alarm"]
    assert all(f["reason"] == NOT_AUTHORIZED for f in fields)
    assert "135" in bus.stats.last_error and "meterhub/p1/alarm" in bus.stats.last_error


# --- acknowledged only after the outputs -------------------------------------------------


@pytest.fixture
async def cut_at_output(broker: MosquittoProcess) -> AsyncIterator[CuttingProxy]:
    async with CuttingProxy(broker.host, broker.port, "out/") as proxy:
        yield proxy


async def test_an_input_whose_output_never_reached_the_broker_comes_again(
    broker: MosquittoProcess, cut_at_output: CuttingProxy
) -> None:
    """Line cut just as the output goes out, and the service dies: the input is not lost."""
    handled: list[bytes] = []

    async def transform(message: IncomingMessage, bus: Bus) -> None:
        handled.append(message.payload)
        await bus.publish("out/result", b"done:" + message.payload)

    first = Bus(_mqtt(cut_at_output.port), "acker", persistent=True)
    first.subscribe("in/#", lambda m: transform(m, first))
    running = asyncio.create_task(first.run())
    observer = Client(broker.host, broker.port, None)
    try:
        observer.subscribe("out/#")
        await asyncio.wait_for(first.connected.wait(), WAIT_S)
        assert observer.publish("in/job", b"job-1") in (0, 16)
        await asyncio.wait_for(cut_at_output.cut.wait(), WAIT_S)
        running.cancel()  # the service dies with its output still in its outbox
        with contextlib.suppress(asyncio.CancelledError):
            await running

        second = Bus(_mqtt(broker.port), "acker", persistent=True)  # restarted, same session
        second.subscribe("in/#", lambda m: transform(m, second))
        restarted = asyncio.create_task(second.run())
        try:
            result = await asyncio.to_thread(observer.received_until, "out/result", b"done:job-1")
        finally:
            await second.stop()
            await asyncio.wait_for(restarted, WAIT_S)
    finally:
        observer.close()
    assert result == [] and handled == [b"job-1", b"job-1"]
