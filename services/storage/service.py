"""Storage service: every reading into SQLite and the configured sinks; retained state out."""

from __future__ import annotations

from ..core.runtime.runner import ServiceContext
from .pipeline import StoragePipeline


async def main(ctx: ServiceContext) -> None:
    pipeline = StoragePipeline(ctx.config, ctx.bus)
    pipeline.subscribe()
    await pipeline.run()
