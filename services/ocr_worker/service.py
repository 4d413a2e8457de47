"""OCR worker: reads each frame, publishes a reading, or a rejection saying why.

Workers form the ``$share/ocr`` group, so adding a process adds capacity. Whatever a
worker needs besides the frame comes from the bus, never from another worker's memory:
the previous accepted value of each device from the retained ``<dev>/state`` (for the
plausibility checks), and ROIs marked in the web page from the retained
``<dev>/ocr/rois`` (and its file, ``<data_dir>/ocr/<dev>/rois.json``), used from the
next frame on.

State and ROIs are followed on a second, clean connection: a persistent session hands
over queued frames before the retained messages of its subscriptions, and a frame
judged before the previous value is known could let a misread through after a
restart. That connection's view is complete once its own retained ``online`` came back
(it is subscribed last), and frames wait for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2

from ..core.config import MeterhubConfig
from ..core.config.devices import OcrConfig
from ..core.contract import Channel
from ..core.messages import (
    OTHER_REGISTER,
    Correction,
    DeviceState,
    OcrResult,
    OcrRois,
    Reading,
    Rejected,
    utc_now,
)
from ..core.quantities import QUANTITIES
from ..core.roi_rules import roi_problems
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled
from ..core.timestamps import parse_aware
from ..core.topics import is_device_id
from ..domain.recent_frames import FrameRecord, RecentFrames
from .agreement import Runs
from .lockout import Lockouts, LockoutStep
from .pipeline import FramePipeline, Judgement, Outcome, Rois
from .plausibility import Limits, Sample

log = logging.getLogger("meterhub.ocr")
GROUP = "ocr"
SYNC_TIMEOUT_S = 10.0
ROI_EXCERPT_BYTES = 500  # of a refused ROI message, kept in the rejection
ANSWERED_KEPT = 256  # request ids remembered as answered (bursts last seconds)


def frame_time(properties: dict[str, str]) -> datetime:
    """The ``ts`` user property, or now if it is missing or not a time."""
    try:
        return parse_aware(properties["ts"])
    except (KeyError, ValueError):  # missing, not a time, or one without a zone
        return utc_now()


def rate_scale(config: MeterhubConfig, device: str) -> float:
    """A simulated meter runs ``time_scale`` times faster than the clock its frames are
    stamped with, so its plausible rates are that much higher."""
    if not config.simulator.enabled:
        return 1.0
    simulated = config.simulator.meters.get(device)
    return float(getattr(simulated, "time_scale", 1.0)) if simulated is not None else 1.0


@dataclass
class DeviceView:
    """What the bus says about one device: its latest accepted state and marked ROIs."""

    state_ts: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)
    rois: OcrRois | None = None
    rois_file_mtime: float | None = None
    # A value accepted since (a correction published here, a manual reading) that the
    # state does not show yet: frames right after it are judged against it.
    taken: Sample | None = None


Refusal = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # device, reason, about


class Followed:
    """Retained state and ROIs per device, from the bus and the ROI files."""

    def __init__(self, config: MeterhubConfig, refuse: Refusal) -> None:
        self.config, self.refuse = config, refuse
        self.data_dir = config.storage.data_dir
        self.devices: dict[str, DeviceView] = {}
        self.synced = asyncio.Event()
        self._refused: dict[str, bytes] = {}  # device -> the ROI payload last refused

    def view(self, device: str) -> DeviceView:
        return self.devices.setdefault(device, DeviceView())

    async def on_state(self, device: str, state: DeviceState) -> None:
        view = self.view(device)
        view.state_ts, view.state = state.ts, dict(state.model_extra or {})

    async def on_rois(self, device: str, rois: OcrRois) -> None:
        """ROIs that break the rules are never applied; the reason goes to
        ``<dev>/rejected`` once per payload (it is retained, and heard on two connections)."""
        problem = self.problem(device, rois)
        if problem is None:
            self._refused.pop(device, None)
            self._take_rois(device, rois)
        else:
            await self._refuse_once(device, rois.to_payload(), problem)

    async def on_invalid_rois(self, device: str, message: IncomingMessage, reason: str) -> None:
        if is_device_id(device):  # else there is no rejected topic to answer on
            await self._refuse_once(device, message.payload, reason)

    async def _refuse_once(self, device: str, payload: bytes, problem: str) -> None:
        if self._refused.get(device) == payload:
            return
        self._refused[device] = payload
        about = {"rois": payload[:ROI_EXCERPT_BYTES].decode(errors="replace")}
        await self.refuse(device, f"ROIs ignored: {problem}", about)

    def problem(self, device: str, rois: OcrRois) -> str | None:
        """Why the device's readers cannot use these ROIs (bounds: on each frame)."""
        settings = self.config.devices.get(device)
        ocr = settings.ocr if settings is not None else None
        problems = roi_problems(
            rois.display,
            rois.digits,
            rotation_deg=ocr.rotation_deg if ocr else 0.0,
            digits_shown=ocr.digits if ocr else None,
        )
        return "; ".join(problems) or None

    async def on_own_availability(self, message: IncomingMessage) -> None:
        self.synced.set()  # subscribed last: every retained state and ROI came before it

    def _take_rois(self, device: str, rois: OcrRois) -> None:
        view = self.view(device)
        if view.rois is None or rois.updated >= view.rois.updated:
            view.rois = rois

    def rois(self, device: str) -> Rois:
        """The newest ROIs marked for the device: the message or the file, whichever is
        newer (the file is checked on every frame; a stat costs microseconds)."""
        view = self.view(device)
        path = OcrRois.file(self.data_dir, device)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = None
        if mtime is not None and mtime != view.rois_file_mtime:
            view.rois_file_mtime = mtime
            self._take_file(device, path)
        marked = view.rois
        if marked is None or (marked.display is None and not marked.digits):
            return Rois()
        return Rois(marked.display, tuple(marked.digits), marked.updated)

    def _take_file(self, device: str, path: Path) -> None:
        """The web page's file, checked like the message (logged once per change)."""
        try:
            rois = OcrRois.from_payload(path.read_bytes())
            problem = self.problem(device, rois)
        except (OSError, ValueError) as error:
            rois, problem = None, str(error)
        if problem is None and rois is not None:
            self._take_rois(device, rois)
        else:
            log.warning("ROI file ignored", extra=kv(device=device, reason=problem))

    def previous(self, device: str, quantity: str) -> Sample | None:
        """The stored value, or a value accepted since that the state does not show yet."""
        view = self.view(device)
        value = view.state.get(quantity)
        stored = None
        if view.state_ts is not None and isinstance(value, int | float):
            stored = Sample(view.state_ts, float(value))
        taken = view.taken
        return taken if taken is not None and (stored is None or taken.ts > stored.ts) else stored


