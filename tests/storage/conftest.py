"""Fixtures for the storage tests: real sink servers, the Firebase fake, a storage runner."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import aiomqtt
import pytest

from services.core.config import MeterhubConfig
from services.core.config.mqtt import MqttConfig
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec
from tests.storage.firebase_fake import RtdbFake
from tests.storage.servers import InfluxdProcess, VictoriaMetricsProcess

T = TypeVar("T")
# Sinks retry quickly in tests, so a sink that is back is used again within a second.
FAST_RETRY = {"retry_initial_s": 0.05, "retry_max_s": 0.5, "timeout_s": 5}
PUBLISH_WINDOW = 500


@pytest.fixture
def influxd(tmp_path: Path) -> Iterator[InfluxdProcess]:
    server = InfluxdProcess(data_dir=tmp_path / "influxd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[VictoriaMetricsProcess]:
    server = VictoriaMetricsProcess(data_dir=tmp_path / "victoria")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def firebase_fake() -> Iterator[RtdbFake]:
    fake = RtdbFake().start()
    try:
        yield fake
    finally:
        fake.stop()


@contextlib.asynccontextmanager
async def running_storage(config: MeterhubConfig) -> AsyncIterator[Health]:
    """The storage service, connected and subscribed, until the block ends (clean stop)."""
    stop, health = asyncio.Event(), Health()
    task = asyncio.create_task(
        run_services(config, [service_spec("storage")], stop=stop, health=health)
    )
    try:
        await asyncio.wait_for(health.wait_connected("storage"), 10)
        yield health
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def eventually(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 30.0) -> T:
    """Poll a server (in a thread) until ``done(result)``; for servers with no event to wait on."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        result = await asyncio.to_thread(probe)
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met after {timeout}s; last: {result!r}"[:2000])
        await asyncio.sleep(delay)  # the polling interval of a server without events
        delay = min(delay * 2, 0.5)


async def publish_many(mqtt: MqttConfig, messages: list[tuple[str, bytes]]) -> None:
    """QoS 1 publishes with many in flight (a ``Bus`` waits for each PUBACK in turn)."""
    async with aiomqtt.Client(
        mqtt.host, mqtt.port, protocol=aiomqtt.ProtocolVersion.V5, max_inflight_messages=500
    ) as client:
        for start in range(0, len(messages), PUBLISH_WINDOW):
            await asyncio.gather(
                *(
                    client.publish(topic, payload, qos=1)
                    for topic, payload in messages[start : start + PUBLISH_WINDOW]
                )
            )
