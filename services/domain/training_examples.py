"""Training examples kept from corrected frames: ``<data_dir>/training/<dev>/<id>.jpg``
with a ``<id>.json`` sidecar (label, boxes, kind, who, when, frame id).

These are what ``meterhub ocr train --device`` learns a meter's own display from. The
sidecar carries the photo's SHA-256 so copies of one photo (twins) can be kept in one
fold when examples are split for measuring.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..core.config.devices import OcrConfig
from ..core.data_files import write_atomically
from ..core.messages import new_id, utc_now
from .recent_frames import FrameRecord, safe_frame_id

Box = tuple[int, int, int, int]


# Why a display cannot show a value: key -> the English reason (logs, the web API); the
# bot says it in the chat's language from its ``correct_bad_<key>`` text, same placeholders.
BAD_LABEL_REASONS: dict[str, str] = {
    "negative": "a meter display shows no negative values",
    "decimals": "the display shows {decimals} decimals, not more",
    "digits": "the display has {digits} digits; {text} does not fit",
}


class BadLabel(ValueError):
    """A value that the meter's display could not show; ``str()`` says why in English,
    ``key`` and ``values`` let a reader say it in another language."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(BAD_LABEL_REASONS[key].format(**values))
        self.key, self.values = key, values


class Example(BaseModel):
    """One corrected frame kept for training (the sidecar, and the API's answer)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Example id (the frame id when it names a file).")
    device: str = Field(description="Meter the frame is from.")
    label: str = Field(
        description="The digits the display shows, left to right; one per box when as many."
    )
    value: float = Field(description="The value typed, in the quantity's unit.")
    kind: str = Field(description="Display kind (lcd7, drum): which digit model it trains.")
    boxes: list[Box] = Field(description="Digit boxes [x, y, w, h] in frame pixels.")
    display: Box | None = Field(default=None, description="Display box, when one was known.")
    frame_id: str = Field(description="The frame corrected.")
    frame_ts: datetime = Field(description="When the frame was taken.")
    read_as: str = Field(default="", description="What the worker had read ('' for nothing).")
    reason: str | None = Field(default=None, description="Why the worker refused the frame.")
    who: str = Field(description="Who typed the value.")
    via: Literal["web", "telegram", "cli"] = Field(description="Where it was typed.")
    at: datetime = Field(default_factory=utc_now, description="When it was typed.")
    sha256: str = Field(description="Of the JPEG: copies of one photo are twins.")


def label_digits(value: float, ocr: OcrConfig, boxes: int = 0) -> str:
    """The digits ``value`` takes on the display, one per box: an LCD blanks leading
    zeros (fewer boxes), a drum shows them (zero-padded to the boxes, else to the
    display's digit count). Longer than the boxes: the boxes missed a digit, and the
    label keeps every digit (training leaves such an example's boxes out)."""
    if value < 0:
        raise BadLabel("negative")
    text = f"{value:.{ocr.decimals}f}".replace(".", "")
    if abs(float(f"{value:.{ocr.decimals}f}") - value) > 1e-9:
        raise BadLabel("decimals", decimals=ocr.decimals)
    if len(text) > ocr.digits:
        raise BadLabel("digits", digits=ocr.digits, text=text)
    return text.rjust(boxes or ocr.digits, "0")


class TrainingExamples:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "training"

    def folder(self, device: str) -> Path:
        return self.root / device

    def add(
        self,
        device: str,
        jpeg: bytes,
        frame: FrameRecord,
        value: float,
        ocr: OcrConfig,
        who: str,
        via: Literal["web", "telegram", "cli"],
    ) -> Example:
        """Keep the frame labelled with ``value`` (BadLabel: the display cannot show it)."""
        boxes = [tuple(b) for b in frame.boxes]
        example = Example(
            id=frame.frame_id if safe_frame_id(frame.frame_id) else new_id(),
            device=device,
            label=label_digits(value, ocr, len(boxes)),
            value=value,
            kind=ocr.display,
            boxes=boxes,  # type: ignore[arg-type]
            display=frame.display,
            frame_id=frame.frame_id,
            frame_ts=frame.ts,
            read_as=frame.digits,
            reason=frame.reason,
            who=who,
            via=via,
            sha256=hashlib.sha256(jpeg).hexdigest(),
        )
        folder = self.folder(device)
        write_atomically(folder / f"{example.id}.jpg", jpeg)
        write_atomically(folder / f"{example.id}.json", example.model_dump_json(indent=1).encode())
        return example

    def list(self, device: str) -> list[Example]:
        """Newest first; a sidecar that cannot be read is skipped (never deleted)."""
        found = []
        for path in self.folder(device).glob("*.json"):
            try:
                found.append(Example.model_validate_json(path.read_bytes()))
            except (OSError, ValueError):
                continue
        return sorted(found, key=lambda e: e.at, reverse=True)

    def image(self, device: str, example_id: str) -> bytes | None:
        if not safe_frame_id(example_id):
            return None
        try:
            return (self.folder(device) / f"{example_id}.jpg").read_bytes()
        except OSError:
            return None

    def delete(self, device: str, example_id: str) -> bool:
        if not safe_frame_id(example_id):
            return False
        sidecar = self.folder(device) / f"{example_id}.json"
        if not sidecar.exists():
            return False
        sidecar.unlink()
        sidecar.with_suffix(".jpg").unlink(missing_ok=True)
        return True
