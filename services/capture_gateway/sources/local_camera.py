"""A camera on the gateway's own machine, read through OpenCV.

The camera is opened for each shot and released after it: a shot a minute does not need
it held, another tool may use it in between, and an unplugged camera is found again on
the next shot without a restart. A freshly opened sensor needs time and a few frames
before exposure and white balance are right, hence ``settle_s`` and ``warmup_frames``.
Any source OpenCV opens works the same way, including a video file (used by the tests
on machines without a camera).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

import cv2
import numpy as np

from ...core.config.capture import LocalCameraSource
from ...core.runtime.clock import Clock
from ...core.runtime.logs import kv
from ..frames import FrameRejected, encode_jpeg
from . import Shot, SourceError

log = logging.getLogger("meterhub.gateway.camera")
T = TypeVar("T")
# Opening or reading a wedged USB camera can block for long; past this the shot fails.
CAMERA_TIMEOUT_S = 15.0

BACKENDS: dict[str, int] = {
    "any": cv2.CAP_ANY,
    "v4l2": cv2.CAP_V4L2,
    "ffmpeg": cv2.CAP_FFMPEG,
    "gstreamer": cv2.CAP_GSTREAMER,
}
PROPERTIES: dict[str, int] = {
    "width": cv2.CAP_PROP_FRAME_WIDTH,
    "height": cv2.CAP_PROP_FRAME_HEIGHT,
    "auto_exposure": cv2.CAP_PROP_AUTO_EXPOSURE,
    "exposure": cv2.CAP_PROP_EXPOSURE,
    "gain": cv2.CAP_PROP_GAIN,
    "brightness": cv2.CAP_PROP_BRIGHTNESS,
    "contrast": cv2.CAP_PROP_CONTRAST,
    "autofocus": cv2.CAP_PROP_AUTOFOCUS,
    "focus": cv2.CAP_PROP_FOCUS,
    "fps": cv2.CAP_PROP_FPS,
}


class LocalCamera:
    def __init__(self, settings: LocalCameraSource, clock: Clock, max_frame_bytes: int) -> None:
        self.settings, self.clock, self.max_bytes = settings, clock, max_frame_bytes
        device = settings.device
        self._target: int | str = int(device) if device.isdigit() else device
        self._ignored: set[str] = set()  # properties the driver refused, logged once each

    async def shoot(self) -> Shot:
        capture = await self._blocking(self._open, "opening")
        try:
            if self.settings.settle_s:
                await self.clock.sleep(self.settings.settle_s)
            image = await self._blocking(lambda: self._grab(capture), "reading")
        finally:
            with contextlib.suppress(SourceError):
                await self._blocking(capture.release, "releasing")
        try:
            jpeg = await asyncio.to_thread(encode_jpeg, image, self.settings.jpeg_quality)
        except FrameRejected as error:
            raise SourceError(str(error)) from None
        return Shot(jpeg)

    async def close(self) -> None:
        return None

    async def _blocking(self, work: Callable[[], T], what: str) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(work), CAMERA_TIMEOUT_S)
        except TimeoutError:
            raise SourceError(
                f"{what} camera {self.settings.device} took over {CAMERA_TIMEOUT_S:g} s"
            ) from None

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(self._target, BACKENDS[self.settings.backend])
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot open camera {self.settings.device} (unplugged, or busy?)")
        for name, value in self.settings.properties.items():
            if not capture.set(PROPERTIES[name], value) and name not in self._ignored:
                self._ignored.add(name)
                log.warning(
                    "camera ignores a property",
                    extra=kv(camera=self.settings.device, property=name, value=value),
                )
        return capture

    def _grab(self, capture: cv2.VideoCapture) -> np.ndarray:
        for _ in range(self.settings.warmup_frames):
            if not capture.grab():
                raise SourceError(f"camera {self.settings.device} gave no frame while warming up")
        ok, image = capture.read()
        if not ok or image is None:
            raise SourceError(f"camera {self.settings.device} gave no frame")
        return image
