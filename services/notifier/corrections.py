"""``/koreksi`` / ``/correct <value>`` in reply to a photo the bot sent: what the display
really showed becomes a training example and a manual reading.

The bot remembers which frame each photo it sent was (the OCR worker's newest kept
frame at the time), per chat and message, for the last ``REMEMBERED`` photos; after a
restart older photos cannot be corrected, and the chat is told so.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

from ..core.config import MeterhubConfig
from ..core.messages import Correction
from ..core.runtime import Bus
from ..domain.recent_frames import RecentFrames
from ..domain.training_examples import BadLabel, Example, TrainingExamples

REMEMBERED = 200  # photos per bot


class NotCorrectable(Exception):
    """Why a correction cannot be taken; carries the text key for the chat."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def parse_value(text: str) -> float:
    """``126,95`` (Indonesian decimal comma) or ``126.95``."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise NotCorrectable("correct_usage") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise NotCorrectable("correct_usage")
    return value


@dataclass
class PhotoCorrections:
    config: MeterhubConfig
    bus: Bus
    sent: OrderedDict[tuple[int, int], tuple[str, str]] = field(default_factory=OrderedDict)

    def frame_shown(self, device: str) -> str | None:
        """The frame id a photo of ``device`` sent now shows."""
        newest = RecentFrames(self.config.storage.data_dir).newest(device)
        return newest.frame_id if newest is not None else None

    def remember(self, chat_id: int, message_id: int, device: str, frame_id: str) -> None:
        self.sent[(chat_id, message_id)] = (device, frame_id)
        while len(self.sent) > REMEMBERED:
            self.sent.popitem(last=False)

    async def correct(self, chat_id: int, reply_to: int | None, text: str) -> Example:
        """Keep the example and publish the correction (NotCorrectable: why not)."""
        value = parse_value(text)
        shown = self.sent.get((chat_id, reply_to)) if reply_to is not None else None
        if shown is None:
            raise NotCorrectable("correct_reply")
        device, frame_id = shown
        ocr = self.config.devices[device].ocr
        assert ocr is not None
        data_dir = self.config.storage.data_dir
        kept = await asyncio.to_thread(RecentFrames(data_dir).get, device, frame_id)
        if kept is None:
            raise NotCorrectable("correct_gone")
        jpeg, record = kept
        try:
            example = await asyncio.to_thread(
                TrainingExamples(data_dir).add,
                device, jpeg, record, value, ocr, f"chat {chat_id}", "telegram",
            )  # fmt: skip
        except BadLabel as error:
            raise NotCorrectable(f"correct_bad_{error.key}", **error.values) from None
        correction = Correction(
            device=device,
            ts=record.ts,
            quantity=ocr.quantity,
            value=value,
            frame_id=frame_id,
            who=example.who,
            via="telegram",
            example=example.id,
        )
        await self.bus.publish(self.bus.topics.correction(device), correction.to_payload())
        return example
