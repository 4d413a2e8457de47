"""What the bus says right now, kept for the page and pushed to every open page (SSE).

The web service subscribes to the live topics on its own bus; each message updates the
per-device picture and goes to every listener's queue. A listener that falls behind
loses its oldest events rather than slowing the bus (the page resyncs from the next
snapshot when it reconnects).

Every payload is validated by its contract model before it is kept or passed on: junk
on a retained topic (``{"foo": 1}`` as a token step) is ignored, as if it had never come,
so the page and the API answer from the last valid message (or as if none came yet). It
is logged once per topic until a valid message follows, not once per request. These
topics keep one raw subscription each (not ``Bus.on``): one router serves them and the
services' availability alike, and remembers junk per topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..core.contract import CHANNELS, Channel
from ..core.messages import InvalidMessage, Message
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv
from ..core.topics import Topics
from .echo import excerpt
from .live_view import DEFAULT_INTERVAL_S, LiveFrames

log = logging.getLogger("meterhub.web.live")

# Device topic kinds the page follows; rejected is QoS 1 so a refusal is never missed.
LIVE_KINDS: dict[str, int] = {
    "state": 0,
    "ocr": 0,
    "availability": 1,
    "token_state": 1,
    "rejected": 1,
    "capacity": 0,
    "ocr_rois": 1,
}
# The model each JSON topic's payload must match, from the contract (availability, which
# has none, is one of AVAILABILITY).
PAYLOAD_MODELS: dict[str, type[Message]] = {
    kind: model for kind in LIVE_KINDS if (model := CHANNELS[Channel(kind)].payload) is not None
}
AVAILABILITY = frozenset({"online", "offline"})
MAX_JUNK_TOPICS = 1000  # topics remembered as logged; past it, they may be logged again
RECENT_REJECTED = 20
LISTENER_QUEUE = 512
MAX_LISTENERS = 200


@dataclass
class DeviceLive:
    state: dict[str, Any] | None = None
    availability: str | None = None
    ocr: dict[str, Any] | None = None
    last_frame: dict[str, Any] | None = None  # the newest frame's fate: read or rejected
    rejected: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_REJECTED))
    token_state: dict[str, Any] | None = None
    capacity: dict[str, Any] | None = None
    ocr_rois: dict[str, Any] | None = None

    def view(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "availability": self.availability,
            "ocr": self.ocr,
            "last_frame": self.last_frame,
            "rejected": list(self.rejected),
            "token_state": self.token_state,
            "capacity": self.capacity,
            "ocr_rois": self.ocr_rois,
        }


class LiveHub:
    def __init__(self, topics: Topics, frame_interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.topics = topics
        self.frames = LiveFrames(topics, frame_interval_s)  # camera live views, per meter
        self.devices: dict[str, DeviceLive] = {}
        self.services: dict[str, str] = {}
        self.listeners: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.events = 0
        self.closed = False
        self._junk_topics: set[str] = set()  # logged once; forgotten at the next valid one

    def attach(self, bus: Bus) -> None:
        """Subscribe to every live topic (call before the bus connects)."""
        for kind, qos in LIVE_KINDS.items():
            bus.subscribe(self.topics.all_devices(kind), self.on_message, qos=qos)
        bus.subscribe(self.topics.service_availability("+"), self.on_message, qos=1)
        self.frames.attach(bus)

    def device(self, device: str) -> DeviceLive:
        return self.devices.setdefault(device, DeviceLive())

    async def on_message(self, message: IncomingMessage) -> None:
        event = self._take(message)
        if event is not None:
            self.publish(event)

    def _junk(self, topic: str, reason: str) -> None:
        if topic in self._junk_topics:
            log.debug("live message ignored", extra=kv(topic=topic, reason=reason))
            return
        if len(self._junk_topics) >= MAX_JUNK_TOPICS:
            self._junk_topics.clear()
        self._junk_topics.add(topic)
        log.warning("live message ignored: not valid", extra=kv(topic=topic, reason=reason))

    def _availability(self, message: IncomingMessage) -> str | None:
        status = message.payload.decode(errors="replace")
        if status not in AVAILABILITY:
            self._junk(message.topic, f"availability {excerpt(status)!r} is not online/offline")
            return None
        self._junk_topics.discard(message.topic)
        return status

    def _valid(self, message: IncomingMessage, kind: str) -> dict[str, Any] | None:
        try:
            parsed = PAYLOAD_MODELS[kind].from_payload(message.payload)
        except InvalidMessage as error:
            self._junk(message.topic, excerpt(str(error)))
            return None
        self._junk_topics.discard(message.topic)
        return parsed.model_dump(mode="json")

    def _take(self, message: IncomingMessage) -> dict[str, Any] | None:
        parts = message.topic.split("/")
        if len(parts) == 4 and parts[1] == "service" and parts[3] == "availability":
            status = self._availability(message)
            if status is None:
                return None
            self.services[parts[2]] = status
            return {"type": "service", "service": parts[2], "data": status}
        try:
            device, kind = self.topics.device_of(message.topic), self.topics.kind_of(message.topic)
        except ValueError:
            return None
        if kind == "availability":
            status = self._availability(message)
            if status is None:
                return None
            self.device(device).availability = status
            return {"type": kind, "device": device, "data": status}
        if kind not in PAYLOAD_MODELS:
            return None
        if not message.payload and kind != "rejected":  # a cleared retained topic
            self._junk_topics.discard(message.topic)
            setattr(self.device(device), kind, None)
            return {"type": kind, "device": device, "data": None}
        data = self._valid(message, kind)
        if data is None:
            return None
        live = self.device(device)  # only once something valid came from it
        if kind == "rejected":
            live.rejected.appendleft(data)
            reading = data.get("reading")
            if data.get("source") == "ocr" and isinstance(reading, dict):
                live.last_frame = {
                    "frame_id": reading.get("frame_id"),
                    "read": False,
                    "reason": data.get("reason"),
                    "ts": data.get("ts"),
                }
        elif kind == "ocr":
            live.ocr = data
            live.last_frame = {"frame_id": data.get("frame_id"), "read": True, "reason": None}
        elif kind in ("state", "token_state", "capacity", "ocr_rois"):
            setattr(live, kind, data)
        return {"type": kind, "device": device, "data": data}

    # --- listeners -----------------------------------------------------------------
    def publish(self, event: dict[str, Any]) -> None:
        self.events += 1
        event["at"] = time.time()
        for queue in self.listeners:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    def snapshot(self) -> dict[str, Any]:
        return {
            "devices": {device: live.view() for device, live in self.devices.items()},
            "services": dict(self.services),
        }

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[dict[str, Any] | None]]:
        """A queue of events until the page goes away (None: the service is stopping)."""
        if len(self.listeners) >= MAX_LISTENERS:
            raise OverflowError(f"more than {MAX_LISTENERS} live pages open")
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(LISTENER_QUEUE)
        if self.closed:
            queue.put_nowait(None)
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)

    def close(self) -> None:
        """End every stream, so the server can stop without waiting for open pages."""
        self.closed = True
        self.frames.close()
        for queue in self.listeners:
            with contextlib.suppress(asyncio.QueueEmpty):
                while queue.full():
                    queue.get_nowait()
            queue.put_nowait(None)
