"""What a simulated meter really displayed, per frame, so OCR can be checked against it.

Kept as a small JSON file under the data directory so any process (the web service in
another container, a test) can read it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

KEEP_FRAMES = 50


def _path(data_dir: Path, device: str) -> Path:
    return data_dir / "simulator" / f"{device}.json"


def read_truth(data_dir: Path, device: str) -> dict[str, Any] | None:
    try:
        return json.loads(_path(data_dir, device).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def record_truth(data_dir: Path, device: str, frame_id: str, shown: dict[str, Any]) -> None:
    path = _path(data_dir, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = read_truth(data_dir, device) or {"frames": {}}
    frames = truth["frames"]
    frames[frame_id] = shown
    for old in list(frames)[:-KEEP_FRAMES]:
        del frames[old]
    truth["latest"] = {"frame_id": frame_id, **shown}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(truth))
    os.replace(temporary, path)  # readers never see half a file
