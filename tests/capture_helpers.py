"""Test-side parts for the capture gateway: a fake ESP32-CAM (a real HTTP server on
loopback), JPEGs that differ, and the gateway on a real broker. The clock the test moves
is ``tests.fake_clock.ManualClock``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import cv2
import numpy as np

from services.capture_gateway.cameras import CameraEdge
from services.core.config import MeterhubConfig
from services.core.runtime import Bus
from services.core.runtime.health import Health
from services.core.runtime.runner import ServiceContext

GROUP = "gateway"


def make_jpeg(value: int, size: tuple[int, int] = (160, 96)) -> bytes:
    """A small JPEG showing ``value``; different values give different bytes."""
    width, height = size
    image = np.full((height, width, 3), 40 + value % 150, np.uint8)
    cv2.putText(image, str(value), (8, height - 24), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255,) * 3, 3)
    ok, buffer = cv2.imencode(".jpg", image)
    assert ok
    return buffer.tobytes()


def brightness(jpeg: bytes) -> float:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    return float(image[:10, :10].mean())


@dataclass
class FakeEsp32Cam:
    """The stock CameraWebServer's HTTP side: ``/capture`` and ``/control``.

    ``status`` other than 200 answers every request with it; ``hang`` makes ``/capture``
    wait (for the gateway's timeout) until the test releases it.
    """

    frames: Callable[[int], bytes] = make_jpeg
    status: int = 200
    content_type: str = "image/jpeg"
    hang: threading.Event | None = None
    captures: int = 0
    controls: list[tuple[str, str]] = field(default_factory=list)
    led_during_capture: list[int] = field(default_factory=list)
    _led: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeEsp32Cam:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                path = urlparse(self.path)
                if camera.status != 200:
                    self._answer(camera.status, b"camera error", "text/plain")
                elif path.path == "/control":
                    query = {k: v[0] for k, v in parse_qs(path.query).items()}
                    camera.controls.append((query["var"], query["val"]))
                    if query["var"] == "led_intensity":
                        camera._led = int(query["val"])
                    self._answer(200, b"", "text/plain")
                elif path.path == "/capture":
                    if camera.hang is not None:
                        camera.hang.wait(30)
                    camera.captures += 1
                    camera.led_during_capture.append(camera._led)
                    self._answer(200, camera.frames(camera.captures), camera.content_type)
                else:
                    self._answer(404, b"not found", "text/plain")

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.hang is not None:
            self.hang.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


@contextlib.asynccontextmanager
async def running_edge(config: MeterhubConfig, clock: Any = None) -> AsyncIterator[CameraEdge]:
    """The gateway's camera part alone on its own bus (no other gateway parts)."""
    bus = Bus(config.mqtt, "capture_gateway")
    edge = CameraEdge(ServiceContext(config, bus, Health()), GROUP, clock)
    connection = asyncio.create_task(bus.run())
    parts = [asyncio.create_task(work) for work in edge.tasks()]
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        if edge.needs_http:
            await asyncio.wait_for(edge.http_ready.wait(), 10)
        yield edge
    finally:
        for part in parts:
            part.cancel()
        await asyncio.gather(*parts, return_exceptions=True)
        await bus.stop()
        await asyncio.wait_for(connection, 10)
