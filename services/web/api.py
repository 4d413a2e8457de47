"""REST API under /api, plus /healthz."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from ..core.quantities import QUANTITIES
from ..simulator.truth import read_truth

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    report = request.app.state.health.report()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.get("/api/devices", tags=["devices"])
def devices(request: Request) -> list[dict[str, Any]]:
    """Every configured meter with when it was last read."""
    config = request.app.state.config
    last_seen = request.app.state.queries.last_seen()
    return [
        {
            "id": device_id,
            "name": device.name or device_id,
            "kind": device.kind,
            "model": device.model,
            "last_seen": last_seen.get(device_id),
        }
        for device_id, device in config.devices.items()
    ]


@router.get("/api/devices/{device_id}/latest", tags=["devices"])
def latest(device_id: str, request: Request) -> dict[str, Any]:
    """Newest value of every quantity the meter reported."""
    _known(request, device_id)
    result = request.app.state.queries.latest(device_id)
    if result is None:
        raise HTTPException(404, f"no reading from {device_id} yet")
    return result


@router.get("/api/devices/{device_id}/rejected", tags=["devices"])
def rejected(device_id: str, request: Request, limit: int = 20) -> list[dict[str, Any]]:
    """Recent refused readings with their reasons."""
    _known(request, device_id)
    return request.app.state.queries.rejected(device_id, min(max(limit, 1), 500))


@router.get("/api/quantities", tags=["meta"])
def quantities() -> dict[str, dict[str, Any]]:
    """The quantity catalogue: units and kinds."""
    return {
        key: {"label": q.label, "unit": q.unit, "kind": q.kind.value, "precision": q.precision}
        for key, q in QUANTITIES.items()
    }


@router.get("/api/simulator/{device_id}", tags=["simulator"])
def simulator_truth(device_id: str, request: Request) -> dict[str, Any]:
    """What a simulated meter really showed per frame: lets anyone check the OCR."""
    config = request.app.state.config
    if not config.simulator.enabled or device_id not in config.simulator.meters:
        raise HTTPException(404, f"{device_id} is not a simulated meter")
    truth = read_truth(config.storage.data_dir, device_id)
    if truth is None:
        raise HTTPException(404, f"{device_id} has not shown anything yet")
    return json.loads(json.dumps(truth))


def _known(request: Request, device_id: str) -> None:
    if device_id not in request.app.state.config.devices:
        raise HTTPException(404, f"unknown device {device_id!r}")
