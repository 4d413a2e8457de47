"""Firebase Realtime Database through ``firebase-admin``: latest values and a pushed history.

Layout ``meters`` (on by default):
    /meters/<dev>/latest             flat state, as on the MQTT state topic
    /meters/<dev>/history/<push key> {"ts", "source", "<quantity>": value, ...}
                                     (an entry a correction replaced is removed)
Layout ``legacy`` (the prepaid setup's original consumers):
    /<root>/terakhir                 {"angka": "127"}  (latest balance, as text)
    /<root>/terakhir_cek             "<ISO time>" of that balance's reading
    /<root>/riwayat/<push key>       {"angka": "127", "waktu": "<ISO time>"}
    /jadwal, /<root>/trigger_otomatis  the original sketch's schedule and trigger
                                     (``firebase_legacy``)

History keys look like Firebase push keys (8 characters of time, so they sort in time
order next to keys the SDK's push() makes) but the 12 others come from a hash of the
reading's identity, not from chance: a replayed batch writes the same keys, so nothing
is doubled. A batch is one multi-path update (one request).

firebase-admin is synchronous; calls run on a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import firebase_admin
from firebase_admin import credentials, db
from firebase_admin import exceptions as firebase_errors

from ...core.config.storage import FirebaseConfig
from ...core.measurements import READING, RETRACTION
from ...core.quantities import QUANTITIES
from ..outbox import QueuedReading
from .base import SinkRefused, SinkUnavailable, StateLookup, epoch_ns

PUSH_CHARS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def push_key(reading: QueuedReading) -> str:
    """A push-style key: time-ordered, and the same for the same reading every time."""
    ms = epoch_ns(reading.ts) // 1_000_000
    head = "".join(PUSH_CHARS[(ms >> (6 * i)) & 63] for i in range(7, -1, -1))
    digest = hashlib.sha256(f"{reading.device}|{reading.ts}|{reading.source}".encode()).digest()
    return head + "".join(PUSH_CHARS[byte & 63] for byte in digest[:12])


def angka(value: float, quantity: str) -> str:
    """The number as the meter shows it, without trailing zeros: 127.0 -> "127"."""
    precision = QUANTITIES[quantity].precision if quantity in QUANTITIES else 2
    text = f"{value:.{precision}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def open_app(config: FirebaseConfig, label: str) -> firebase_admin.App:
    """A firebase-admin app of its own (a unique name: several may run in one process)."""
    credential = (
        credentials.Certificate(str(config.credentials_file))
        if config.credentials_file
        else credentials.ApplicationDefault()
    )
    return firebase_admin.initialize_app(
        credential,
        {"databaseURL": config.database_url, "httpTimeout": config.timeout_s},
        name=f"meterhub-{label}-{uuid.uuid4().hex[:8]}",
    )


class FirebaseSink:
    def __init__(self, name: str, config: FirebaseConfig, states: StateLookup) -> None:
        self.name = name
        self.config = config
        self.states = states
        self._app: firebase_admin.App | None = None

    async def start(self) -> None:
        self._app = open_app(self.config, self.name)

    async def write(self, batch: list[QueuedReading]) -> None:
        update: dict[str, Any] = {}
        devices = sorted({q.device for q in batch})
        # Costs reach Firebase in each meter's ``latest`` (its state), not as history. A
        # retraction empties the history entry of the point a correction replaced (its
        # key is the point's identity); what of it stays follows as a normal row, in order.
        batch = [q for q in batch if q.measurement in (READING, RETRACTION)]
        legacy = self.config.legacy
        for q in batch:
            gone = q.measurement == RETRACTION
            if self.config.meters:
                entry = {"ts": q.ts_iso, "source": q.source, **q.values}
                update[f"meters/{q.device}/history/{push_key(q)}"] = None if gone else entry
            if legacy is not None and q.device == legacy.device and legacy.quantity in q.values:
                entry = {
                    "angka": angka(q.values[legacy.quantity], legacy.quantity),
                    "waktu": q.ts_iso,
                }
                update[f"{legacy.root}/riwayat/{push_key(q)}"] = None if gone else entry
        if self.config.meters:
            for device in devices:
                update[f"meters/{device}/latest"] = await self.states(device)
        if legacy is not None and legacy.device in devices:
            state = await self.states(legacy.device)
            if isinstance(state.get(legacy.quantity), float | int):
                value = float(state[legacy.quantity])  # type: ignore[arg-type]
                update[f"{legacy.root}/terakhir"] = {"angka": angka(value, legacy.quantity)}
                update[f"{legacy.root}/terakhir_cek"] = state["ts"]
        if update:
            await asyncio.to_thread(self._update, update)

    def _update(self, update: dict[str, Any]) -> None:
        try:
            db.reference("/", app=self._app).update(update)
        except firebase_errors.InvalidArgumentError as error:
            raise SinkRefused(str(error)) from None
        except firebase_errors.FirebaseError as error:
            raise SinkUnavailable(f"{error.code}: {error}") from None
        except ValueError as error:  # the SDK's own checks of the data
            raise SinkRefused(str(error)) from None

    async def close(self) -> None:
        if self._app is not None:
            firebase_admin.delete_app(self._app)
            self._app = None