class OcrWorker:
    def __init__(self, config: MeterhubConfig, bus: Bus, pipeline: FramePipeline) -> None:
        self.config, self.bus, self.topics = config, bus, bus.topics
        self.pipeline = pipeline
        self.followed = Followed(config, self._refuse_rois)
        self.lockouts = Lockouts()
        self.confirming = Runs()  # plausible frames waiting for ocr.confirm_frames
        self.recent = RecentFrames(config.storage.data_dir)
        # Requests already answered with a reading: the rest of their burst is not needed.
        self.answered: deque[str] = deque(maxlen=ANSWERED_KEPT)

    async def on_reading(self, device: str, reading: Reading) -> None:
        """A manual reading (a person typed what the display shows) ends any lock-out of
        its device at once, and is the value the next frame is judged against."""
        if reading.source == "manual" and reading.device == device:
            self.lockouts.release(device)
            settings = self.config.devices.get(device)
            quantity = settings.ocr.quantity if settings and settings.ocr else None
            if quantity in reading.values:
                self.followed.view(device).taken = Sample(reading.ts, reading.values[quantity])
            log.info("lock-out released by a manual reading", extra=kv(device=device))

    async def on_correction(self, device: str, correction: Correction) -> None:
        """A value a person typed for a frame ends the device's lock-out at once; it is the
        reference for the next frame unless a newer value is already known."""
        if correction.device != device:
            return  # storage refuses it on the device's rejected topic
        self.lockouts.release(device)
        settings = self.config.devices.get(device)
        if settings and settings.ocr and settings.ocr.quantity == correction.quantity:
            known = self.followed.previous(device, correction.quantity)
            if known is None or correction.ts >= known.ts:
                self.followed.view(device).taken = Sample(correction.ts, correction.value)
        log.info("lock-out released by a correction", extra=kv(device=device))

    def judgement(self, device: str, ocr: OcrConfig, ts: datetime) -> Judgement:
        quantity = QUANTITIES[ocr.quantity]
        limits = Limits.for_quantity(
            ocr.plausibility, quantity, ocr.decimals, rate_scale(self.config, device), ocr.digits
        )
        return Judgement(quantity.kind, limits, self.followed.previous(device, ocr.quantity), ts)

    async def on_frame(self, device: str, message: IncomingMessage) -> None:
        props = message.user_properties
        frame_id = props.get("frame_id", "")
        request_id = props.get("request_id")
        ts = frame_time(props)
        about: dict[str, Any] = {
            "frame_id": frame_id,
            "request_id": request_id,
            "bytes": len(message.payload),
        }
        settings = self.config.devices.get(device)
        if settings is None or settings.ocr is None:
            await self._reject(device, ts, "unknown device (not a camera in the config)", about)
            return
        ocr = settings.ocr
        if not self.followed.synced.is_set():
            try:
                await asyncio.wait_for(self.followed.synced.wait(), SYNC_TIMEOUT_S)
            except TimeoutError:
                # No echo of our own availability (a broker user that may not read it):
                # the retained state has had time to arrive; go on without the barrier.
                log.warning("state sync unconfirmed", extra=kv(waited_s=SYNC_TIMEOUT_S))
                self.followed.synced.set()
        rois = self.followed.rois(device)
        judgement = self.judgement(device, ocr, ts)
        outcome: Outcome = await asyncio.to_thread(
            self.pipeline.process, device, message.payload, ocr, rois, judgement
        )
        read = outcome.read
        if self.pipeline.keep_images and frame_id:
            record = FrameRecord(
                frame_id=frame_id,
                ts=ts,
                digits=read.text if read else "",
                value=read.value if read else None,
                boxes=list(read.boxes) if read else list(rois.digits or ocr.digit_rois or ()),
                display=rois.display or ocr.display_roi,
                reason=outcome.reason,
            )
            await asyncio.to_thread(self.recent.add, device, message.payload, record)
        if read is not None:
            about.update(digits=read.text, value=read.value, confidences=read.confidences)
            await self.bus.send(
                Channel.OCR,
                device,
                OcrResult(
                    frame_id=frame_id,
                    digits=read.text,
                    confidences=read.confidences,
                    boxes=read.boxes,
                    elapsed_ms=outcome.elapsed_ms,
                    rois_updated=rois.updated,
                ),
            )
        corrected_from = None
        if outcome.implausible and read is not None:
            step = self.lockouts.refused(device, judgement, read.value, ocr)
            if not step.unlocked:
                await self._reject(device, ts, _with_run(outcome.reason, step, ocr), about)
                return
            corrected_from = step.corrected_from
            self.followed.view(device).taken = Sample(ts, read.value)
            log.warning(
                "reading jumped: accepted frames that agree with each other over the stored value",
                extra=kv(device=device, value=read.value, corrected_from=corrected_from,
                         frames=step.agreeing, span_s=round(step.span_s)),
            )  # fmt: skip
        elif outcome.other_register:
            # No failure: runs of frames to confirm or to unlock go on across it.
            about["layout"] = outcome.layout_seen
            await self._reject(device, ts, OTHER_REGISTER, about, breaks_run=False)
            return
        elif outcome.reason is not None or read is None:
            await self._reject(device, ts, outcome.reason or "nothing read", about)
            return
        else:
            self.lockouts.release(device)
            if not self._confirmed(device, ocr, judgement, read.value):
                return
        if request_id and request_id in self.answered:
            log.info("burst already answered", extra=kv(device=device, request_id=request_id))
            return
        if request_id:
            self.answered.append(request_id)
        reading = Reading(
            device=device,
            ts=ts,
            source="ocr",
            values={ocr.quantity: read.value},
            confidence=round(min(read.confidences), 4) if read.confidences else None,
            frame_id=frame_id or None,
            request_id=request_id,
            top_up=outcome.top_up if corrected_from is None else None,
            corrected_from=corrected_from,
        )
        await self.bus.publish(self.topics.reading(device), reading.to_payload())
        log.info(
            "read",
            extra=kv(device=device, value=read.value, top_up=outcome.top_up, ms=outcome.elapsed_ms),
        )

    def _confirmed(self, device: str, ocr: OcrConfig, judgement: Judgement, value: float) -> bool:
        """Whether ``ocr.confirm_frames`` frames in a row now agree on the value; a frame
        still waiting is not a failure, so it is logged and nothing is published."""
        if ocr.confirm_frames <= 1:
            return True
        run = self.confirming.add(
            device, Sample(judgement.ts, value), judgement.kind, judgement.limits
        )
        if len(run) < ocr.confirm_frames:
            log.info(
                "waiting for confirmation",
                extra=kv(device=device, value=value, frames=len(run), of=ocr.confirm_frames),
            )
            return False
        self.confirming.clear(device)
        return True

    async def _refuse_rois(self, device: str, reason: str, about: dict[str, Any]) -> None:
        await self._reject(device, utc_now(), reason, about, what="ROIs rejected")

    async def _reject(
        self,
        device: str,
        ts: datetime,
        reason: str,
        about: dict,
        what: str = "frame rejected",
        breaks_run: bool = True,
    ) -> None:
        log.warning(what, extra=kv(device=device, frame_id=about.get("frame_id"), reason=reason))
        if breaks_run:
            self.confirming.clear(device)  # frames to confirm a value come in a row
        await self.bus.publish(
            self.topics.rejected(device),
            Rejected(device=device, ts=ts, source="ocr", reason=reason, reading=about).to_payload(),
        )


