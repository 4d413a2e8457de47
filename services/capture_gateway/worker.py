"""Takes the shots of one camera the gateway drives: in turn, with retry and backoff.

Requests (``cmd/capture``, ``/autocapture``) queue up to a bound and are served first;
scheduled shots coalesce into one (a newer one replaces one still waiting or retrying).
A failed shot is retried after a doubling wait; an asked-for shot that keeps failing is
abandoned after ``retry.give_up_s`` with a rejection carrying the request id, so the
asker hears why. A request gets its first attempt at once even while the camera is in
backoff: the camera may be back, and the asker is waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from ..core.config.capture import RetryConfig
from ..core.messages import BURST_SPACING_S, new_id
from ..core.runtime.backoff import Backoff
from ..core.runtime.clock import Clock, sleep_until_monotonic
from ..core.runtime.logs import kv
from .availability import Availability
from .frames import Frame, FrameRejected
from .gate import FrameGate
from .sources import Shooter, SourceError

log = logging.getLogger("meterhub.gateway.cameras")


@dataclass(frozen=True)
class Job:
    request_id: str
    requested: bool  # someone asked and waits for an answer
    trigger: str  # request, autocapture, interval, daily: for the logs
    asked_at: float  # monotonic
    shots: int = 1  # a burst: photos about a second apart, all with the request id


class CameraWorker:
    def __init__(
        self,
        device: str,
        origin: str,
        shooter: Shooter,
        gate: FrameGate,
        availability: Availability,
        retry: RetryConfig,
        clock: Clock,
        max_requests: int,
    ) -> None:
        self.device, self.origin, self.shooter, self.gate = device, origin, shooter, gate
        self.availability, self.retry, self.clock = availability, retry, clock
        self.max_requests = max_requests
        self._requests: deque[Job] = deque()
        self._scheduled: Job | None = None
        self._wake = asyncio.Event()  # set: there may be work
        self._backoff = Backoff(retry.initial_s, retry.max_s)
        self._not_before = 0.0

    def request(self, request_id: str, trigger: str = "request", shots: int = 1) -> bool:
        """Queue an asked-for shot (or burst); False when too many are already waiting."""
        if len(self._requests) >= self.max_requests:
            return False
        self._requests.append(Job(request_id, True, trigger, self.clock.monotonic(), shots))
        self._wake.set()
        return True

    def schedule(self, trigger: str) -> None:
        self._scheduled = Job(new_id(), False, trigger, self.clock.monotonic())
        self._wake.set()

    @property
    def waiting(self) -> int:
        return len(self._requests) + (self._scheduled is not None)

    async def run(self) -> None:
        try:
            while True:
                job = self._next()
                if job is None:
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                await self._serve(job)
        finally:
            await self.shooter.close()

    def _next(self) -> Job | None:
        if self._requests:
            return self._requests.popleft()
        job, self._scheduled = self._scheduled, None
        return job

    async def _serve(self, job: Job) -> None:
        """The job's first photo with retries, then the rest of a burst: one try each, as
        the first already showed the camera works; a failure ends the burst, answered."""
        if not await self._serve_first(job):
            return
        for shot in range(2, job.shots + 1):
            await self.clock.sleep(BURST_SPACING_S)
            try:
                await self._shoot(job)
            except (SourceError, FrameRejected) as error:
                await self.gate.reject(
                    f"capture failed: {error} (photo {shot} of a burst of {job.shots})",
                    {"request_id": job.request_id, "origin": self.origin, "trigger": job.trigger},
                )
                return

    async def _serve_first(self, job: Job) -> bool:
        """True once a photo was taken; False when the job was given up."""
        first = True
        while True:
            if not (job.requested and first):
                await sleep_until_monotonic(self.clock, self._not_before)
            first = False
            await self.gate.throttle.wait_free()
            try:
                await self._shoot(job)
            except (SourceError, FrameRejected) as error:
                if not await self._failed(job, str(error)):
                    return False
                continue
            except Exception as error:  # a bug in a source must not stop this camera
                log.exception("shot crashed", extra=kv(device=self.device, error=error))
                if not await self._failed(job, f"internal error: {type(error).__name__}"):
                    return False
                continue
            self._backoff.reset()
            self._not_before = 0.0
            await self.availability.ok()
            return True

    async def _shoot(self, job: Job) -> None:
        shot = await self.shooter.shoot()
        frame = Frame(
            self.device,
            shot.jpeg,
            shot.ts or self.clock.now(),
            self.origin,
            request_id=job.request_id,
        )
        outcome = await self.gate.offer(frame, requested=job.requested)
        log.debug("shot", extra=kv(device=self.device, trigger=job.trigger, outcome=outcome.value))

    async def _failed(self, job: Job, reason: str) -> bool:
        """Note the failure; True to try this job again, False when it is over."""
        delay = self._backoff.next_delay()
        now = self.clock.monotonic()
        self._not_before = now + delay
        await self.availability.failed(reason, delay)
        if now + delay - job.asked_at > self.retry.give_up_s:
            log.error(
                "shot abandoned",
                extra=kv(device=self.device, trigger=job.trigger, request_id=job.request_id),
            )
            if job.requested:
                await self.gate.reject(
                    f"capture failed: {reason}",
                    {"request_id": job.request_id, "origin": self.origin, "trigger": job.trigger},
                )
            return False
        # A newer scheduled shot takes over from an older one still failing.
        return job.requested or self._scheduled is None
