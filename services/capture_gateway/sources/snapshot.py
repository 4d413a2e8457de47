"""Snapshot polling: GET a JPEG from an HTTP URL, such as the ESP32-CAM's ``/capture``.

The stock CameraWebServer sketch lights its LED during ``/capture`` at the intensity last
set through ``/control?var=led_intensity``, and keeps other settings (exposure, gain)
only until it reboots; so settings are sent again after any failure.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from ...core.config.capture import SnapshotSource
from ...core.runtime.clock import Clock
from ...core.runtime.logs import kv
from . import Shot, SourceError

log = logging.getLogger("meterhub.gateway.snapshot")
CONTROL_PATH = "/control"  # the stock sketch's settings endpoint, beside /capture
LED_VARIABLE = "led_intensity"
STREAM_TYPES = ("multipart/x-mixed-replace",)


class SnapshotCamera:
    def __init__(self, settings: SnapshotSource, clock: Clock, max_frame_bytes: int) -> None:
        self.settings, self.clock, self.max_bytes = settings, clock, max_frame_bytes
        self.url = httpx.URL(str(settings.url))
        auth = None
        if settings.username is not None and settings.password is not None:
            auth = httpx.BasicAuth(settings.username, settings.password.get_secret_value())
        self._client = httpx.AsyncClient(auth=auth, timeout=settings.timeout_s)
        self._controls_sent = False

    @property
    def where(self) -> str:
        """The URL without query or credentials, for logs and reasons."""
        return str(self.url.copy_with(query=None, userinfo=b""))

    async def shoot(self) -> Shot:
        try:
            if not self._controls_sent:
                for name, value in self.settings.controls.items():
                    await self._control(name, value)
                self._controls_sent = True
            await self._flash(True)
            try:
                for _ in range(self.settings.warmup_shots):
                    await self._fetch()
                return Shot(await self._fetch())
            finally:
                await self._flash(False)
        except SourceError:
            self._controls_sent = False
            raise

    async def close(self) -> None:
        await self._client.aclose()

    async def _get(self, url: httpx.URL | str, what: str) -> httpx.Response:
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                response = await self._client.get(url)
        except TimeoutError:
            raise SourceError(f"{what} timed out after {self.settings.timeout_s:g} s") from None
        except httpx.HTTPError as error:
            raise SourceError(f"{what} failed: {type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise SourceError(f"{what} answered HTTP {response.status_code}")
        return response

    async def _fetch(self) -> bytes:
        """One snapshot, read no further than the size cap (a stream URL never ends)."""
        what = f"snapshot {self.where}"
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                async with self._client.stream("GET", self.url) as response:
                    if response.status_code != 200:
                        raise SourceError(f"{what} answered HTTP {response.status_code}")
                    kind = response.headers.get("content-type", "")
                    if kind.startswith(STREAM_TYPES):
                        raise SourceError(
                            f"{what} is a video stream ({kind.split(';')[0]}), not a snapshot; "
                            "use the camera's /capture address"
                        )
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_bytes:
                            raise SourceError(
                                f"{what} sent more than the cap of {self.max_bytes} bytes"
                            )
                    return bytes(body)
        except TimeoutError:
            raise SourceError(f"{what} timed out after {self.settings.timeout_s:g} s") from None
        except httpx.HTTPError as error:
            raise SourceError(f"{what} failed: {type(error).__name__}: {error}") from None

    async def _control(self, name: str, value: int) -> None:
        url = self.url.copy_with(path=CONTROL_PATH, params={"var": name, "val": str(value)})
        await self._get(url, f"setting {name}={value} on {self.where}")

    async def _flash(self, on: bool) -> None:
        flash = self.settings.flash
        if flash is None:
            return
        try:
            if flash.mode == "urls":
                await self._get(str(flash.on_url if on else flash.off_url), "flash switch")
            else:
                await self._control(LED_VARIABLE, flash.intensity if on else 0)
        except SourceError as error:
            if on:
                raise
            # The shot is taken; an LED left lit is logged, not worth the frame.
            log.warning("flash not switched off", extra=kv(camera=self.where, reason=error))
            return
        if on and flash.settle_s:
            await self.clock.sleep(flash.settle_s)
