"""FastAPI dependencies that guard every route but ``/healthz`` and the login page.

- Login on: a session cookie (browsers) or ``Authorization: Bearer`` (scripts). A
  browser's writes also carry the session's CSRF token (header ``X-CSRF-Token`` or form
  field ``csrf_token``); a bearer request has no ambient credentials, so needs none.
- Login off (no password, loopback only): anyone on this machine; requests whose
  ``Host`` is not a loopback name are refused, so a web site cannot reach the page
  through a DNS name pointing at 127.0.0.1.
- Always: a write whose ``Origin`` is another site is refused.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Auth, Principal, address_key

API_PREFIXES = ("/api/", "/current/", "/meter/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def client_address(request: Request) -> str:
    """The peer's address; ``X-Forwarded-For`` counts only from ``web.trusted_proxies``
    (uvicorn replaces the peer with it there, see service.py)."""
    return request.client.host if request.client else "unknown"


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def check_origin(request: Request) -> None:
    """A write from a page of another site (a forged form, a script) is refused."""
    origin = request.headers.get("origin")
    if request.method not in UNSAFE_METHODS or origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(403, "cross-site request refused (Origin is another site)")


def _check_loopback_host(request: Request) -> None:
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise HTTPException(403, "login is off, so this page answers only to 127.0.0.1 / localhost")


def lockout(auth: Auth, *keys: str) -> None:
    """429 while any of ``keys`` (the address, the user name tried) is locked out."""
    wait = auth.guard.locked_for_s(*keys)
    if wait > 0:
        raise HTTPException(
            429,
            "too many failed logins for this user or from this address; "
            f"try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )


async def check_csrf(request: Request, expected: str) -> None:
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not supplied or not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise HTTPException(403, "missing or wrong CSRF token (reload the page)")


def _bearer(auth: Auth, request: Request, header: str) -> Principal:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Authorization must be 'Bearer <API token>'")
    # A valid token passes even from a locked-out address: the address may be shared
    # (a proxy, this machine), and tokens are too long to guess.
    if auth.token_valid(token.strip()):
        return Principal("token")
    address = address_key(client_address(request))
    lockout(auth, address)
    auth.guard.fail(address)
    raise HTTPException(401, "unknown API token", headers={"WWW-Authenticate": "Bearer"})


# Declared so the OpenAPI page offers "Authorize"; the header itself is read below.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token from web.login.api_tokens.")


async def require_user(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Principal:
    """The route's caller, or 401 (API) / a redirect to the login page (pages)."""
    auth: Auth = request.app.state.auth
    check_origin(request)
    if not auth.enabled:
        if auth.loopback_only:
            _check_loopback_host(request)
        return Principal("local")
    header = request.headers.get("authorization")
    if header:
        return _bearer(auth, request, header)
    session = auth.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        if request.method in UNSAFE_METHODS:
            await check_csrf(request, session.csrf)
        return Principal("session", session.csrf)
    if is_api(request.url.path):
        raise HTTPException(
            401,
            "log in first: a session cookie from /login, or Authorization: Bearer <API token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(303, "log in first", headers={"Location": f"/login?next={quote(target)}"})


def safe_next(target: str | None) -> str:
    """Only a path on this site is followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
