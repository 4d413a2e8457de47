"""Every camera device's source, triggers and gate, composed into the gateway's tasks.

One rule for frames: whatever delivers them (an ESP32-CAM on MQTT via ``<dev>/frame/raw``,
an upload, a snapshot URL, a local camera, a directory), they reach ``<dev>/frame`` only
through the device's gate. Who answers ``cmd/capture``: the gateway for the cameras it
shoots (snapshot, local, dirwatch); a camera on MQTT answers itself (so does the
simulator's); an uploading device is not asked.

Handlers are registered when the object is built, before the service's first ``await``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from ..core.config.capture import GATEWAY_SHOOTS, DeviceCapture
from ..core.contract import Channel
from ..core.messages import BURST_SPACING_S, CaptureRequest, InvalidMessage, Rejected, new_id
from ..core.runtime import IncomingMessage
from ..core.runtime.backoff import Backoff
from ..core.runtime.clock import Clock, SystemClock
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled
from .availability import Availability
from .frames import Frame, FrameRejected, checked_id, frame_time
from .gate import REJECTED_SOURCE, DeviceStatus, FrameGate, GateSettings
from .sources import SourceError, shooters
from .sources.dirwatch import DirWatch
from .triggers import Schedule, run_schedule, schedule_of
from .worker import CameraWorker

log = logging.getLogger("meterhub.gateway.cameras")
OWN_REQUESTS_KEPT = 64  # ids of scheduled cmd/capture sent to MQTT cameras, to know replies


@dataclass
class Camera:
    device: str
    capture: DeviceCapture
    status: DeviceStatus
    gate: FrameGate
    availability: Availability
    worker: CameraWorker | None = None
    schedules: list[Schedule] = field(default_factory=list)
    own_requests: deque[str] = field(default_factory=lambda: deque(maxlen=OWN_REQUESTS_KEPT))

    @property
    def kind(self) -> str:
        return self.capture.source.kind


class CameraEdge:
    def __init__(self, ctx: ServiceContext, group: str, clock: Clock | None = None) -> None:
        self.ctx, self.bus, self.config = ctx, ctx.bus, ctx.config
        self.clock = clock or SystemClock()
        self.cameras: dict[str, Camera] = {
            device: self._camera(device, settings.capture or DeviceCapture())
            for device, settings in ctx.config.devices.items()
            if settings.kind == "camera"
        }
        self.http_port: int | None = None
        self.http_ready = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()
        topics = self.bus.topics
        self.bus.on(Channel.FRAME_RAW, self.on_raw_frame, shared_group=group)
        # cmd/capture by topic: a Home Assistant button sends "PRESS", not a request.
        for camera in self.cameras.values():
            if camera.worker is not None:
                self.bus.subscribe(topics.capture(camera.device), partial(self.on_capture, camera))
            elif camera.kind == "mqtt" and not self._simulated(camera.device):
                # Its firmware takes one photo per cmd/capture: a burst is spread out here,
                # by one gateway of the group.
                self.bus.subscribe(
                    topics.shared(group, topics.capture(camera.device)),
                    partial(self.on_mqtt_capture, camera),
                )

    def _camera(self, device: str, capture: DeviceCapture) -> Camera:
        section = self.config.capture
        settings = GateSettings(
            min_interval_s=_first(capture.min_interval_s, section.min_interval_s),
            max_frame_bytes=_first(capture.max_frame_bytes, section.max_frame_bytes),
            max_waiting=section.max_waiting_requests,
        )
        status = DeviceStatus(source=capture.source.kind)
        gate = FrameGate(device, self.bus, self.clock, settings, status)
        camera = Camera(
            device, capture, status, gate, Availability(device, self.bus, status, self.clock)
        )
        camera.schedules = [s for t in capture.triggers if (s := schedule_of(t)) is not None]
        if capture.source.kind in GATEWAY_SHOOTS:
            shooter = shooters()[capture.source.kind](
                capture.source, self.clock, settings.max_frame_bytes
            )
            camera.worker = CameraWorker(
                device,
                capture.source.kind,
                shooter,
                gate,
                camera.availability,
                section.retry,
                self.clock,
                section.max_waiting_requests,
            )
        return camera

    @property
    def needs_http(self) -> bool:
        enabled = self.config.capture.http.enabled
        if enabled is not None:
            return enabled
        return any(
            camera.kind == "upload" or any(t.kind == "autocapture" for t in camera.capture.triggers)
            for camera in self.cameras.values()
        )

    def tasks(self) -> list[Coroutine[Any, Any, None]]:
        work = [self._announce_offline_on_stop()]
        for camera in self.cameras.values():
            name = camera.device
            if camera.worker is not None:
                work.append(self._supervised(f"shots of {name}", camera.worker.run))
            if camera.kind == "dirwatch":
                work.append(self._supervised(f"watch of {name}", partial(self._watch, camera)))
            for schedule in camera.schedules:
                run = partial(run_schedule, schedule, self.clock, partial(self.fire, camera), name)
                work.append(self._supervised(f"{schedule.name} trigger of {name}", run))
        if self.needs_http:
            from .upload_api import serve_capture_api

            work.append(self._supervised("capture listener", partial(serve_capture_api, self)))
        return work

    async def _supervised(self, what: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run one camera's part forever: a crash is logged and the part restarted after a
        backoff, and never takes the gateway (or the other devices) down with it."""
        backoff = Backoff(self.config.capture.retry.initial_s, self.config.capture.retry.max_s)
        while True:
            try:
                await run()
                return
            except Exception as error:
                delay = backoff.next_delay()
                log.exception("part failed", extra=kv(part=what, error=error, retry_in_s=delay))
                await self.clock.sleep(delay)

    # --- triggers ---------------------------------------------------------------------
    async def fire(self, camera: Camera, trigger: str) -> None:
        """A schedule is due: shoot, or ask an MQTT camera for a shot."""
        if camera.worker is not None:
            camera.worker.schedule(trigger)
            return
        request = CaptureRequest()
        camera.own_requests.append(request.request_id)
        await self.bus.publish(self.bus.topics.capture(camera.device), request.to_payload())

    async def ask(self, camera: Camera, trigger: str) -> str | None:
        """Someone outside asked for a shot; the request id, or None when too many wait."""
        request_id = new_id()
        if camera.worker is not None:
            return request_id if camera.worker.request(request_id, trigger) else None
        await self.bus.publish(
            self.bus.topics.capture(camera.device),
            CaptureRequest(request_id=request_id).to_payload(),
        )
        return request_id

    async def on_capture(self, camera: Camera, message: IncomingMessage) -> None:
        assert camera.worker is not None
        payload = message.payload.strip()
        try:
            # A Home Assistant MQTT button sends "PRESS": a request without an id.
            is_json = payload.startswith(b"{")
            request = CaptureRequest.from_payload(payload) if is_json else CaptureRequest()
        except InvalidMessage as error:
            await camera.gate.reject(f"invalid cmd/capture: {error}", {"payload": _text(payload)})
            return
        if not camera.worker.request(request.request_id, shots=request.burst):
            await camera.gate.reject(
                "throttled: too many capture requests waiting",
                {"request_id": request.request_id, "origin": camera.kind},
            )

    def _simulated(self, device: str) -> bool:
        """The simulator's cameras take a burst themselves."""
        return self.config.simulator.enabled and device in self.config.simulator.meters

    async def on_mqtt_capture(self, camera: Camera, message: IncomingMessage) -> None:
        """A burst asked of an MQTT camera: its firmware took the first photo; the rest are
        asked for one by one, ``BURST_SPACING_S`` apart, with the same request id."""
        try:
            request = CaptureRequest.from_payload(message.payload.strip())
        except InvalidMessage:
            return  # the camera answers a bad request itself (or a HA button's "PRESS")
        if request.burst == 1:
            return
        task = asyncio.create_task(self._spread_burst(camera, request))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _spread_burst(self, camera: Camera, request: CaptureRequest) -> None:
        single = CaptureRequest(request_id=request.request_id).to_payload()
        for _ in range(request.burst - 1):
            await self.clock.sleep(BURST_SPACING_S)
            await self.bus.publish(self.bus.topics.capture(camera.device), single)

    # --- frames pushed to the gateway ---------------------------------------------------
    async def on_raw_frame(self, device: str, message: IncomingMessage) -> None:
        camera = self.cameras.get(device)
        about = {"bytes": len(message.payload), "origin": "mqtt"}
        if camera is None or camera.kind != "mqtt":
            reason = (
                "unknown device (not a camera in the config)"
                if camera is None
                else f"device takes frames from its {camera.kind} source, not over MQTT"
            )
            await self._reject_unknown(device, reason, about)
            return
        props = message.user_properties
        try:
            request_id = checked_id(props.get("request_id"), "request_id")
            frame = Frame(
                device,
                message.payload,
                frame_time(props.get("ts"), self.clock.now(), self.oldest_frame),
                "mqtt",
                checked_id(props.get("frame_id"), "frame_id") or new_id(),
                request_id,
            )
        except FrameRejected as error:
            await camera.gate.reject(str(error), about)
            return
        requested = request_id is not None and request_id not in camera.own_requests
        if requested:
            # Waiting for its turn must not hold up the bus for every other device.
            task = asyncio.create_task(self.offer_pushed(camera, frame, requested=True))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            await self.offer_pushed(camera, frame, requested=False)

    async def offer_pushed(self, camera: Camera, frame: Frame, *, requested: bool) -> None:
        try:
            await camera.gate.offer(frame, requested=requested)
        except FrameRejected as error:
            await camera.gate.reject(str(error), frame.summary())

    async def _watch(self, camera: Camera) -> None:
        """Scan a watched directory forever; its health is the camera's availability."""
        assert camera.worker is not None
        watcher = camera.worker.shooter
        assert isinstance(watcher, DirWatch)
        poll_s, retry = watcher.settings.poll_s, self.config.capture.retry
        backoff = Backoff(max(poll_s, retry.initial_s), max(poll_s, retry.max_s))
        while True:
            wait_s = poll_s
            try:
                shot = await watcher.poll()
            except SourceError as error:
                wait_s = backoff.next_delay()  # a vanished share is not asked every poll
                await camera.availability.failed(str(error), wait_s)
            except FrameRejected as error:
                await camera.gate.reject(str(error), {"origin": "dirwatch"})
            else:
                backoff.reset()
                await camera.availability.ok()
                if shot is not None:
                    frame = Frame(camera.device, shot.jpeg, shot.ts or self.clock.now(), "dirwatch")
                    await self.offer_pushed(camera, frame, requested=False)
            camera.status.extra["superseded"] = watcher.superseded
            await self.clock.sleep(wait_s)

    @property
    def oldest_frame(self) -> timedelta:
        # A frame queued by the broker cannot be older than the gateway's session.
        return timedelta(seconds=max(self.config.mqtt.session_expiry_s, 3600))

    async def _reject_unknown(self, device: str, reason: str, about: dict[str, Any]) -> None:
        log.warning("frame rejected", extra=kv(device=device, reason=reason))
        await self.bus.publish(
            self.bus.topics.rejected(device),
            Rejected(
                device=device, source=REJECTED_SOURCE, reason=reason, reading=about
            ).to_payload(),
        )

    async def _announce_offline_on_stop(self) -> None:
        try:
            await until_cancelled()
        finally:
            for task in list(self._pending):
                task.cancel()
            for camera in self.cameras.values():
                with contextlib.suppress(Exception):
                    await camera.availability.stopped()

    def status(self) -> dict[str, dict[str, Any]]:
        report = {}
        for device, camera in self.cameras.items():
            report[device] = camera.status.as_dict()
            if camera.worker is not None:
                report[device]["waiting"] = camera.worker.waiting
        return report


def _first(override: Any, default: Any) -> Any:
    return default if override is None else override


def _text(payload: bytes) -> str:
    return payload[:200].decode("utf-8", errors="replace")
