"""Capture gateway: the device edge. Each source of meter data is one part, run side by side.

- P1: telegrams from the bus (ESP32 bridges) or a serial port → CRC check → readings.
- RS-485: DL/T 645 meters polled on a serial port → readings, availability.
- Cameras: MQTT, upload, snapshot, local camera and directory sources, their triggers,
  throttle and duplicate check → frames (see cameras.py).
"""

from __future__ import annotations

import asyncio

from ..core.contract import Channel
from ..core.runtime.runner import ServiceContext, until_cancelled
from .cameras import CameraEdge
from .p1_path import P1Path
from .rs485 import rs485_tasks

GROUP = "gateway"


async def main(ctx: ServiceContext) -> None:
    p1 = P1Path(ctx)
    # A plain subscription of the persistent session, not the group: Mosquitto 2.0 does not
    # restore a `$share` one after its own restart, so a P1 bridge's backlog sent before
    # the gateway is back was lost; and a meter's quarter needs all its telegrams in one.
    ctx.bus.on(Channel.TELEGRAM, p1.on_telegram)
    cameras = CameraEdge(ctx, GROUP)  # subscribes now, before the first await
    async with asyncio.TaskGroup() as group:
        for task in [*p1.tasks(), *rs485_tasks(ctx), *cameras.tasks()]:
            group.create_task(task)
        await until_cancelled()
