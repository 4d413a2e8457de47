"""OCR worker: reads each frame, publishes a reading, or a rejection saying why.

Workers form the ``$share/ocr`` group, so adding a process adds capacity.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path

from ..core.config.devices import OcrConfig
from ..core.messages import OcrResult, Reading, Rejected, utc_now
from ..core.runtime import IncomingMessage
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .lcd7 import DigitReading, UnreadableDisplay, decode_image, read_lcd7

log = logging.getLogger("meterhub.ocr")
GROUP = "ocr"
MAX_FRAME_BYTES = 4 * 1024 * 1024


def _frame_time(properties: dict[str, str]) -> datetime:
    try:
        ts = datetime.fromisoformat(properties["ts"].replace("Z", "+00:00"))
        return ts if ts.tzinfo else utc_now()
    except (KeyError, ValueError):
        return utc_now()


def read_frame(payload: bytes, ocr: OcrConfig, keep_dir: Path) -> DigitReading:
    """Decode, keep the raw image for the web page, read the digits (runs in a thread)."""
    if len(payload) > MAX_FRAME_BYTES:
        raise UnreadableDisplay(f"frame of {len(payload)} bytes exceeds {MAX_FRAME_BYTES}")
    image = decode_image(payload)
    keep_dir.mkdir(parents=True, exist_ok=True)
    (keep_dir / "latest.jpg").write_bytes(payload)
    if ocr.display != "lcd7":
        raise UnreadableDisplay(f"the builtin reader does not read {ocr.display} displays yet")
    return read_lcd7(image, ocr.digits, ocr.decimals)


async def main(ctx: ServiceContext) -> None:
    bus, topics, config = ctx.bus, ctx.bus.topics, ctx.config

    async def on_frame(message: IncomingMessage) -> None:
        device = message.topic.split("/")[1]
        props = message.user_properties
        frame_id = props.get("frame_id", "")
        request_id = props.get("request_id")
        ts = _frame_time(props)
        about = {"frame_id": frame_id, "request_id": request_id, "bytes": len(message.payload)}

        async def reject(reason: str) -> None:
            log.warning("frame rejected", extra=kv(device=device, frame_id=frame_id, reason=reason))
            await bus.publish(
                topics.rejected(device),
                Rejected(
                    device=device, ts=ts, source="ocr", reason=reason, reading=about
                ).to_payload(),
            )

        settings = config.devices.get(device)
        if settings is None or settings.ocr is None:
            await reject("unknown device (not a camera in the config)")
            return
        started = time.perf_counter()
        keep_dir = config.storage.data_dir / "images" / device
        try:
            result = await asyncio.to_thread(read_frame, message.payload, settings.ocr, keep_dir)
        except UnreadableDisplay as error:
            await reject(str(error))
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        reading = Reading(
            device=device,
            ts=ts,
            source="ocr",
            values={settings.ocr.quantity: result.value},
            confidence=round(min(result.confidences), 4),
            frame_id=frame_id or None,
            request_id=request_id,
        )
        await bus.publish(
            topics.ocr(device),
            OcrResult(
                frame_id=frame_id,
                digits=result.text,
                confidences=result.confidences,
                boxes=result.boxes,
                elapsed_ms=round(elapsed_ms, 1),
            ).to_payload(),
            qos=0,
        )
        await bus.publish(topics.reading(device), reading.to_payload())
        log.info("read", extra=kv(device=device, value=result.value, ms=round(elapsed_ms, 1)))

    bus.subscribe(topics.shared(GROUP, topics.all_devices("frame")), on_frame)
    await asyncio.Event().wait()
