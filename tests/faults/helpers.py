"""Shared pieces of the fault tests: numbered readings, counting what SQLite holds, waiting."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from services.core.messages import Reading

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def reading(i: int, device: str = "m1") -> Reading:
    """Reading number ``i``: its power_w is ``i``, so a stored row says which one it was."""
    return Reading(
        device=device,
        ts=START + timedelta(milliseconds=100 * i),
        source="p1",
        values={"power_w": float(i), "energy_import_kwh": 1000 + i / 1000},
    )


def stored_numbers(sqlite_path: Path, device: str = "m1") -> list[int]:
    """Numbers of the readings in storage's SQLite file (empty before it exists)."""
    if not sqlite_path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute(
                "SELECT value FROM readings WHERE device = ? AND quantity = 'power_w'", (device,)
            ).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    return sorted(int(value) for (value,) in rows)


async def eventually(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 60.0) -> T:
    """Poll another process's output (a file, a database) until ``done``; bounded."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        result = await asyncio.to_thread(probe)
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s; last: {result!r}"[:1500])
        await asyncio.sleep(delay)  # the polling interval of a process with no events
        delay = min(delay * 2, 0.3)


def shipped_persistence() -> str:
    """The persistence lines of mosquitto/mosquitto.conf that decide what a kill loses."""
    text = (REPO / "mosquitto" / "mosquitto.conf").read_text()
    lines = re.findall(r"^(autosave_\w+ .*)$", text, flags=re.M)
    assert lines, "mosquitto.conf sets no autosave"
    return "".join(f"{line}\n" for line in lines)


def start_service(config_file: Path, service: str, log: Path) -> subprocess.Popen[bytes]:
    """``meterhub run <service>`` as its own process, its output in ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "--config", str(config_file), "run", service],
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
