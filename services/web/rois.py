"""ROIs marked in the web page: kept in a file and announced retained on the bus.

The contract with the OCR workers (docs/web.md): the newest ``OcrRois`` of a device is
the retained ``<dev>/ocr/rois`` message and the file ``<data_dir>/ocr/<dev>/rois.json``
(same JSON). A worker takes the file at start and the message whenever it comes, so a
saved ROI applies to the next frame without a restart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..core.messages import InvalidMessage, OcrRois


def load_rois(data_dir: Path, device: str) -> OcrRois | None:
    try:
        return OcrRois.from_payload(OcrRois.file(data_dir, device).read_bytes())
    except (FileNotFoundError, InvalidMessage):
        return None


def save_rois(data_dir: Path, device: str, rois: OcrRois) -> None:
    """Written whole and renamed into place, so a worker never reads half a file."""
    path = OcrRois.file(data_dir, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(rois.to_payload())
    os.replace(temporary, path)


def as_json(rois: OcrRois | None) -> dict[str, object]:
    if rois is None:
        return {"display": None, "digits": [], "updated": None}
    return json.loads(rois.to_payload())
