"""What every simulated camera does, whatever meter it faces: one shot at a time, on a
timer and on ``cmd/capture``; the meter moved on by the time since the last shot (times
``time_scale``); what the photo truly shows recorded beside its frame id; the JPEG
published with ``ts``, ``frame_id`` and the ``request_id`` it answers."""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.config.simulator import SimulatedDrumMeter, SimulatedPrepaidMeter
from ..core.messages import BURST_SPACING_S, CaptureRequest, InvalidMessage, new_id, utc_now
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from ..core.simulator_truth import record_truth
from .lcd import encode_jpeg

log = logging.getLogger("meterhub.simulator")


@dataclass(frozen=True)
class Scene:
    """The meter as the shutter catches it: ``render`` draws the frame (off the event
    loop, so it must not read state the loop changes); ``truth`` is what it shows."""

    render: Callable[[], np.ndarray]
    truth: dict[str, Any]
    shown: str  # for the log


class SimulatedCamera(ABC):
    def __init__(
        self,
        ctx: ServiceContext,
        device: str,
        settings: SimulatedPrepaidMeter | SimulatedDrumMeter,
        seed: int,
    ) -> None:
        self.ctx, self.device, self.settings = ctx, device, settings
        ocr = ctx.config.devices[device].ocr
        assert ocr is not None  # camera devices always carry OCR settings
        self.digits, self.decimals = ocr.digits, ocr.decimals
        self.rng = np.random.default_rng(seed)
        self._last_tick = time.monotonic()
        self._lock = asyncio.Lock()
        self._bursts: set[asyncio.Task[None]] = set()

    @abstractmethod
    def advance(self, simulated_s: float) -> None:
        """Run the meter on by ``simulated_s`` seconds of its own time."""

    @abstractmethod
    def scene(self) -> Scene: ...

    def _catch_up(self) -> None:
        now = time.monotonic()
        self.advance((now - self._last_tick) * self.settings.time_scale)
        self._last_tick = now

    async def catch_up(self) -> None:
        """Run the meter on to now without a photo (for whoever else watches it)."""
        async with self._lock:
            self._catch_up()

    async def capture(self, request_id: str | None = None) -> None:
        async with self._lock:  # one shot at a time, as one camera takes them
            self._catch_up()
            scene = self.scene()
            jpeg = await asyncio.to_thread(lambda: encode_jpeg(scene.render()))
            frame_id, ts = new_id(), utc_now().isoformat().replace("+00:00", "Z")
            truth = {**scene.truth, "ts": ts}
            record_truth(self.ctx.config.storage.data_dir, self.device, frame_id, truth)
            properties = {"ts": ts, "frame_id": frame_id}
            if request_id:
                properties["request_id"] = request_id
            await self.ctx.bus.publish(
                self.ctx.bus.topics.frame(self.device), jpeg, user_properties=properties
            )
            log.debug("frame", extra=kv(device=self.device, shown=scene.shown, frame_id=frame_id))

    async def on_capture(self, message: IncomingMessage) -> None:
        try:
            request = CaptureRequest.from_payload(message.payload or b"{}")
        except InvalidMessage as error:
            log.warning("bad capture request", extra=kv(device=self.device, reason=error))
            return
        if request.burst == 1:
            await self.capture(request.request_id)
            return
        # A burst in a task of its own: its pauses must not hold up the bus.
        task = asyncio.create_task(self._burst(request))
        self._bursts.add(task)
        task.add_done_callback(self._bursts.discard)

    async def _burst(self, request: CaptureRequest) -> None:
        """The request's photos, ``BURST_SPACING_S`` apart, as the gateway takes them."""
        for shot in range(request.burst):
            if shot:
                await asyncio.sleep(BURST_SPACING_S)
            await self.capture(request.request_id)

    async def run(self) -> None:
        while True:
            await self.capture()
            await asyncio.sleep(self.settings.frame_interval_s)
