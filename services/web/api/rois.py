"""ROIs drawn on a camera's frame: read, save (file + retained message), clear."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from ...core.contract import Channel
from ...core.messages import OcrRois, utc_now
from ...core.roi_rules import roi_problems
from ..models import Rois, RoisOut
from ..rois import as_json, load_rois, save_rois
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["rois"])
State = Annotated[WebState, Depends(web_state)]


async def _out(web: WebState, device_id: str, rois: OcrRois | None) -> RoisOut:
    frame = await asyncio.to_thread(web.images.latest, device_id)
    return RoisOut(
        **as_json(rois), frame=(frame.width, frame.height) if frame is not None else None
    )


@router.get("/devices/{device_id}/rois")
async def get_rois(device_id: str, web: State) -> RoisOut:
    """The ROIs marked for this camera (none marked: the reader finds everything itself)."""
    web.camera(device_id)
    return await _out(web, device_id, load_rois(web.config.storage.data_dir, device_id))


@router.put("/devices/{device_id}/rois")
async def put_rois(device_id: str, body: Rois, web: State) -> RoisOut:
    """Save ROIs; OCR workers use them from the next frame on, without a restart."""
    device = web.camera(device_id)
    assert device.ocr is not None
    frame = await asyncio.to_thread(web.images.latest, device_id)
    problems = roi_problems(
        body.display,
        body.digits,
        rotation_deg=device.ocr.rotation_deg,
        digits_shown=device.ocr.digits,
        frame=(frame.width, frame.height) if frame is not None else None,
    )
    if problems:  # the workers check each frame too: bounds there if no frame is here yet
        raise HTTPException(400, f"{device_id}: " + "; ".join(problems))
    return await _store(web, device_id, OcrRois(**body.model_dump(), updated=utc_now()))


@router.delete("/devices/{device_id}/rois")
async def clear_rois(device_id: str, web: State) -> RoisOut:
    """Forget the marked ROIs: the reader finds the display and digits itself again."""
    web.camera(device_id)
    return await _store(web, device_id, OcrRois(updated=utc_now()))


async def _store(web: WebState, device_id: str, rois: OcrRois) -> RoisOut:
    bus = web.bus_or_503()
    await asyncio.to_thread(save_rois, web.config.storage.data_dir, device_id, rois)
    await bus.send(Channel.OCR_ROIS, device_id, rois)
    return await _out(web, device_id, rois)
