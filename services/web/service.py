"""Web service: serves the FastAPI app with uvicorn inside the service runtime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext
from .app import create_app

log = logging.getLogger("meterhub.web")


class _EmbeddedServer(uvicorn.Server):
    """Leaves signal handling to the service runtime, which stops every service in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def main(ctx: ServiceContext) -> None:
    web = ctx.config.web
    if not web.enabled:
        await asyncio.Event().wait()
    app = create_app(ctx.config, ctx.health)
    server = _EmbeddedServer(uvicorn.Config(app, host=web.host, port=web.port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                await serving  # re-raise the start-up error (port in use, ...)
                raise RuntimeError("web server stopped during start-up")
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        log.info("web page ready", extra=kv(url=f"http://{web.host}:{port}/"))
        await serving
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.shield(serving)
