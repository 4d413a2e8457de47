"""The gateway's own HTTP listener: frame uploads, ``/autocapture``, source status.

Separate from the web service (its own port, 127.0.0.1:8090 by default) because it faces
devices, not people: an ESP32 that POSTs JPEGs, or one with an RTC that calls
``GET /autocapture`` at 12:00 as the prepaid-meter sketch does.

- ``POST /api/frames/<dev>``: JPEG, PNG, BMP or WebP body (re-encoded to JPEG for the
  bus), ``Authorization: Bearer <device token>``, optional ``?request_id=`` and ``?ts=``
  (ISO 8601). 202 published, 200 duplicate, 400/413/415/422 refused with the reason
  (also on ``<dev>/rejected``; 413 too many bytes or pixels), 401 bad token, 404 not an
  uploading device, 429 throttled (``Retry-After``).
- ``GET /autocapture[?device=<dev>][&token=]``: a shot for each device with an
  autocapture trigger; 202 with the request ids.
- ``GET /api/sources``: each camera's state, last error and counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from ..core.runtime.logs import kv
from .frames import Frame, FrameRejected, Problem, checked_id, frame_time, to_jpeg
from .gate import Outcome

if TYPE_CHECKING:
    from .cameras import Camera, CameraEdge

log = logging.getLogger("meterhub.gateway.http")

PROBLEM_STATUS: dict[Problem, int] = {
    Problem.EMPTY: 400,
    Problem.TOO_LARGE: 413,
    Problem.NOT_JPEG: 415,
    Problem.CORRUPT: 422,
    Problem.TOO_MANY_PIXELS: 413,
    Problem.BAD_PROPERTY: 422,
    Problem.BUSY: 429,
}
OUTCOME_STATUS: dict[Outcome, int] = {
    Outcome.PUBLISHED: 202,
    Outcome.DUPLICATE: 200,
    Outcome.THROTTLED: 429,
}

router = APIRouter()


def _edge(request: Request) -> CameraEdge:
    return request.app.state.edge


def _presented_token(request: Request, query_token: str | None = None) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query_token


def _matches(expected: SecretStr, presented: str | None) -> bool:
    if presented is None:
        return False
    return hmac.compare_digest(expected.get_secret_value().encode(), presented.encode())


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _body_within(request: Request, cap: int) -> bytes:
    """The request body, refused as soon as it passes ``cap`` (never held whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FrameRejected(
            Problem.TOO_LARGE, f"frame of {declared} bytes exceeds the cap of {cap} bytes"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise FrameRejected(Problem.TOO_LARGE, f"frame exceeds the cap of {cap} bytes")
    return bytes(body)


@router.post("/api/frames/{device}")
async def upload_frame(
    device: str, request: Request, request_id: str | None = None, ts: str | None = None
) -> JSONResponse:
    edge = _edge(request)
    camera = edge.cameras.get(device)
    source = camera.capture.source if camera is not None else None
    if camera is None or source is None or source.kind != "upload":
        return _error(404, f"device {device!r} does not upload frames over HTTP")
    if not _matches(source.token, _presented_token(request)):
        log.warning("upload refused: bad token", extra=kv(device=device))
        return _error(401, "missing or wrong device token", {"WWW-Authenticate": "Bearer"})
    about: dict[str, Any] = {"origin": "upload", "request_id": request_id}
    try:
        body = await _body_within(request, camera.gate.settings.max_frame_bytes)
        about["bytes"] = len(body)
        if body:  # an empty body is refused by the gate, in its words
            body = await asyncio.to_thread(to_jpeg, body)
        frame = Frame(
            device,
            body,
            frame_time(ts, edge.clock.now(), edge.oldest_frame),
            "upload",
            request_id=checked_id(request_id, "request_id"),
        )
        outcome = await camera.gate.offer(frame, requested=frame.request_id is not None)
    except FrameRejected as error:
        await camera.gate.reject(str(error), about)
        return _error(PROBLEM_STATUS[error.problem], str(error))
    answer = {"status": outcome.value, "frame_id": frame.frame_id, "request_id": frame.request_id}
    headers = None
    if outcome is Outcome.THROTTLED:
        wait_s = camera.gate.throttle.remaining()
        answer["detail"] = f"throttled: next frame accepted in {wait_s:.1f} s"
        headers = {"Retry-After": str(max(1, math.ceil(wait_s)))}
    return JSONResponse(answer, status_code=OUTCOME_STATUS[outcome], headers=headers)


@router.get("/autocapture")
async def autocapture(
    request: Request, device: str | None = None, token: str | None = None
) -> JSONResponse:
    edge = _edge(request)
    targets: list[tuple[Camera, SecretStr | None]] = [
        (camera, trigger.token)
        for camera in edge.cameras.values()
        if device is None or camera.device == device
        for trigger in camera.capture.triggers
        if trigger.kind == "autocapture"
    ]
    if not targets:
        if device:
            return _error(404, f"device {device!r} has no autocapture trigger")
        return _error(404, "no device has an autocapture trigger")
    presented = _presented_token(request, token)
    allowed = [
        camera for camera, needed in targets if needed is None or _matches(needed, presented)
    ]
    if not allowed:
        return _error(401, "missing or wrong autocapture token", {"WWW-Authenticate": "Bearer"})
    requested: dict[str, str] = {}
    refused: list[str] = []
    for camera in allowed:
        request_id = await edge.ask(camera, "autocapture")
        if request_id is None:
            refused.append(camera.device)
        else:
            requested[camera.device] = request_id
    log.info("autocapture", extra=kv(requested=",".join(requested), refused=",".join(refused)))
    status = 202 if requested else 429
    return JSONResponse({"requested": requested, "refused": refused}, status_code=status)


@router.get("/api/sources")
async def sources(request: Request) -> dict[str, Any]:
    return _edge(request).status()


def create_capture_app(edge: CameraEdge) -> FastAPI:
    app = FastAPI(title="Meterhub capture gateway", docs_url="/api/docs")
    app.state.edge = edge
    app.include_router(router)
    return app


class _EmbeddedServer(uvicorn.Server):
    """Leaves signal handling to the service runtime, which stops every service in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_capture_api(edge: CameraEdge) -> None:
    """Listen until cancelled. The socket is bound first, so the port is known (and a
    clash reported) before any request, and connections wait in its backlog meanwhile."""
    http = edge.config.capture.http
    sock = socket.create_server((http.host, http.port), family=_family(http.host))
    edge.http_port = sock.getsockname()[1]
    server = _EmbeddedServer(
        uvicorn.Config(create_capture_app(edge), log_level="warning", lifespan="off")
    )
    log.info("capture listener ready", extra=kv(url=f"http://{http.host}:{edge.http_port}/"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    edge.http_ready.set()
    try:
        await serving
    finally:
        server.should_exit = True  # finish open requests, then close the listener
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.shield(serving)
        sock.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
