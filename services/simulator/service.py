"""Simulator service: each simulated meter runs as its firmware would, over the bus.

A prepaid meter has devices sharing one meter model: the camera in front of its LCD, the
keypad presser on its keys and the sound sensor hearing its low-credit beep, so a token
typed by one shows up in the others.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

from ..core.config.simulator import (
    SimulatedDlt645Meter,
    SimulatedDrumMeter,
    SimulatedP1Meter,
    SimulatedPrepaidMeter,
)
from ..core.contract import Channel
from ..core.runtime import Bus
from ..core.runtime.runner import ServiceContext
from .camera import Scene, SimulatedCamera
from .dlt645_meter import PtyMeter, pty_meter
from .drum_camera import DrumCamera
from .keypad import PrepaidKeypad
from .lcd import render_lcd_frame
from .p1 import P1MeterModel
from .prepaid import JAKARTA, REGISTERS, PrepaidMeterModel
from .sound import PrepaidSound


class PrepaidCamera(SimulatedCamera):
    """The ESP32-CAM in front of a PLN meter: photographs on a timer and on ``cmd/capture``."""

    settings: SimulatedPrepaidMeter

    def __init__(
        self, ctx: ServiceContext, device: str, settings: SimulatedPrepaidMeter, seed: int
    ) -> None:
        super().__init__(ctx, device, settings, seed)
        self.meter = PrepaidMeterModel(settings.balance_kwh, settings.load_w, random.Random(seed))
        self.photos = 0  # a cycling display shows the next register on each photo

    def advance(self, simulated_s: float) -> None:
        self.meter.consume(simulated_s, datetime.now(JAKARTA))

    def scene(self) -> Scene:
        register = "balance"
        if self.settings.cycling:
            register = REGISTERS[self.photos % len(REGISTERS)]
            self.photos += 1
        text = self.meter.register(register, self.decimals, self.digits, datetime.now(JAKARTA))
        digits, effects, rng = self.digits, self.settings.effects, self.rng
        value = float(text) if register == "balance" else None
        return Scene(
            render=lambda: render_lcd_frame(
                text, digits, effects, rng, credit_lit=register == "balance"
            ),
            truth={"text": text, "value": value, "register": register},
            shown=text,
        )


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


Simulated = PrepaidCamera | PrepaidKeypad | PrepaidSound | P1Bridge | PtyMeter | DrumCamera


async def main(ctx: ServiceContext) -> None:
    bus = ctx.bus
    devices: list[Simulated] = []
    for seed, (device, settings) in enumerate(ctx.config.simulator.meters.items()):
        if isinstance(settings, SimulatedPrepaidMeter):
            camera = PrepaidCamera(ctx, device, settings, seed)
            # cmd/capture by topic: a Home Assistant button sends "PRESS", not a request.
            bus.subscribe(bus.topics.capture(device), camera.on_capture)
            devices.append(camera)
            if settings.keypad.enabled:
                keypad = PrepaidKeypad(
                    bus, device, settings.keypad, camera.meter, ctx.config.storage.data_dir
                )
                bus.on(Channel.KEYPAD_CMD, keypad.on_command, device=device)
                devices.append(keypad)
            if settings.sound.enabled:
                sound = PrepaidSound(bus, device, settings.sound, camera.meter, camera.catch_up)
                devices.append(sound)
        elif isinstance(settings, SimulatedDrumMeter):
            drum = DrumCamera(ctx, device, settings, seed)
            bus.subscribe(bus.topics.capture(device), drum.on_capture)
            devices.append(drum)
        elif isinstance(settings, SimulatedDlt645Meter):
            devices.append(pty_meter(settings, seed))  # polled by the gateway over its pty
        else:
            devices.append(P1Bridge(bus, device, settings, seed))
    for device in ctx.config.simulator.meters:
        await bus.send(Channel.AVAILABILITY, device, "online")
    try:
        async with asyncio.TaskGroup() as group:
            for simulated in devices:
                group.create_task(simulated.run())
    finally:
        for device in ctx.config.simulator.meters:
            await bus.send(Channel.AVAILABILITY, device, "offline")
