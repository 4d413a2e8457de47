"""Corrections typed under a camera's frame, and the training examples they leave.

The page never writes storage's tables: the value goes out as ``<dev>/correction`` and
storage replaces the reading and logs the change. The frame and its boxes are kept here
as a training example (``<data_dir>/training/<dev>/``), since the page is where the
frame was seen.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response

from ...core.messages import Correction
from ...domain.recent_frames import RecentFrames
from ...domain.training_examples import BadLabel, Example, TrainingExamples
from ..auth import Principal
from ..models import CorrectionAccepted, CorrectionRequest
from ..security import require_user
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["corrections"])
State = Annotated[WebState, Depends(web_state)]
Caller = Annotated[Principal, Depends(require_user)]
WHO = {"session": "{user}", "token": "API token", "local": "local page"}


def _who(web: WebState, caller: Principal) -> str:
    return WHO.get(caller.kind, caller.kind).format(user=web.auth.username)


@router.post(
    "/devices/{device_id}/corrections",
    status_code=202,
    responses={
        404: {"description": "The frame is no longer kept (only the last 20 are)."},
        422: {"description": "The display cannot show that value."},
    },
)
async def correct(
    device_id: str, body: CorrectionRequest, web: State, caller: Caller
) -> CorrectionAccepted:
    """Say what the display really showed: the frame becomes a training example and
    storage keeps the value as a manual reading, replacing a wrong one (logged)."""
    device = web.camera(device_id)
    assert device.ocr is not None
    bus = web.bus_or_503()
    data_dir = web.config.storage.data_dir
    recent = RecentFrames(data_dir)
    frame_id = body.frame_id
    if frame_id is None:
        newest = await asyncio.to_thread(recent.newest, device_id)
        frame_id = newest.frame_id if newest is not None else ""
    kept = await asyncio.to_thread(recent.get, device_id, frame_id)
    if kept is None:
        raise HTTPException(404, f"{device_id}: frame {frame_id!r} is no longer kept")
    jpeg, record = kept
    try:
        example = await asyncio.to_thread(
            TrainingExamples(data_dir).add,
            device_id, jpeg, record, body.value, device.ocr, _who(web, caller), "web",
        )  # fmt: skip
    except BadLabel as error:
        raise HTTPException(422, f"{device_id}: {error}") from None
    correction = Correction(
        device=device_id,
        ts=record.ts,
        quantity=device.ocr.quantity,
        value=body.value,
        frame_id=record.frame_id,
        who=example.who,
        via="web",
        example=example.id,
    )
    await bus.publish(bus.topics.correction(device_id), correction.to_payload())
    return CorrectionAccepted(
        device=device_id,
        quantity=correction.quantity,
        value=correction.value,
        ts=correction.model_dump(mode="json")["ts"],
        frame_id=record.frame_id,
        example=example.id,
    )


@router.get("/devices/{device_id}/training")
async def examples(device_id: str, web: State) -> list[Example]:
    """The training examples kept from this meter's corrected frames, newest first."""
    web.camera(device_id)
    store = TrainingExamples(web.config.storage.data_dir)
    return await asyncio.to_thread(store.list, device_id)


@router.get(
    "/devices/{device_id}/training/{example_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "No such example."}},
)
async def example_image(device_id: str, example_id: str, web: State) -> Response:
    """The frame of one training example."""
    web.camera(device_id)
    store = TrainingExamples(web.config.storage.data_dir)
    jpeg = await asyncio.to_thread(store.image, device_id, example_id)
    if jpeg is None:
        raise HTTPException(404, f"{device_id}: no training example {example_id!r}")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.delete(
    "/devices/{device_id}/training/{example_id}",
    status_code=204,
    responses={404: {"description": "No such example."}},
)
async def delete_example(device_id: str, example_id: str, web: State) -> Response:
    """Forget a training example (a wrong label): the next training leaves it out."""
    web.camera(device_id)
    store = TrainingExamples(web.config.storage.data_dir)
    if not await asyncio.to_thread(store.delete, device_id, example_id):
        raise HTTPException(404, f"{device_id}: no training example {example_id!r}")
    return Response(status_code=204)
