"""Meters: the list, newest values, refused readings, the camera frame, capture requests."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from ...core.messages import CaptureRequest
from ...core.quantities import DERIVED, QUANTITIES
from ...core.simulator_truth import read_truth
from ..images import annotate
from ..models import CaptureAccepted, DeviceSummary, Latest, QuantityInfo, RejectedItem
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["devices"])
State = Annotated[WebState, Depends(web_state)]
MAX_REJECTED = 500


def summaries(web: WebState) -> list[DeviceSummary]:
    last_seen = web.queries.last_seen()
    return [
        DeviceSummary(
            id=device_id,
            name=device.name or device_id,
            kind=device.kind,
            model=device.model,
            last_seen=last_seen.get(device_id),
            availability=web.hub.device(device_id).availability,
            features=web.features(device_id),
        )
        for device_id, device in web.config.devices.items()
    ]


@router.get("/devices")
def devices(web: State) -> list[DeviceSummary]:
    """Every configured meter: when it was last read, whether it is online, its pages."""
    return summaries(web)


@router.get("/devices/{device_id}/latest", responses={404: {"description": "No reading yet."}})
def latest(device_id: str, web: State) -> Latest:
    """Newest value of every quantity the meter reported."""
    web.device(device_id)
    result = web.queries.latest(device_id)
    if result is None:
        raise HTTPException(404, f"no reading from {device_id} yet")
    return Latest.model_validate(result)


@router.get("/devices/{device_id}/rejected")
def rejected(
    device_id: str,
    web: State,
    limit: Annotated[int, Query(ge=1, le=MAX_REJECTED, description="How many.")] = 20,
) -> list[RejectedItem]:
    """Recent refused readings and frames with their reasons, newest first."""
    web.device(device_id)
    return [RejectedItem.model_validate(r) for r in web.queries.rejected(device_id, limit)]


@router.get(
    "/devices/{device_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "No frame yet."}},
)
async def image(
    device_id: str,
    web: State,
    annotated: Annotated[
        bool, Query(description="Draw the digits read, marked ROIs or the refusal reason.")
    ] = False,
) -> Response:
    """The camera's newest frame as the OCR worker saw it."""
    web.camera(device_id)
    frame = await asyncio.to_thread(web.images.latest, device_id)
    if frame is None:
        raise HTTPException(404, f"no frame from {device_id} yet")
    body = frame.jpeg
    if annotated:
        live = web.hub.device(device_id)
        last = live.last_frame or {}
        matches = live.ocr is not None and live.ocr.get("frame_id") == last.get("frame_id")
        body = await asyncio.to_thread(
            annotate,
            frame.jpeg,
            live.ocr if matches and last.get("read") else None,
            live.ocr_rois,
            None if last.get("read", True) else last.get("reason"),
        )
    return Response(body, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post("/devices/{device_id}/capture", status_code=202)
async def capture(device_id: str, web: State) -> CaptureAccepted:
    """Ask the camera for a photo now; the reading comes back with this request id."""
    web.camera(device_id)
    bus = web.bus_or_503()
    request = CaptureRequest()
    await bus.publish(bus.topics.capture(device_id), request.to_payload())
    return CaptureAccepted(device=device_id, request_id=request.request_id)


@router.get("/quantities", tags=["meta"])
def quantities() -> dict[str, QuantityInfo]:
    """The quantity catalogue, with the keys storage derives into the state (days left):
    labels, units and kinds."""
    return {
        key: QuantityInfo(label=q.label, unit=q.unit, kind=q.kind.value, precision=q.precision)
        for key, q in (QUANTITIES | DERIVED).items()
    }


@router.get("/simulator/{device_id}", tags=["simulator"])
def simulator_truth(device_id: str, web: State) -> dict[str, Any]:
    """What a simulated meter really showed per frame: lets anyone check the OCR."""
    config = web.config
    if not config.simulator.enabled or device_id not in config.simulator.meters:
        raise HTTPException(404, f"{device_id} is not a simulated meter")
    truth = read_truth(config.storage.data_dir, device_id)
    if truth is None:
        raise HTTPException(404, f"{device_id} has not shown anything yet")
    return json.loads(json.dumps(truth))
