"""The channel table is the one source: the docs, the topics and the services agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.core.contract import CHANNELS, DEVICE, HOME_ASSISTANT, Channel
from services.core.messages import Message
from services.core.topics import DEVICE_TOPICS
from services.registry import SERVICES

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
ROW = re.compile(r"^\| `meterhub/<dev>/(?P<suffix>[^`]+)` \|.*\| (?P<delivery>[^|]+) \|$")


def _documented() -> dict[str, str]:
    rows = (ROW.match(line) for line in ARCHITECTURE.read_text().splitlines())
    return {m["suffix"]: m["delivery"].strip() for m in rows if m}


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_is_documented_with_its_qos_and_retain(channel: Channel) -> None:
    spec = CHANNELS[channel]
    delivery = _documented().get(spec.suffix)
    assert delivery is not None, f"docs/ARCHITECTURE.md has no row for {spec.suffix}"
    qos, _, retain = delivery.partition("/")
    assert int(qos) == spec.qos, delivery
    assert (retain.strip() == "retained") == spec.retain, delivery


def test_the_docs_name_no_channel_the_table_lacks() -> None:
    assert set(_documented()) <= {spec.suffix for spec in CHANNELS.values()}


def test_topics_are_the_tables_suffixes() -> None:
    assert {str(c): spec.suffix for c, spec in CHANNELS.items()} == DEVICE_TOPICS


def test_every_user_of_a_channel_is_a_service_a_device_or_home_assistant() -> None:
    known = set(SERVICES) | {DEVICE, HOME_ASSISTANT}
    for channel, spec in CHANNELS.items():
        assert spec.publishers, channel
        assert spec.publishers | spec.subscribers <= known, channel
        assert spec.payload is None or issubclass(spec.payload, Message), channel


@pytest.mark.parametrize("channel", [c for c, spec in CHANNELS.items() if spec.judge])
def test_a_judge_subscribes_to_its_channel_and_may_publish_the_refusal(channel: Channel) -> None:
    """The typed bus answers junk on ``rejected`` for the judge: the ACL must let it."""
    spec = CHANNELS[channel]
    assert spec.payload is not None, "only a model can refuse a payload"
    assert spec.judge in spec.subscribers
    assert spec.judge in CHANNELS[Channel.REJECTED].publishers


def test_a_rejection_is_never_answered_with_another() -> None:
    assert not CHANNELS[Channel.REJECTED].judge
