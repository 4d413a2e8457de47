"""Cameras the gateway shoots itself, by source kind.

A shooter takes one picture when asked (``shoot``) and says why it could not
(``SourceError``); retries, backoff, throttling and availability are the worker's job,
the same for every kind. MQTT and upload sources push their frames instead and have no
shooter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ...core.runtime.clock import Clock


class SourceError(Exception):
    """A shot failed; ``str(error)`` says why in words a user can act on."""


@dataclass(frozen=True)
class Shot:
    jpeg: bytes
    ts: datetime | None = None  # when the picture was taken, if the source knows better


class Shooter(Protocol):
    async def shoot(self) -> Shot: ...

    async def close(self) -> None: ...


ShooterFactory = Callable[[Any, Clock, int], Shooter]


def shooters() -> dict[str, ShooterFactory]:
    """Source kind → factory(settings, clock, max_frame_bytes); imported when first used."""
    from .dirwatch import DirWatch
    from .local_camera import LocalCamera
    from .snapshot import SnapshotCamera

    return {"snapshot": SnapshotCamera, "local": LocalCamera, "dirwatch": DirWatch}
