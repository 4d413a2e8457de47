"""The broker's packet size cap, on a real mosquitto with both configs.

The largest message of the contract is a camera frame (``MAX_FRAME_BYTES``); the broker
takes exactly that (with its topic and properties) and disconnects a client sending
more, before buffering it: a 20 MB publish no longer reaches anyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from services.broker.conf import MAX_PACKET_BYTES
from services.core.messages import MAX_FRAME_BYTES
from tests.security.brokers import (
    ACCEPTED,
    MOSQUITTO_DIR,
    PASSWORDS,
    Client,
    ConfBroker,
    generated_broker,
    repository_broker,
)

HUGE_BYTES = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def brokers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ConfBroker]]:
    with ExitStack() as stack:
        yield {
            "hand-written": stack.enter_context(
                repository_broker(tmp_path_factory.mktemp("repo-broker"))
            ),
            "generated": stack.enter_context(
                generated_broker(tmp_path_factory.mktemp("gen-broker"), ["pln", "p1"], PASSWORDS)
            ),
        }


def test_the_hand_written_config_has_the_same_cap() -> None:
    text = (MOSQUITTO_DIR / "mosquitto.conf").read_text()
    assert re.findall(r"^max_packet_size (\d+)$", text, re.M) == [str(MAX_PACKET_BYTES)]
    assert MAX_PACKET_BYTES > MAX_FRAME_BYTES


@pytest.mark.parametrize("config", ["hand-written", "generated"])
def test_a_max_size_frame_passes_and_a_20_mb_publish_is_cut_off(brokers, config) -> None:
    broker = brokers[config]
    topic = "meterhub/pln/frame/raw"
    reader = Client(broker.host, broker.port, "meterhub", PASSWORDS["meterhub"])
    device = Client(broker.host, broker.port, "pln", PASSWORDS["pln"])
    try:
        reader.subscribe(topic)
        frame = b"\xff\xd8" + b"f" * (MAX_FRAME_BYTES - 2)
        assert device.publish(topic, frame) in ACCEPTED
        assert reader.received_until(topic, frame) == []

        mid = device.mqtt.publish(topic, b"x" * HUGE_BYTES, qos=1).mid
        device.wait(lambda: device.disconnected, "disconnect after a 20 MB publish")
        assert mid not in device.pubacks
        # The connection is gone and nothing of it was delivered: the next message is next.
        marker = Client(broker.host, broker.port, "pln", PASSWORDS["pln"])
        try:
            assert marker.publish(topic, b"after") in ACCEPTED
        finally:
            marker.close()
        assert reader.received_until(topic, b"after") == [(topic, frame)]
    finally:
        device.close()
        reader.close()
