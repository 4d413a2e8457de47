"""Which digit model reads a device's frame: its own (``domain.device_models``) when one is
active, else the shipped one.

``active.json``'s modification time is checked on every frame (one ``stat``): training or a
rollback, from the CLI or the web page, takes effect on the next frame without a restart
or a bus message. A model that cannot be loaded is logged and the shipped one used.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..core.runtime.logs import kv
from ..domain.device_models import DeviceModels
from .readers import DigitModel, ModelFor

log = logging.getLogger(__name__)


class DeviceClassifiers:
    def __init__(self, data_dir: Path, shipped: ModelFor) -> None:
        self.store = DeviceModels(data_dir)
        self.shipped = shipped
        self._seen: dict[str, float | None] = {}  # device → active.json mtime
        self._models: dict[tuple[str, str], DigitModel | None] = {}

    def model_for(self, device: str) -> ModelFor:
        self._refresh(device)

        def for_kind(kind: str) -> DigitModel | None:
            key = (device, kind)
            if key not in self._models:
                self._models[key] = self._load(device, kind)
            return self._models[key] or self.shipped(kind)

        return for_kind

    def _refresh(self, device: str) -> None:
        try:
            mtime: float | None = self.store.active_file(device).stat().st_mtime_ns
        except (OSError, ValueError):
            mtime = None
        if self._seen.get(device, -1) != mtime:
            self._seen[device] = mtime
            for key in [k for k in self._models if k[0] == device]:
                del self._models[key]

    def _load(self, device: str, kind: str) -> DigitModel | None:
        try:
            path = self.store.active_path(device, kind)
            if path is None:
                return None
            from .classifier import DigitClassifier

            model = DigitClassifier.from_file(path)
        except (OSError, ValueError) as error:
            log.warning("device model unusable, using the shipped one",
                        extra=kv(device=device, kind=kind, reason=error))  # fmt: skip
            return None
        log.info("device model loaded", extra=kv(device=device, kind=kind, model=path.name))
        return model  # type: ignore[return-value]
