"""Live events (server-sent events) and the status of devices and services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse

from ..live import MAX_LISTENERS
from ..live_view import MAX_WATCHERS
from ..models import HealthView, ServiceStatus
from ..state import WebState, web_state
from .devices import summaries

router = APIRouter(prefix="/api", tags=["live"])
State = Annotated[WebState, Depends(web_state)]
KEEPALIVE_S = 15.0  # below common proxy idle timeouts
RECONNECT_MS = 2000


def _frame(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(web: State) -> StreamingResponse:
    """Server-sent events: first ``snapshot`` (everything known), then one event per bus
    message: ``state``, ``ocr``, ``rejected``, ``availability``, ``token_state``,
    ``capacity``, ``ocr_rois`` (each ``{"type", "device", "data", "at"}``) and
    ``service`` (``{"service", "data": "online"|"offline"}``)."""
    hub = web.hub
    if len(hub.listeners) >= MAX_LISTENERS:
        raise HTTPException(503, f"more than {MAX_LISTENERS} live pages are open")

    return _event_stream(
        hub.listen(), lambda: [_frame("snapshot", hub.snapshot())], lambda e: e["type"]
    )


@router.get(
    "/devices/{device_id}/live",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        404: {"description": "Not a camera meter."},
        503: {"description": "No bus, or too many live views open."},
    },
)
async def live_frames(device_id: str, web: State) -> StreamingResponse:
    """Server-sent events: the camera's frames as they come (``frame``: ``{"device",
    "frame_id", "ts", "request_id", "jpeg"}``, the JPEG in base64). While at least one is
    open, the web service asks the camera for a photo every ``web.live_view_interval_s``;
    when the last closes, it stops asking."""
    web.camera(device_id)
    frames = web.hub.frames
    if frames.bus is None:
        raise HTTPException(503, "the web service is not connected to the bus")
    if frames.watchers >= MAX_WATCHERS:
        raise HTTPException(503, f"more than {MAX_WATCHERS} live views are open")

    return _event_stream(frames.watch(device_id), lambda: [": watching\n\n"], lambda _: "frame")


def _event_stream(
    watching: AbstractAsyncContextManager[asyncio.Queue[dict[str, Any] | None]],
    opening: Callable[[], list[str]],
    name: Callable[[dict[str, Any]], str],
) -> StreamingResponse:
    """One server-sent event per queued item; ``opening`` is written once the queue is
    listening (a snapshot taken then misses nothing), ``None`` in the queue ends it."""

    async def stream() -> AsyncIterator[str]:
        async with watching as queue:
            yield f"retry: {RECONNECT_MS}\n\n"
            for text in opening():
                yield text
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if event is None:  # the service is stopping
                    return
                yield _frame(name(event), event)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/status", tags=["meta"])
def status(web: State) -> HealthView:
    """Devices (last seen, availability), services (availability as they announce it on
    the bus) and this process's own bus connections."""
    return HealthView(
        devices=summaries(web),
        services=[
            ServiceStatus(name=name, availability=state)
            for name, state in sorted(web.hub.services.items())
        ],
        web=web.health.report(),
        login="on" if web.auth.enabled else "off",
    )
