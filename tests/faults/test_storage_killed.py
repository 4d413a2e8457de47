"""Storage killed -9 mid-batch, as its own process: every reading the broker took is stored once.

Storage acknowledges a batch to the broker only after its SQLite commit, and keeps a
persistent session, so what it had received but not committed when killed comes again
from the broker; a reading committed but not yet acknowledged comes again too and is
ignored (readings are identified by device, ts and source).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3

import yaml

from tests.conftest import make_config
from tests.faults.helpers import eventually, reading, start_service, stored_numbers
from tests.storage.conftest import publish_many

READINGS = 6000
KILL_AFTER_STORED = 1500


async def test_storage_killed_mid_batch_loses_and_doubles_nothing(broker, tmp_path) -> None:
    config = make_config(broker, tmp_path / "data")
    config_file = tmp_path / "config.yml"
    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    sqlite = config.storage.sqlite_path
    log = tmp_path / "storage.log"

    storage = start_service(config_file, "storage", log)
    try:
        # A reading sent before storage subscribed has no taker: send the first one until
        # it is stored, then the session exists and keeps everything else.
        async def first_stored() -> None:
            while 0 not in await asyncio.to_thread(stored_numbers, sqlite):
                await publish_many(config.mqtt, [("meterhub/m1/reading", reading(0).to_payload())])
                await asyncio.sleep(0.2)  # the resend interval; bounded by wait_for below

        await asyncio.wait_for(first_stored(), 30)

        messages = [("meterhub/m1/reading", reading(i).to_payload()) for i in range(READINGS)]
        publishing = asyncio.create_task(publish_many(config.mqtt, messages))
        at_kill = await eventually(
            lambda: stored_numbers(sqlite), lambda s: len(s) >= KILL_AFTER_STORED, 60
        )
        storage.send_signal(signal.SIGKILL)
        assert storage.wait(10) == -signal.SIGKILL
        await publishing  # every publish got its PUBACK: the broker holds them
        assert len(at_kill) < READINGS, "storage finished before the kill; nothing was tested"

        storage = start_service(config_file, "storage", log)
        await eventually(lambda: stored_numbers(sqlite), lambda s: len(s) >= READINGS, 60)
    finally:
        storage.send_signal(signal.SIGTERM)
        storage.wait(30)

    stored = stored_numbers(sqlite)
    assert stored == list(range(READINGS)), "lost or doubled readings"
    with sqlite3.connect(sqlite) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM rejected").fetchone() == (0,)
    print(f"\nstorage killed with {len(at_kill)} of {READINGS} stored; all stored once after")
