"""The original prepaid sketch's side of Firebase: ``/jadwal`` out, ``trigger_otomatis`` in.

The ESP32 sketch of the prepaid setup reads ``/jadwal/jam1``, ``menit1``, ``jam2`` and
``menit2`` (integers, its RTC's local time) every 10 s and, when its clock reaches one,
sets ``/<root>/trigger_otomatis`` to true for the PC to take a picture. Here the bot's
check times (the first two, in the bot's zone) are written to ``/jadwal`` whenever they
change, and a true ``trigger_otomatis`` becomes a ``cmd/capture`` for the legacy device,
then is set back to false. Firebase being down is logged and tried again at the next
poll: storage goes on.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import firebase_admin
from firebase_admin import db
from firebase_admin import exceptions as firebase_errors

from ...core.config.storage import FirebaseConfig
from ...core.messages import CaptureRequest
from ...core.runtime import Bus
from ...core.runtime.logs import kv

log = logging.getLogger("meterhub.storage.firebase_legacy")

JADWAL = "jadwal"
SLOTS = 2  # the sketch knows two times
UNSET = -1  # the sketch's "no time": its clock never matches it
TRIGGER = "trigger_otomatis"


def jadwal(times: list[str]) -> dict[str, int]:
    """``["12:00", "23:59"]`` -> ``{"jam1": 12, "menit1": 0, "jam2": 23, "menit2": 59}``."""
    pairs = [tuple(int(part) for part in at.split(":")) for at in times[:SLOTS]]
    pairs += [(UNSET, UNSET)] * (SLOTS - len(pairs))
    slots: dict[str, int] = {}
    for number, (hour, minute) in enumerate(pairs, start=1):
        slots[f"jam{number}"], slots[f"menit{number}"] = hour, minute
    return slots


class LegacyBridge:
    def __init__(self, config: FirebaseConfig, bus: Bus, sqlite_path: Path) -> None:
        assert config.legacy is not None
        self.config, self.legacy, self.bus, self.sqlite_path = (
            config,
            config.legacy,
            bus,
            sqlite_path,
        )
        self.app: Any = None
        self._written: dict[str, int] | None = None

    async def run(self) -> None:
        from .firebase import open_app

        self.app = open_app(self.config, "legacy")
        try:
            while True:
                try:
                    await self.poll()
                except (firebase_errors.FirebaseError, ValueError) as error:
                    log.warning("firebase legacy poll failed", extra=kv(error=str(error)))
                await asyncio.sleep(self.legacy.poll_s)  # the sketch's pace: nothing to wait on
        finally:
            firebase_admin.delete_app(self.app)

    async def poll(self) -> None:
        await self._sync_jadwal()
        await self._honour_trigger()

    async def _sync_jadwal(self) -> None:
        from ...database.schedules import scheduled_times  # the bot owns its schedule table

        times = await asyncio.to_thread(scheduled_times, self.sqlite_path)
        if len(times) > SLOTS:
            log.info("the sketch takes two times", extra=kv(times=times, written=times[:SLOTS]))
        slots = jadwal(times)
        if slots != self._written:
            await asyncio.to_thread(self._ref(JADWAL).set, slots)
            self._written = slots

    async def _honour_trigger(self) -> None:
        trigger = self._ref(f"{self.legacy.root}/{TRIGGER}")
        value = await asyncio.to_thread(trigger.get)
        if value is not True:
            if value not in (None, False):  # the sketch writes a bool: say what came instead
                log.warning("trigger_otomatis is not true/false, ignored",
                            extra=kv(value=repr(value)[:80]))  # fmt: skip
            return
        await asyncio.to_thread(trigger.set, False)  # before the capture: one picture a trigger
        request = CaptureRequest()
        await self.bus.publish(self.bus.topics.capture(self.legacy.device), request.to_payload())
        log.info("trigger_otomatis: capture asked",
                 extra=kv(device=self.legacy.device, request_id=request.request_id))  # fmt: skip

    def _ref(self, path: str) -> Any:
        return db.reference(f"/{path}", app=self.app)
