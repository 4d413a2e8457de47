"""Images another tool drops into a directory (a Pi script, a camera's FTP upload).

The directory is scanned every ``poll_s``; polling works on network shares and container
volumes, where change notifications often do not arrive. A file is taken once its size
and modification time stayed the same from one scan to the next, so a file still being
written is not read half-way. Of several new files in one scan only the newest is sent
(the meter's present reading is what matters; the others are counted as superseded).
With ``after: keep`` the files present at start count as seen: a restart does not send
old pictures again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from ...core.config.capture import DirWatchSource
from ...core.runtime.clock import Clock
from ...core.runtime.logs import kv
from ..frames import FrameRejected, Problem, to_jpeg
from . import Shot, SourceError

log = logging.getLogger("meterhub.gateway.dirwatch")
Signature = tuple[int, int]  # size, mtime in ns
T = TypeVar("T")
SHOOT_CANDIDATES = 5  # newest files tried for an on-demand shot


class DirWatch:
    def __init__(self, settings: DirWatchSource, clock: Clock, max_frame_bytes: int) -> None:
        self.settings, self.clock, self.max_bytes = settings, clock, max_frame_bytes
        self.path = settings.path
        self._patterns = [p.lower() for p in settings.patterns]
        self._previous: dict[str, Signature] = {}
        self._taken: dict[str, Signature] = {}
        self._started = False
        self._last: Shot | None = None
        self.superseded = 0

    async def poll(self) -> Shot | None:
        """One scan: the newest file that is new and finished, or None.

        ``SourceError``: the directory cannot be read. ``FrameRejected``: the file taken is
        no usable image (it stays taken, so it is reported once).
        """
        entries = await self._blocking(self._scan)
        if not self._started:
            self._started = True
            if self.settings.after == "keep":
                self._taken = dict(entries)
        ready = [
            name
            for name, signature in entries.items()
            if self._previous.get(name) == signature and self._taken.get(name) != signature
        ]
        self._previous = entries
        self._taken = {name: sig for name, sig in self._taken.items() if name in entries}
        if not ready:
            return None
        ready.sort(key=lambda name: (entries[name][1], name))
        for name in ready:
            self._taken[name] = entries[name]
        if len(ready) > 1:
            self.superseded += len(ready) - 1
            log.info(
                "newer image supersedes others",
                extra=kv(directory=self.path, taken=ready[-1], skipped=len(ready) - 1),
            )
        try:
            return await self._read(ready[-1], entries[ready[-1]])
        finally:
            if self.settings.after == "delete":
                await self._blocking(lambda: self._delete(ready))

    async def shoot(self) -> Shot:
        """For cmd/capture: the newest readable image in the directory, else the last one
        taken (a broken newer file does not stop the asker getting a picture)."""
        entries = await self._blocking(self._scan)
        newest_first = sorted(entries, key=lambda n: (entries[n][1], n), reverse=True)
        for name in newest_first[:SHOOT_CANDIDATES]:
            with contextlib.suppress(FrameRejected):
                return await self._read(name, entries[name])
        if self._last is not None:
            return self._last
        raise SourceError(f"no readable image in {self.path}")

    async def close(self) -> None:
        return None

    async def _blocking(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(work)
        except OSError as error:
            raise SourceError(f"cannot read {self.path}: {error.strerror or error}") from None

    async def _read(self, name: str, signature: Signature) -> Shot:
        size, mtime_ns = signature
        if size > self.max_bytes:
            raise FrameRejected(
                Problem.TOO_LARGE,
                f"{name}: file of {size} bytes exceeds the cap of {self.max_bytes} bytes",
            )
        data = await self._blocking(lambda: (self.path / name).read_bytes())
        try:
            jpeg = await asyncio.to_thread(to_jpeg, data)
        except FrameRejected as error:
            raise FrameRejected(error.problem, f"{name}: {error}") from None
        shot = Shot(jpeg, datetime.fromtimestamp(mtime_ns / 1e9, UTC))
        self._last = shot
        return shot

    def _scan(self) -> dict[str, Signature]:
        entries: dict[str, Signature] = {}
        with os.scandir(self.path) as found:
            for entry in found:
                name = entry.name
                if name.startswith(".") or not entry.is_file():
                    continue  # hidden names are how tools write before an atomic rename
                if not any(fnmatch.fnmatchcase(name.lower(), p) for p in self._patterns):
                    continue
                stat = entry.stat()
                if stat.st_size > 0:
                    entries[name] = (stat.st_size, stat.st_mtime_ns)
        return entries

    def _delete(self, names: list[str]) -> None:
        for name in names:
            try:
                (self.path / name).unlink(missing_ok=True)
            except OSError as error:
                log.warning("cannot delete taken image", extra=kv(file=name, error=error))
