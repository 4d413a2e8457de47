"""Simulator service: each simulated meter runs as its firmware would, over the bus.

A prepaid meter has two devices sharing one meter model: the camera in front of its
LCD and the keypad presser on its keys, so a token typed by one shows up in the other.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime

import numpy as np

from ..core.config.simulator import (
    SimulatedDlt645Meter,
    SimulatedDrumMeter,
    SimulatedP1Meter,
    SimulatedPrepaidMeter,
)
from ..core.messages import CaptureRequest, InvalidMessage, new_id, utc_now
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .dlt645_meter import PtyMeter, pty_meter
from .drum_camera import DrumCamera
from .keypad import PrepaidKeypad
from .lcd import encode_jpeg, render_lcd_frame
from .p1 import P1MeterModel
from .prepaid import JAKARTA, PrepaidMeterModel
from .truth import record_truth

log = logging.getLogger("meterhub.simulator")


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


class PrepaidCamera:
    """The ESP32-CAM in front of a PLN meter: photographs on a timer and on ``cmd/capture``."""

    def __init__(
        self, ctx: ServiceContext, device: str, settings: SimulatedPrepaidMeter, seed: int
    ) -> None:
        self.ctx, self.device, self.settings = ctx, device, settings
        ocr = ctx.config.devices[device].ocr
        assert ocr is not None  # camera devices always carry OCR settings
        self.digits, self.decimals = ocr.digits, ocr.decimals
        self.meter = PrepaidMeterModel(settings.balance_kwh, settings.load_w, random.Random(seed))
        self.rng = np.random.default_rng(seed)
        self._last_tick = time.monotonic()
        self._lock = asyncio.Lock()

    def _advance(self) -> None:
        now = time.monotonic()
        simulated_s = (now - self._last_tick) * self.settings.time_scale
        self._last_tick = now
        self.meter.consume(simulated_s, datetime.now(JAKARTA))

    async def capture(self, request_id: str | None = None) -> None:
        async with self._lock:  # one shot at a time, as one camera takes them
            self._advance()
            text = self.meter.displayed(self.decimals, self.digits)
            image = await asyncio.to_thread(
                render_lcd_frame, text, self.digits, self.settings.effects, self.rng
            )
            jpeg = await asyncio.to_thread(encode_jpeg, image)
            frame_id, ts = new_id(), utc_now()
            record_truth(
                self.ctx.config.storage.data_dir,
                self.device,
                frame_id,
                {"text": text, "value": float(text), "ts": _iso(ts)},
            )
            properties = {"ts": _iso(ts), "frame_id": frame_id}
            if request_id:
                properties["request_id"] = request_id
            await self.ctx.bus.publish(
                self.ctx.bus.topics.frame(self.device), jpeg, user_properties=properties
            )
            log.debug("frame", extra=kv(device=self.device, shown=text, frame_id=frame_id))

    async def on_capture(self, message: IncomingMessage) -> None:
        try:
            request = CaptureRequest.from_payload(message.payload or b"{}")
        except InvalidMessage as error:
            log.warning("bad capture request", extra=kv(device=self.device, reason=error))
            return
        await self.capture(request.request_id)

    async def run(self) -> None:
        while True:
            await self.capture()
            await asyncio.sleep(self.settings.frame_interval_s)


class P1Bridge:
    """The ESP32 on a P1 port: forwards every telegram the meter sends."""

    def __init__(self, bus: Bus, device: str, settings: SimulatedP1Meter, seed: int) -> None:
        self.bus, self.device, self.settings = bus, device, settings
        self.meter = P1MeterModel(
            load_w=settings.load_w, solar_w=settings.solar_w, rng=random.Random(seed)
        )

    async def run(self) -> None:
        while True:
            telegram = self.meter.telegram(datetime.now(UTC))
            await self.bus.publish(self.bus.topics.telegram(self.device), telegram)
            await asyncio.sleep(self.settings.interval_s)


async def main(ctx: ServiceContext) -> None:
    bus = ctx.bus
    devices: list[PrepaidCamera | PrepaidKeypad | P1Bridge | PtyMeter | DrumCamera] = []
    for seed, (device, settings) in enumerate(ctx.config.simulator.meters.items()):
        if isinstance(settings, SimulatedPrepaidMeter):
            camera = PrepaidCamera(ctx, device, settings, seed)
            bus.subscribe(bus.topics.capture(device), camera.on_capture)
            devices.append(camera)
            if settings.keypad.enabled:
                keypad = PrepaidKeypad(
                    bus, device, settings.keypad, camera.meter, ctx.config.storage.data_dir
                )
                bus.subscribe(bus.topics.device("keypad_cmd", device), keypad.on_command)
                devices.append(keypad)
        elif isinstance(settings, SimulatedDrumMeter):
            drum = DrumCamera(ctx, device, settings, seed)
            bus.subscribe(bus.topics.capture(device), drum.on_capture)
            devices.append(drum)
        elif isinstance(settings, SimulatedDlt645Meter):
            devices.append(pty_meter(settings, seed))  # polled by the gateway over its pty
        else:
            devices.append(P1Bridge(bus, device, settings, seed))
    for device in ctx.config.simulator.meters:
        await bus.publish(bus.topics.availability(device), "online", retain=True)
    try:
        async with asyncio.TaskGroup() as group:
            for simulated in devices:
                group.create_task(simulated.run())
    finally:
        for device in ctx.config.simulator.meters:
            await bus.publish(bus.topics.availability(device), "offline", retain=True)
