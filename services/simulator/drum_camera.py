"""The camera in front of a simulated Ferraris meter: a photo of the drum counter on a
timer and on ``cmd/capture``, with the register turning with the household's load."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime

import numpy as np

from ..core.config.simulator import SimulatedDrumMeter
from ..core.messages import CaptureRequest, InvalidMessage, new_id, utc_now
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .drum import render_drum_frame, shown_steps
from .lcd import encode_jpeg
from .prepaid import household_load_w
from .truth import record_truth

log = logging.getLogger("meterhub.simulator")


class DrumCamera:
    def __init__(
        self, ctx: ServiceContext, device: str, settings: SimulatedDrumMeter, seed: int
    ) -> None:
        self.ctx, self.device, self.settings = ctx, device, settings
        ocr = ctx.config.devices[device].ocr
        assert ocr is not None  # camera devices always carry OCR settings
        self.drums, self.decimals = ocr.digits, ocr.decimals
        self.register_kwh = settings.reading_kwh
        self.load_rng = random.Random(seed)
        self.rng = np.random.default_rng(seed)
        self._last_tick = time.monotonic()
        self._lock = asyncio.Lock()

    def _advance(self) -> None:
        now = time.monotonic()
        simulated_s = (now - self._last_tick) * self.settings.time_scale
        self._last_tick = now
        load_w = household_load_w(self.settings.load_w, datetime.now(), self.load_rng)
        self.register_kwh += load_w * simulated_s / 3_600_000

    async def capture(self, request_id: str | None = None) -> None:
        async with self._lock:  # one shot at a time, as one camera takes them
            self._advance()
            steps = self.register_kwh * 10**self.decimals
            image = await asyncio.to_thread(
                render_drum_frame,
                steps,
                self.drums,
                self.settings.effects,
                self.rng,
                self.settings.shift_px,
            )
            jpeg = await asyncio.to_thread(encode_jpeg, image)
            shown = shown_steps(steps, self.drums)
            frame_id, ts = new_id(), utc_now()
            record_truth(
                self.ctx.config.storage.data_dir,
                self.device,
                frame_id,
                {
                    "text": f"{shown:0{self.drums}d}",
                    "value": shown / 10**self.decimals,
                    "register_kwh": self.register_kwh,
                    "ts": ts.isoformat().replace("+00:00", "Z"),
                },
            )
            properties = {"ts": ts.isoformat().replace("+00:00", "Z"), "frame_id": frame_id}
            if request_id:
                properties["request_id"] = request_id
            await self.ctx.bus.publish(
                self.ctx.bus.topics.frame(self.device), jpeg, user_properties=properties
            )
            log.debug("frame", extra=kv(device=self.device, shown=shown, frame_id=frame_id))

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
