"""A meter's own digit models: ``<data_dir>/models/<dev>/<kind>-<timestamp>.onnx`` and an
``active.json`` naming, per digit kind, the model the worker uses and the one before it.

``meterhub ocr train --device`` adds models here, the worker reads from here (the shipped
models in the package are the fallback and are never written), and rollback swaps the
active and the previous entry. No entry (or ``active: null``) means the shipped model.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..core.data_files import write_atomically
from ..core.messages import utc_now

ACTIVE_NAME = "active.json"
# Display kind (``OcrConfig.display``) → the digit model that reads it.
MODEL_KIND: dict[str, str] = {"lcd7": "lcd", "drum": "drum"}
MODEL_SUFFIX = ".onnx"
_MODEL_NAME = re.compile(r"^(lcd|drum)-\d{8}T\d{6}Z(-\d+)?\.onnx$")
_SAFE_DEVICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class NoModel(LookupError):
    """Nothing to roll back to or no such model; ``str()`` says why."""


class ActiveEntry(BaseModel):
    """One digit kind's choice; ``None`` names the shipped model."""

    model_config = ConfigDict(extra="forbid")

    active: str | None = Field(default=None, description="Model file in use; null: shipped.")
    previous: str | None = Field(default=None, description="The one before: rollback target.")
    at: datetime = Field(default_factory=utc_now, description="When this choice was made.")
    why: str = Field(default="", description="What made it (training scores, a rollback).")


class ActiveModels(BaseModel):
    """``active.json``: digit kind ("lcd", "drum") → its entry."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, ActiveEntry] = Field(default_factory=dict)


class DeviceModels:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "models"

    def folder(self, device: str) -> Path:
        if not _SAFE_DEVICE.match(device):
            raise ValueError(f"not a device id: {device!r}")
        return self.root / device

    def active_file(self, device: str) -> Path:
        return self.folder(device) / ACTIVE_NAME

    def read(self, device: str) -> ActiveModels:
        """An unreadable ``active.json`` raises ValueError: guessing would switch models."""
        try:
            raw = self.active_file(device).read_bytes()
        except FileNotFoundError:
            return ActiveModels()
        return ActiveModels.model_validate_json(raw)

    def active_path(self, device: str, kind: str) -> Path | None:
        """The device's own model for ``kind``; None: use the shipped one."""
        entry = self.read(device).kinds.get(kind)
        if entry is None or entry.active is None:
            return None
        return self.folder(device) / entry.active

    def files(self, device: str) -> list[str]:
        """The device's model files, oldest first (names sort by time)."""
        folder = self.folder(device)
        if not folder.is_dir():
            return []
        names = [p.name for p in folder.iterdir() if _MODEL_NAME.match(p.name)]
        return sorted(names, key=lambda name: name.removesuffix(MODEL_SUFFIX))

    def add(self, device: str, kind: str, model: bytes, when: datetime | None = None) -> str:
        """Store a model without switching to it; returns its file name."""
        stamp = (when or utc_now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name, n = f"{kind}-{stamp}{MODEL_SUFFIX}", 1
        while (self.folder(device) / name).exists():
            n += 1
            name = f"{kind}-{stamp}-{n}{MODEL_SUFFIX}"
        write_atomically(self.folder(device) / name, model)
        return name

    def activate(self, device: str, kind: str, name: str | None, why: str) -> ActiveEntry:
        """Make ``name`` (None: the shipped model) active; the active one becomes previous."""
        if name is not None and name not in self.files(device):
            raise NoModel(f"{device} has no model {name}")
        models = self.read(device)
        old = models.kinds.get(kind, ActiveEntry())
        entry = ActiveEntry(active=name, previous=old.active, why=why)
        models.kinds[kind] = entry
        self._write(device, models)
        return entry

    def rollback(self, device: str, kind: str) -> ActiveEntry:
        """Back to the previous model (the shipped one when training made the first)."""
        entry = self.read(device).kinds.get(kind)
        if entry is None or entry.active is None:
            raise NoModel(f"{device} uses the shipped {kind} model: nothing to roll back")
        return self.activate(device, kind, entry.previous, why=f"rolled back from {entry.active}")

    def _write(self, device: str, models: ActiveModels) -> None:
        write_atomically(self.active_file(device), models.model_dump_json(indent=1).encode())
