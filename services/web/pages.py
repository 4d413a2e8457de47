"""HTML pages (Jinja2) and the login form. Pages carry no data of their own: their
scripts read the REST API and the live events, so page and API never disagree."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Principal, address_key, user_key
from .discovery import listing
from .i18n import LANGUAGES, Translator, choose, messages
from .security import client_address, is_api, lockout, require_user, safe_next
from .state import WebState, web_state

public = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False)
PROTECTED = [Depends(require_user)]
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
State = Annotated[WebState, Depends(web_state)]
User = Annotated[Principal, Depends(require_user)]


def render(
    request: Request, name: str, web: WebState, user: Principal | None, **extra: Any
) -> HTMLResponse:
    # Every time on a page is in one zone, shown in its header: a meter's page passes the
    # meter's own (config.zone_of); pages of every meter show storage's.
    context = {
        **web.template_context(),
        **language_context(choose(request)),
        "csrf": user.csrf if user else None,
        "timezone": web.config.storage.timezone,
        **extra,
    }
    return templates.TemplateResponse(request, name, context)


def language_context(translator: Translator) -> dict[str, Any]:
    """``_`` for the template and what the language switch in its header shows."""
    return {
        "_": translator.gettext,
        "lang": translator.html_lang,
        "language": translator.language,
        "lang_source": translator.source,
        "languages": translator.choices,
    }


# --- public: health and login -------------------------------------------------------------
@public.get("/healthz")
def healthz(web: State) -> JSONResponse:
    report = web.health.report()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@public.get("/i18n/{language}.js")
def script_messages(language: str) -> Response:
    """The page scripts' texts: the same catalogue the templates use, as a script (the
    Content-Security-Policy refuses inline ones). Public: the login page needs it too."""
    if language not in LANGUAGES:
        raise HTTPException(404, f"no catalogue for {language!r}")
    body = f"self.MESSAGES = {json.dumps(messages(language), ensure_ascii=False)};\n"
    return Response(body, media_type="text/javascript; charset=utf-8")


@public.get("/login", response_class=HTMLResponse)
def login_page(request: Request, web: State, next: str | None = None) -> Response:
    if not web.auth.enabled:
        return RedirectResponse("/", 303)
    return _login_form(request, web, safe_next(next))


def _login_form(
    request: Request, web: WebState, target: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", web, None, next=target, login_csrf=token, error=error)
    response.status_code = status
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@public.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    web: State,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    auth, target = web.auth, safe_next(next)
    if not auth.enabled:
        return RedirectResponse("/", 303)
    keys = (address_key(client_address(request)), user_key(username))
    try:
        lockout(auth, *keys)
    except HTTPException as locked:
        return _login_form(request, web, target, str(locked.detail), 429)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    _ = choose(request).gettext
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_form(request, web, target, _("The form had expired; try again."), 403)
    if not await asyncio.to_thread(auth.check_login, username, password):
        left = auth.guard.fail(*keys)
        message = _("Wrong user name or password.")
        if left == 0:
            message += " " + _("Locked out for {seconds} s.", seconds=int(auth.guard.window_s))
        elif left <= 2:
            message += " " + _("{left} more tries before a lock-out.", left=left)
        return _login_form(request, web, target, message, 401)
    auth.guard.succeed(*keys)
    cookie, _ = auth.sessions.create()
    response = RedirectResponse(target, 303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=int(auth.sessions.max_age_s), httponly=True,
        samesite="lax", secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


# --- pages behind the login ---------------------------------------------------------------
@router.post("/logout")
def logout(request: Request, web: State) -> Response:
    web.auth.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login" if web.auth.enabled else "/", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, web: State, user: User) -> HTMLResponse:
    return render(request, "overview.html", web, user, page="overview")


@router.get("/meters/{device_id}", response_class=HTMLResponse)
def meter(device_id: str, request: Request, web: State, user: User) -> HTMLResponse:
    device = web.device(device_id)
    return render(
        request, "meter.html", web, user, page="meter", device_id=device_id, device=device,
        features=web.features(device_id), live_interval_s=web.hub.frames.interval_s,
        timezone=web.config.zone_of(device_id),
    )  # fmt: skip


def _chosen(web: WebState, device_id: str | None, feature: str | None) -> str:
    if device_id is not None:
        web.device(device_id)
        if feature and feature not in web.features(device_id):
            raise HTTPException(404, f"{device_id} has no {feature} page")
        return device_id
    for candidate in web.config.devices:
        if feature is None or feature in web.features(candidate):
            return candidate
    raise HTTPException(404, f"no meter has a {feature or 'history'} page")


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, web: State, user: User, device: str | None = None) -> HTMLResponse:
    chosen = _chosen(web, device, None)
    return render(
        request, "history.html", web, user, page="history", device_id=chosen,
        quantity=web.main_quantity(chosen), timezone=web.config.zone_of(chosen),
    )  # fmt: skip


@router.get("/capacity", response_class=HTMLResponse)
def capacity(request: Request, web: State, user: User, device: str | None = None) -> HTMLResponse:
    chosen = _chosen(web, device, "capacity")
    return render(
        request, "capacity.html", web, user, page="capacity", device_id=chosen,
        timezone=web.config.zone_of(chosen),
    )  # fmt: skip


@router.get("/prepaid", response_class=HTMLResponse)
def prepaid(request: Request, web: State, user: User, device: str | None = None) -> HTMLResponse:
    chosen = _chosen(web, device, "prepaid")
    return render(
        request, "prepaid.html", web, user, page="prepaid", device_id=chosen,
        accepts_tokens=chosen in web.keypads, timezone=web.config.zone_of(chosen),
    )  # fmt: skip


@router.get("/health", response_class=HTMLResponse)
def health(request: Request, web: State, user: User) -> HTMLResponse:
    boards = listing(web.boards.boards(), web.config) if web.boards is not None else None
    return render(request, "health.html", web, user, page="health", boards=boards)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI from static/vendor/swagger-ui: the page works on a LAN without internet."""
    return templates.TemplateResponse(request, "api_docs.html", {})


@router.get("/api/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


def install_error_pages(app: FastAPI) -> None:
    """Pages answer errors with a page; the API (and redirects) with JSON as usual."""

    async def handler(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if is_api(request.url.path) or error.status_code < 400:
            return await http_exception_handler(request, error)
        response = templates.TemplateResponse(
            request,
            "error.html",
            {**request.app.state.web.template_context(), **language_context(choose(request)),
             "status": error.status_code, "detail": error.detail, "csrf": None},
        )  # fmt: skip
        response.status_code = error.status_code
        return response

    app.add_exception_handler(StarletteHTTPException, handler)
