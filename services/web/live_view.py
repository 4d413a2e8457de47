"""The live view of a camera meter: its frames pushed to the pages watching it, and
captures asked for at a steady rate only while someone watches.

A page opens a frame stream for one meter; the first watcher starts a loop that sends
``cmd/capture`` every ``interval_s`` (whoever answers captures for that camera answers
these too), the last one leaving stops it. Every checked frame on ``<dev>/frame``, asked
for or not, goes to that meter's watchers as it comes (base64 JPEG, no reload per frame).
A watcher that falls behind loses its older frames: the newest one is what matters.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..core.config.web import WebConfig
from ..core.contract import Channel
from ..core.messages import CaptureRequest
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv
from ..core.topics import Topics

log = logging.getLogger("meterhub.web.live_view")

WATCHER_QUEUE = 2  # frames held for a slow page; older ones are dropped
MAX_WATCHERS = 50  # open live views, all meters together (each costs a frame per second)
DEFAULT_INTERVAL_S: float = WebConfig.model_fields["live_view_interval_s"].default


@dataclass
class _Meter:
    watchers: set[asyncio.Queue[dict[str, Any] | None]] = field(default_factory=set)
    asking: asyncio.Task[None] | None = None
    requests: int = 0  # capture requests sent while watched, for the status


class LiveFrames:
    def __init__(self, topics: Topics, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.topics, self.interval_s = topics, interval_s
        self.bus: Bus | None = None
        self.meters: dict[str, _Meter] = {}
        self.closed = False

    def attach(self, bus: Bus) -> None:
        """Hear every checked frame (call before the bus connects)."""
        self.bus = bus
        bus.on(Channel.FRAME, self.on_frame, qos=0)

    @property
    def watchers(self) -> int:
        return sum(len(meter.watchers) for meter in self.meters.values())

    def watched(self) -> dict[str, int]:
        """Watchers per meter being watched now."""
        return {device: len(m.watchers) for device, m in self.meters.items() if m.watchers}

    async def on_frame(self, device: str, message: IncomingMessage) -> None:
        meter = self.meters.get(device)
        if meter is None or not meter.watchers:
            return
        properties = message.user_properties
        event = {
            "device": device,
            "frame_id": properties.get("frame_id"),
            "ts": properties.get("ts"),
            "request_id": properties.get("request_id"),
            "jpeg": base64.b64encode(message.payload).decode("ascii"),
        }
        for queue in meter.watchers:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    async def _ask(self, device: str, meter: _Meter) -> None:
        """One capture request per interval while watched; a failed publish is logged and
        the next interval tries again (the bus reconnects on its own)."""
        assert self.bus is not None
        topic = self.topics.capture(device)
        while True:
            try:
                await self.bus.publish(topic, CaptureRequest().to_payload())
                meter.requests += 1
            except Exception as error:  # the view goes on; the next try may work
                log.warning("live capture request not sent", extra=kv(device=device, error=error))
            await asyncio.sleep(self.interval_s)

    @contextlib.asynccontextmanager
    async def watch(self, device: str) -> AsyncIterator[asyncio.Queue[dict[str, Any] | None]]:
        """Frames of ``device`` until the page goes away (None: the service is stopping)."""
        if self.bus is None:
            raise ConnectionError("the web service is not connected to the bus")
        if self.watchers >= MAX_WATCHERS:
            raise OverflowError(f"more than {MAX_WATCHERS} live views open")
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(WATCHER_QUEUE)
        if self.closed:
            queue.put_nowait(None)
        meter = self.meters.setdefault(device, _Meter())
        meter.watchers.add(queue)
        if meter.asking is None:
            meter.asking = asyncio.create_task(self._ask(device, meter))
            log.info("live view on", extra=kv(device=device, interval_s=self.interval_s))
        try:
            yield queue
        finally:
            meter.watchers.discard(queue)
            if not meter.watchers and meter.asking is not None:
                meter.asking.cancel()
                meter.asking = None
                log.info("live view off", extra=kv(device=device, requests=meter.requests))

    def close(self) -> None:
        """End every frame stream, so the server can stop without waiting for them."""
        self.closed = True
        for meter in self.meters.values():
            for queue in meter.watchers:
                with contextlib.suppress(asyncio.QueueEmpty):
                    while queue.full():
                        queue.get_nowait()
                queue.put_nowait(None)
