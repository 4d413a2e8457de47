"""The last few frames of each camera, with the boxes the reader used on each.

A person correcting a frame does so seconds or minutes after the worker saw it, and
``latest.jpg`` may already be a newer photo; these copies let the web page and the bot
turn exactly the frame they showed into a training example. They live beside the
newest frame, ``<data_dir>/images/<dev>/recent/<frame_id>.jpg`` with a ``.json`` of the
same name, written whole and renamed into place; the oldest go past ``KEEP``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..core.data_files import image_dir, write_atomically

KEEP = 20  # frames per device
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class FrameRecord(BaseModel):
    """What the worker made of one frame: enough to label it later."""

    model_config = ConfigDict(extra="forbid")

    frame_id: str
    ts: datetime
    digits: str = Field(default="", description="What was read ('' when nothing was).")
    value: float | None = None
    boxes: list[tuple[int, int, int, int]] = Field(
        default_factory=list, description="Digit boxes read, else the ROIs in force."
    )
    display: tuple[int, int, int, int] | None = None
    reason: str | None = Field(default=None, description="Why it was refused; None: read.")


def safe_frame_id(frame_id: str) -> bool:
    """A frame id usable as a file name (ids come from devices, so they are checked)."""
    return bool(_SAFE_ID.match(frame_id)) and frame_id not in (".", "..")


class RecentFrames:
    def __init__(self, data_dir: Path, keep: int = KEEP) -> None:
        self.data_dir, self.keep = data_dir, keep

    def folder(self, device: str) -> Path:
        return image_dir(self.data_dir, device) / "recent"

    def add(self, device: str, jpeg: bytes, record: FrameRecord) -> bool:
        """Keep the frame (False: its id cannot name a file, so it is not kept)."""
        if not safe_frame_id(record.frame_id):
            return False
        folder = self.folder(device)
        write_atomically(folder / f"{record.frame_id}.jpg", jpeg)
        write_atomically(folder / f"{record.frame_id}.json", record.model_dump_json().encode())
        self._prune(folder)
        return True

    def get(self, device: str, frame_id: str) -> tuple[bytes, FrameRecord] | None:
        if not safe_frame_id(frame_id):
            return None
        folder = self.folder(device)
        try:
            record = FrameRecord.model_validate_json((folder / f"{frame_id}.json").read_bytes())
            return (folder / f"{frame_id}.jpg").read_bytes(), record
        except (OSError, ValueError):
            return None

    def newest(self, device: str) -> FrameRecord | None:
        """The frame kept last (the one ``latest.jpg`` shows, unless a newer one is
        being read)."""
        records = sorted(self.folder(device).glob("*.json"), key=_mtime, reverse=True)
        for path in records:
            try:
                return FrameRecord.model_validate_json(path.read_bytes())
            except (OSError, ValueError):
                continue
        return None

    def _prune(self, folder: Path) -> None:
        records = sorted(folder.glob("*.json"), key=_mtime, reverse=True)
        for path in records[self.keep :]:
            path.unlink(missing_ok=True)
            path.with_suffix(".jpg").unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
