"""Feeds one sink from its queue: in order, with backoff while it is down.

The position in the queue moves only after the sink confirmed a batch, so a crash or
an outage means a replay of that batch (harmless: sink writes are idempotent). On
shutdown a write already under way is allowed to finish (bounded by the sink's
timeout), so a clean restart replays nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..core.config.storage import SinkQueueConfig
from ..core.runtime.backoff import Backoff
from ..core.runtime.logs import kv
from .outbox import Outbox, QueuedReading
from .sinks import Sink, SinkRefused, SinkUnavailable

log = logging.getLogger("meterhub.storage.pump")
OnDb = Callable[..., Awaitable[Any]]


class SinkPump:
    def __init__(self, sink: Sink, config: SinkQueueConfig, outbox: Outbox, on_db: OnDb) -> None:
        """``on_db(fn, *args)`` runs ``fn`` on the store's database thread."""
        self.sink = sink
        self.config = config
        self.outbox = outbox
        self.on_db = on_db
        self.wake = asyncio.Event()
        self.up = True
        self.failures = 0

    async def run(self) -> None:
        backoff = Backoff(self.config.retry_initial_s, self.config.retry_max_s)
        await self.sink.start()
        try:
            while True:
                self.wake.clear()  # before looking: a commit after this wakes us again
                batch = await self.on_db(self.outbox.peek, self.sink.name, self.config.batch_size)
                if not batch:
                    await self.wake.wait()
                    continue
                writing = asyncio.ensure_future(self._write(batch))
                try:
                    refused = await asyncio.shield(writing)
                except asyncio.CancelledError:
                    await self._finish_on_shutdown(writing, batch)
                    raise
                except SinkUnavailable as error:
                    await self._failed(error, backoff)
                    continue
                except Exception as error:  # a setting the sink's library chokes on, a bug
                    # Retried like an outage: it must not take SQLite storage down with it.
                    await self._failed(SinkUnavailable(f"{type(error).__name__}: {error}"), backoff)
                    continue
                await self._confirm(batch, refused)
                backoff.reset()
        finally:
            await self.sink.close()

    async def _confirm(self, batch: list[QueuedReading], refused: int) -> None:
        await self.on_db(
            self.outbox.confirm, self.sink.name, batch[-1].seq, sent=len(batch) - refused,
            refused=refused,
        )  # fmt: skip
        if not self.up:
            self.up = True
            log.info("sink back", extra=kv(sink=self.sink.name, failures=self.failures))
            self.failures = 0

    async def _finish_on_shutdown(
        self, writing: asyncio.Future[int], batch: list[QueuedReading]
    ) -> None:
        """Let the write under way end and record it, so a restart does not send it again."""
        done, _ = await asyncio.wait({writing}, timeout=self.config.timeout_s)
        if not done:
            writing.cancel()
        elif writing.exception() is None:
            await self._confirm(batch, writing.result())

    async def _write(self, batch: list[QueuedReading]) -> int:
        """Write ``batch``; returns how many readings the sink refused for good."""
        try:
            await self.sink.write(batch)
            return 0
        except SinkRefused as error:
            if len(batch) == 1:
                log.warning(
                    "sink refused a reading",
                    extra=kv(sink=self.sink.name, device=batch[0].device, ts=batch[0].ts_iso,
                             error=error),
                )  # fmt: skip
                await self.on_db(self.outbox.failed, self.sink.name, f"refused: {error}")
                return 1
            # Set aside only the bad readings: halves until they are found.
            middle = len(batch) // 2
            return await self._write(batch[:middle]) + await self._write(batch[middle:])

    async def _failed(self, error: Exception, backoff: Backoff) -> None:
        self.failures += 1
        delay = backoff.next_delay()
        if self.up or self.failures % 20 == 0:
            log.warning(
                "sink unavailable, readings wait in its queue",
                extra=kv(sink=self.sink.name, error=error, retry_in_s=round(delay, 2)),
            )
        self.up = False
        await self.on_db(self.outbox.failed, self.sink.name, str(error))
        await asyncio.sleep(delay)  # retry delay, not synchronisation
