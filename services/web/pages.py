"""HTML pages (Jinja2); data comes from the API so the page and API never disagree."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    config = request.app.state.config
    return templates.TemplateResponse(request, "overview.html", {"devices": config.devices})
