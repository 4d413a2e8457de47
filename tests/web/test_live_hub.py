"""The live hub's own rules for what it keeps: the model of each topic, or nothing.

Fed real bus messages directly (tests/web/test_live.py has the hub on a real broker):
what matters here is what it keeps after each one and what it logs.
"""

from __future__ import annotations

import json
import logging

import pytest

from services.core.runtime import IncomingMessage
from services.core.topics import Topics
from services.web.images import annotate
from services.web.live import LiveHub
from tests.web.test_api import write_frame

TOKEN_TOPIC = "meterhub/pln/token/state"
STEP = {"request_id": "r1", "state": "typing", "detail": "typing", "ts": "2026-11-24T10:00:00Z",
        "balance_before_kwh": 12.5, "balance_after_kwh": None}  # fmt: skip


def message(topic: str, payload: bytes | dict) -> IncomingMessage:
    raw = json.dumps(payload).encode() if isinstance(payload, dict) else payload
    return IncomingMessage(topic=topic, payload=raw, qos=1, retain=True)


@pytest.fixture
def hub() -> LiveHub:
    return LiveHub(Topics("meterhub"))


async def test_junk_keeps_the_last_valid_message_and_sends_no_event(hub) -> None:
    await hub.on_message(message(TOKEN_TOPIC, STEP))
    events = hub.events
    await hub.on_message(message(TOKEN_TOPIC, {"foo": 1}))
    await hub.on_message(message(TOKEN_TOPIC, b"\xff not json"))
    assert hub.device("pln").token_state == STEP
    assert hub.events == events


async def test_junk_is_logged_once_per_topic_until_a_valid_message(hub, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="meterhub.web.live")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    for _ in range(5):
        await hub.on_message(message(TOKEN_TOPIC, {"foo": 1}))
    await hub.on_message(message("meterhub/pln/ocr/rois", {"display": "abc"}))
    assert len(warnings()) == 2
    await hub.on_message(message(TOKEN_TOPIC, STEP))
    await hub.on_message(message(TOKEN_TOPIC, {"foo": 2}))
    assert len(warnings()) == 3  # a new run of junk after a valid message is news again


async def test_valid_messages_are_kept_in_their_models_shape(hub) -> None:
    await hub.on_message(message("meterhub/pln/ocr/rois",
                                 {"display": [1.0, 2, 3, 4], "digits": [],
                                  "updated": "2026-11-24T10:00:00+01:00"}))  # fmt: skip
    assert hub.device("pln").ocr_rois == {
        "display": [1, 2, 3, 4], "digits": [], "updated": "2026-11-24T09:00:00Z",
    }  # fmt: skip
    await hub.on_message(message("meterhub/p1/state", {"ts": "2026-11-24T10:00:00Z",
                                                       "power_w": 5.0}))  # fmt: skip
    assert hub.device("p1").state["power_w"] == 5.0


async def test_an_empty_message_clears_a_retained_topic_but_not_the_refusals(hub) -> None:
    await hub.on_message(message(TOKEN_TOPIC, STEP))
    await hub.on_message(message(TOKEN_TOPIC, b""))
    assert hub.device("pln").token_state is None
    await hub.on_message(message("meterhub/pln/rejected", b""))
    assert hub.snapshot()["devices"]["pln"]["rejected"] == []


async def test_boxes_far_outside_the_frame_are_drawn_clipped_not_refused(hub, tmp_path) -> None:
    """Valid by the models (any int), but past what OpenCV draws: clipped to the frame."""
    await hub.on_message(message("meterhub/pln/ocr", {
        "frame_id": "f1", "digits": "1", "confidences": [0.9], "elapsed_ms": 1.0,
        "boxes": [[2**40, -(2**40), 2**40, 5]],
    }))  # fmt: skip
    await hub.on_message(message("meterhub/pln/ocr/rois", {
        "display": [2**33, 0, 2**33, 2**33], "digits": [], "updated": "2026-11-24T10:00:00Z",
    }))  # fmt: skip
    live = hub.device("pln")
    drawn = annotate(write_frame(tmp_path), live.ocr, live.ocr_rois, None)
    assert drawn.startswith(b"\xff\xd8")
