"""FastAPI app factory: routers per area, state from config (nothing global)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..core.config import MeterhubConfig
from ..core.runtime.health import Health
from ..storage.queries import ReadingQueries
from . import api, pages

HERE = Path(__file__).parent


def create_app(config: MeterhubConfig, health: Health | None = None) -> FastAPI:
    app = FastAPI(
        title="Meterhub", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json"
    )
    app.state.config = config
    app.state.health = health or Health()
    app.state.queries = ReadingQueries(config.storage.sqlite_path)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
