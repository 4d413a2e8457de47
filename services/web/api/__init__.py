"""REST API routers, one per area (Frigate's ``frigate/api/`` layout)."""

from fastapi import APIRouter, Depends

from ..security import require_user
from . import capacity, corrections, device_models, devices, history, live, money, prepaid, rois

PROTECTED: tuple[APIRouter, ...] = (
    devices.router,
    rois.router,
    history.router,
    capacity.router,
    capacity.p1_monitor,
    prepaid.router,
    money.router,
    live.router,
    corrections.router,
    device_models.router,
)


def protected_routers() -> list[tuple[APIRouter, list]]:
    """Every router with the dependency that asks who is calling."""
    return [(router, [Depends(require_user)]) for router in PROTECTED]
