"""SQLite's disk fills up under storage, then space comes back.

A real full file system: a small tmpfs mounted for the test (needs root; skipped
otherwise), filled with a file. Storage must say why it cannot store, must not
acknowledge readings it could not commit, must leave an intact database, and must
store everything once space is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import make_config
from tests.faults.helpers import eventually, reading, start_service, stored_numbers
from tests.storage.conftest import publish_many

DISK = "8m"
READINGS = 400


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount_point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``: big writes, then smaller ones, until none fits."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free < 4096
    return filler


async def test_disk_full_is_reported_nothing_is_lost_and_storage_recovers(
    broker, tmp_path, small_disk
) -> None:
    config = make_config(broker, small_disk / "data")
    config_file = tmp_path / "config.yml"
    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    sqlite = config.storage.sqlite_path
    log = tmp_path / "storage.log"
    first = [("meterhub/m1/reading", reading(0).to_payload())]

    storage = start_service(config_file, "storage", log)
    try:

        async def first_stored() -> None:
            while 0 not in await asyncio.to_thread(stored_numbers, sqlite):
                await publish_many(config.mqtt, first)
                await asyncio.sleep(0.2)  # resend interval, bounded by wait_for

        await asyncio.wait_for(first_stored(), 30)
        filler = _fill(small_disk)
        messages = [("meterhub/m1/reading", reading(i).to_payload()) for i in range(READINGS)]
        await publish_many(config.mqtt, messages)
        await eventually(log.read_text, lambda text: "disk is full" in text, 30)
        assert storage.poll() is None, "storage died of a full disk"

        os.unlink(filler)  # space is back
        await eventually(lambda: stored_numbers(sqlite), lambda s: len(s) >= READINGS, 60)
    finally:
        storage.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            storage.wait(30)
        if storage.poll() is None:
            storage.kill()
    assert stored_numbers(sqlite) == list(range(READINGS))
    with sqlite3.connect(sqlite) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
