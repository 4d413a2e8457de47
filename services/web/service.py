"""Web service: serves the FastAPI app with uvicorn inside the service runtime.

Its own bus feeds the live hub (state, OCR results, refusals, availability, token steps,
capacity, ROIs) and carries what the page asks for (captures, tokens, ROIs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from ..core.config.web import WebConfig
from ..core.runtime.logs import kv
from ..core.runtime.runner import ServiceContext, until_cancelled
from .app import create_app
from .auth import StartRefused, check_startable
from .discovery import BoardBrowser
from .live import LiveHub

log = logging.getLogger("meterhub.web")
GRACEFUL_STOP_S = 5


class _EmbeddedServer(uvicorn.Server):
    """Leaves signal handling to the service runtime, which stops every service in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server_config(app: ASGIApp, web: WebConfig) -> uvicorn.Config:
    """uvicorn's settings. Forwarded headers only from ``web.trusted_proxies``: uvicorn's
    default believes them from 127.0.0.1, so anything on this machine could pick the address
    its failed logins count against, and claim HTTPS."""
    return uvicorn.Config(
        app,
        host=web.host,
        port=web.port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_STOP_S,
        lifespan="off",  # the app has no start-up work; the service runtime does it
        proxy_headers=bool(web.trusted_proxies),
        forwarded_allow_ips=list(web.trusted_proxies) or None,
    )


async def _browse_boards(web: WebConfig) -> BoardBrowser | None:
    """The mDNS browser, if wanted; a network without multicast costs the list, not the page."""
    if not web.discover_boards:
        return None
    boards = BoardBrowser()
    try:
        await boards.start()
    except OSError as error:
        log.warning("mDNS board discovery off", extra=kv(reason=error))
        await boards.close()
        return None
    return boards


async def main(ctx: ServiceContext) -> None:
    web = ctx.config.web
    if not web.enabled:
        await until_cancelled()
    try:
        check_startable(web)  # before anything listens: a page open to all is never served
    except StartRefused as refused:
        log.error("web page not started", extra=kv(reason=refused))
        raise
    hub = LiveHub(ctx.bus.topics, web.live_view_interval_s)
    hub.attach(ctx.bus)  # before the first await: retained messages arrive at connect
    boards = await _browse_boards(web)
    app = create_app(ctx.config, ctx.health, bus=ctx.bus, hub=hub, boards=boards)
    server = _EmbeddedServer(server_config(app, web))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                await serving  # re-raise the start-up error (port in use, ...)
                raise RuntimeError("web server stopped during start-up")
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        login = "on" if app.state.web.auth.enabled else "off (this machine only)"
        log.info("web page ready", extra=kv(url=f"http://{web.host}:{port}/", login=login))
        await serving
    finally:
        hub.close()  # ends open event streams, which would hold the server open
        await app.state.web.training.stop()  # no training left running without its page
        if boards is not None:
            await boards.close()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.shield(serving)