def _with_run(reason: str | None, step: LockoutStep, ocr: OcrConfig) -> str:
    """The refusal, and how far frames agreeing on it are toward replacing the stored value."""
    if step.agreeing < 2:
        return reason or "implausible"
    return (
        f"{reason} ({step.agreeing} frames in a row agree over {step.span_s:.0f} s; "
        f"{ocr.unlock_frames} over {ocr.unlock_min_span_s:.0f} s replace the stored value)"
    )


async def main(ctx: ServiceContext) -> None:
    # One frame at a time per worker, and more workers for more frames: OpenCV's own
    # thread pool would only compete with them for the same cores.
    cv2.setNumThreads(1)
    bus, config = ctx.bus, ctx.config
    worker = OcrWorker(config, bus, FramePipeline(config.storage.data_dir))
    followed = worker.followed
    bus.on(Channel.FRAME, worker.on_frame, shared_group=GROUP)
    # ROIs on this connection too: saved before a frame is taken, they arrive before it.
    bus.on(Channel.OCR_ROIS, followed.on_rois, on_invalid=followed.on_invalid_rois)

    # The second, clean session (see the module's docstring): one connection cannot do
    # it, as a frame handler waiting there for the retained state would hold up the very
    # messages it waits for. It is part of this service: if it fails, the service fails.
    watcher = Bus(config.mqtt, bus.service)
    watcher.on(Channel.STATE, followed.on_state)
    watcher.on(Channel.OCR_ROIS, followed.on_rois, on_invalid=followed.on_invalid_rois)
    watcher.on(Channel.READING, worker.on_reading)
    watcher.on(Channel.CORRECTION, worker.on_correction)
    watcher.subscribe(watcher.availability_topic, followed.on_own_availability)
    async with asyncio.TaskGroup() as group:
        following = group.create_task(watcher.run(), name="ocr:follow")
        try:
            await until_cancelled()
        finally:
            await watcher.stop(flush_timeout=1.0)
            with contextlib.suppress(TimeoutError):  # past it, the group cancels it
                await asyncio.wait_for(asyncio.shield(following), 5)
