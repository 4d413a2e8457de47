"""A meter's own digit model from the meter page: train it in the background, follow the
progress, list its models, roll back (docs/ocr.md, "Training a meter's own model")."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from ...core.train_extra import missing_train_packages, no_torch_message
from ...domain.device_models import MODEL_KIND, ActiveEntry, DeviceModels, NoModel
from ..state import WebState, web_state
from ..training_runs import TrainingStatus

router = APIRouter(prefix="/api", tags=["device models"])
State = Annotated[WebState, Depends(web_state)]


class DeviceModelList(BaseModel):
    kind: str = Field(description="The model family this meter's display uses (e.g. `lcd7`).")
    active: ActiveEntry = Field(description="Which model the worker reads this meter with.")
    files: list[str] = Field(description="This meter's own fine-tuned models, oldest first.")


def _kind(web: WebState, device_id: str) -> tuple[str, str]:
    ocr = web.camera(device_id).ocr
    assert ocr is not None
    return ocr.display, MODEL_KIND[ocr.display]


@router.post(
    "/devices/{device_id}/training/run",
    status_code=202,
    responses={
        409: {"description": "A training of this meter is already running."},
        501: {"description": "The `train` extra (PyTorch) is not installed."},
    },
)
async def start_training(device_id: str, web: State) -> TrainingStatus:
    """Fine-tune this meter's model on its training examples, in a subprocess; poll
    ``…/training/status``. The worker switches only to a model that is no worse."""
    display, _ = _kind(web, device_id)
    if missing := missing_train_packages():
        raise HTTPException(501, no_torch_message(missing))
    if web.training.running(device_id):
        raise HTTPException(409, f"{device_id}: a training is already running")
    return web.training.start(device_id, display)


@router.get("/devices/{device_id}/training/status")
async def training_status(device_id: str, web: State) -> TrainingStatus:
    """The running or last training of this meter since the web service started."""
    web.camera(device_id)
    return web.training.status(device_id)


@router.get("/devices/{device_id}/models")
async def models(device_id: str, web: State) -> DeviceModelList:
    """The meter's own models for its display kind and which one the worker uses."""
    _, kind = _kind(web, device_id)
    store = DeviceModels(web.config.storage.data_dir)
    active = await asyncio.to_thread(store.read, device_id)
    files = await asyncio.to_thread(store.files, device_id)
    return DeviceModelList(
        kind=kind,
        active=active.kinds.get(kind, ActiveEntry(why="shipped")),
        files=[name for name in files if name.startswith(f"{kind}-")],
    )


@router.post(
    "/devices/{device_id}/models/rollback",
    responses={409: {"description": "Nothing to roll back (the shipped model is in use)."}},
)
async def rollback(device_id: str, web: State) -> ActiveEntry:
    """Back to the previous model (the shipped one after the first training)."""
    _, kind = _kind(web, device_id)
    store = DeviceModels(web.config.storage.data_dir)
    try:
        return await asyncio.to_thread(store.rollback, device_id, kind)
    except NoModel as error:
        raise HTTPException(409, str(error)) from None
