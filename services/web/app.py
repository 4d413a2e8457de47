"""FastAPI app factory: routers per area, state from config (nothing global)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from ..core.config import MeterhubConfig
from ..core.runtime import Bus
from ..core.runtime.health import Health
from ..core.topics import Topics
from ..database.capacity_queries import CapacityQueries
from ..database.history_read import HistoryReader
from ..database.reading_queries import ReadingQueries
from ..database.token_history import TokenHistory
from ..domain.tokens import keypads
from . import pages
from .api import protected_routers
from .auth import Auth
from .body_limits import BodyLimit
from .discovery import BoardBrowser
from .echo import excerpt
from .headers import SecurityHeaders
from .images import FrameImages
from .live import LiveHub
from .state import WebState
from .training_runs import TrainingRuns

HERE = Path(__file__).parent
API_DESCRIPTION = """Meterhub's readings, history, capacity-tariff peaks, camera frames and
tokens. Log in on the page (session cookie), or send `Authorization: Bearer <API token>`
(`web.login.api_tokens`). Live updates: `GET /api/events` (server-sent events)."""


def create_app(
    config: MeterhubConfig,
    health: Health | None = None,
    *,
    bus: Bus | None = None,
    hub: LiveHub | None = None,
    boards: BoardBrowser | None = None,
) -> FastAPI:
    """The web app. ``bus``: the web service's own connection, for captures, tokens and
    ROIs (without one those answer 503); ``hub``: live state fed from that bus;
    ``boards``: the mDNS browser the health page lists boards from."""
    app = FastAPI(
        title="Meterhub",
        version="0.1.0",
        description=API_DESCRIPTION,
        # Served behind the login by pages.py instead.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    data_dir = config.storage.data_dir
    app.state.web = WebState(
        config=config,
        health=health or Health(),
        auth=Auth(config.web, data_dir),
        hub=hub or LiveHub(Topics(config.mqtt.topic_prefix)),
        bus=bus,
        queries=ReadingQueries(config.storage.sqlite_path),
        capacity=CapacityQueries(config.storage.sqlite_path, config.capacity),
        images=FrameImages(data_dir),
        keypads=keypads(config),
        tokens=TokenHistory(config.storage.sqlite_path),
        history=HistoryReader(config.storage.sqlite_path),
        training=TrainingRuns(data_dir),
        boards=boards,
    )
    app.state.auth = app.state.web.auth
    app.add_middleware(BodyLimit, auth=app.state.auth)  # before any body is read
    app.include_router(pages.public)
    for router, dependencies in protected_routers():
        app.include_router(router, dependencies=dependencies)
    app.include_router(pages.router, dependencies=pages.PROTECTED)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages.install_error_pages(app)
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    _outermost(app, SecurityHeaders)
    return app


def _outermost(app: FastAPI, middleware: type[SecurityHeaders]) -> None:
    """Wrap even Starlette's own error middleware, so a 500 carries the headers too
    (``add_middleware`` would put it inside)."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: middleware(build())  # type: ignore[method-assign]


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's own handler echoes the body through a strict UTF-8 decode, so a body that
    is not UTF-8 (an image sent to a JSON route) turned its 422 into a server error; and
    it echoes the input whole. Here each error carries a short excerpt of it at most."""
    detail = [
        {**item, "input": excerpt(item["input"])} if "input" in item else item
        for item in error.errors()
    ]
    content = jsonable_encoder({"detail": detail}, custom_encoder={bytes: excerpt})
    return JSONResponse(status_code=422, content=content)
