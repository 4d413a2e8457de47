"""Bad input on every topic a service takes from the bus, with the services running for real.

Storage, the capture gateway, the OCR worker and token entry run against a real broker.
Hypothesis publishes readings, P1 telegrams, camera frames (plain and through the
gateway) and tokens that are wrong in every way it finds, one at a time, and each must
come back as a rejection with a reason on the device's ``rejected`` topic (a frame may
also be read: then a reading comes back). No handler may fail, and good input still
flows at the end.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.core.messages import InvalidMessage, Reading, TokenSet
from services.core.runtime import IncomingMessage, run_services
from services.core.runtime.health import Health
from services.protocols.dsmr import InvalidTelegram, parse_telegram
from services.registry import service_spec
from services.simulator.lcd import FrameEffects, render_lcd_frame
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config
from tests.fuzz.strategies import BAD_BYTES, SETTINGS, broken_reading, mutated, real_telegram

SERVICES = ("storage", "capture_gateway", "ocr_worker", "token_entry")
CAMERA = {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}}
ANSWER_S = 20.0


def _real_jpeg() -> bytes:
    image = render_lcd_frame("127.45", 6, FrameEffects(), np.random.default_rng(1))
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return buffer.tobytes()


JPEG = _real_jpeg()
TELEGRAM = real_telegram(3).encode("latin-1")


def _bad_reading(payload: bytes) -> bool:
    try:
        Reading.from_payload(payload)
    except InvalidMessage:
        return True
    return False


def _bad_telegram(payload: bytes) -> bool:
    try:
        parse_telegram(payload.decode("latin-1"), received=datetime.now(UTC))
    except InvalidTelegram:
        return True
    return False


FRAMES = st.one_of(st.binary(max_size=2000), mutated(JPEG, max_changes=6))
TOKENS = st.one_of(
    BAD_BYTES,
    st.builds(
        lambda token, rid: TokenSet(token=token, request_id=rid).to_payload(),
        st.text(max_size=40),
        st.from_regex(r"[a-z0-9]{8}", fullmatch=True),
    ),
)
# kind -> (device, topic suffix, payloads)
INPUTS: dict[str, tuple[str, str, st.SearchStrategy[bytes]]] = {
    "reading": ("m1", "reading", st.one_of(BAD_BYTES, broken_reading())),
    "telegram": ("p1", "telegram", st.one_of(BAD_BYTES, mutated(TELEGRAM, max_changes=3))),
    "frame": ("ocrcam", "frame", FRAMES),
    "frame_raw": ("rawcam", "frame/raw", FRAMES),
    "token": ("pln", "token/set", TOKENS),
}


def _answers(device: str) -> Callable[[IncomingMessage], bool]:
    """A rejection for ``device`` with a reason (or, for a frame, a reading)."""

    def matches(message: IncomingMessage) -> bool:
        if message.topic == f"meterhub/{device}/reading":
            return True
        if message.topic != f"meterhub/{device}/rejected":
            return False
        return bool(json.loads(message.payload)["reason"].strip())

    return matches


async def test_every_bad_input_is_rejected_with_a_reason_and_no_service_fails(
    broker, tmp_path
) -> None:
    config = make_config(
        broker,
        tmp_path / "data",
        devices={"m1": {"kind": "p1"}, "p1": {"kind": "p1"}, "pln": CAMERA,
                 "ocrcam": CAMERA, "rawcam": CAMERA},
        capture={"min_interval_s": 0, "http": {"enabled": False}},
    )  # fmt: skip
    stop, health = asyncio.Event(), Health()
    services = asyncio.create_task(
        run_services(config, [service_spec(s) for s in SERVICES], stop=stop, health=health)
    )
    seen = Collector()
    loop = asyncio.get_running_loop()
    counts: dict[str, int] = dict.fromkeys(INPUTS, 0)
    sent_frames: set[bytes] = set()
    lock = threading.Lock()
    try:
        for name in SERVICES:
            await asyncio.wait_for(health.wait_connected(name), 15)
        async with running_bus(config.mqtt, "test-fuzzer", {"meterhub/#": seen}) as fuzzer:

            async def answered(device: str, topic: str, payload: bytes) -> None:
                before = len(seen.messages)
                await fuzzer.publish(topic, payload)
                await seen.wait_for(
                    lambda m: seen.messages.index(m) >= before and _answers(device)(m), ANSWER_S
                )

            # The services keep running across examples: Hypothesis runs in a thread.
            @settings(**SETTINGS)
            @given(kind=st.sampled_from(sorted(INPUTS)), data=st.data())
            def every_bad_input_is_answered(kind: str, data: Any) -> None:
                device, suffix, payloads = INPUTS[kind]
                payload = data.draw(payloads, label="payload")
                if kind == "reading":
                    assume(_bad_reading(payload))
                elif kind == "telegram":
                    assume(_bad_telegram(payload))
                elif kind.startswith("frame"):
                    with lock:  # the gateway drops a repeat of the last frame, by design
                        assume(payload not in sent_frames)
                        sent_frames.add(payload)
                topic = f"meterhub/{device}/{suffix}"
                asyncio.run_coroutine_threadsafe(answered(device, topic, payload), loop).result(
                    ANSWER_S + 5
                )
                counts[kind] += 1

            await asyncio.to_thread(every_bad_input_is_answered)

            # Topics naming no device (only an open broker lets them through): nobody to
            # answer, but no handler may fail on them either.
            for suffix in ("reading", "telegram", "frame", "frame/raw", "token/set"):
                for odd in ("NOT A DEVICE", "Upper", "dots.in.it"):
                    await fuzzer.publish(f"meterhub/{odd}/{suffix}", b"anything")
            await answered("ocrcam", "meterhub/ocrcam/frame", JPEG)
            good = Reading(device="m1", ts=datetime.now(UTC), source="p1", values={"power_w": 5.0})
            await fuzzer.publish("meterhub/m1/reading", good.to_payload())
            await seen.wait_for(lambda m: m.topic == "meterhub/m1/state" and b"5.0" in m.payload)
            await fuzzer.publish("meterhub/p1/telegram", real_telegram(4).encode("latin-1"))
            await seen.wait_for(lambda m: m.topic == "meterhub/p1/reading")
            errors = {name: bus.stats.handler_errors for name, bus in health.buses.items()}
    finally:
        stop.set()
        await asyncio.wait_for(services, 30)
    assert errors == dict.fromkeys(SERVICES, 0), errors
    assert all(counts.values()), counts  # every kind of input was tried
    print(f"\nbad inputs answered per kind: {counts}")
