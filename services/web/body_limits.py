"""Request bodies: a cap per route, and no body read for a caller without a credential.

A pure ASGI middleware in front of the app, because FastAPI reads a route's whole body
before its dependencies run: a 30 MB upload to a JSON route was read, then parsed on
the event loop every service shares under ``meterhub run all``, and with login on all
that happened before the 401. Here:

- login on, and neither a valid API token nor a live session: the app gets an empty
  body, so its own checks answer (401, the login redirect) and not a byte is read
  (the login form itself is the one body taken without a credential);
- a ``Content-Length`` over the route's cap: 413 before any of the body is read;
- a streamed body: 413 as soon as it passes the cap, without reading the rest.

Every cap is small, so what is read is cheap to parse on the loop.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from ..core.runtime.runner import until_cancelled
from .auth import SESSION_COOKIE, Auth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOGIN_FORM = ("POST", "/login")
BODY_OVER = "request body over {limit} bytes, the most this route takes"
# (method, path pattern, most bytes of body): the first match wins. No web route takes a
# camera frame (devices upload those to the capture gateway, capped at MAX_FRAME_BYTES).
BODY_LIMITS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("PUT", re.compile(r"/api/devices/[^/]+/rois"), 4 * 1024),  # 12 digit boxes and a display
    ("POST", re.compile(r"/api/devices/[^/]+/token"), 1024),  # 20 digits and some spacing
    ("POST", re.compile("/login"), 16 * 1024),  # the form's fields, URL-encoded
)
DEFAULT_BODY_LIMIT = 1024  # every other route takes no body, or a CSRF field at most


def body_limit(method: str, path: str) -> int:
    for wanted, pattern, limit in BODY_LIMITS:
        if method == wanted and pattern.fullmatch(path):
            return limit
    return DEFAULT_BODY_LIMIT


def has_credential(auth: Auth, connection: HTTPConnection) -> bool:
    """Whether the caller presents something that opens the page: login off, a valid API
    token, or a live session. Only a cheap first look: the routes check fully."""
    if not auth.enabled:
        return True
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return auth.token_valid(token.strip())
    return auth.sessions.get(connection.cookies.get(SESSION_COOKIE)) is not None


def _no_body() -> Receive:
    """An empty body, then nothing: a response that listens for the client going away
    (a file, a stream) must wait, not spin on empty bodies or read the real one."""
    given = False

    async def receive() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await until_cancelled()  # until the response is done and this is cancelled
        raise AssertionError("unreachable")

    return receive


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": BODY_OVER.format(limit=limit)},
        status_code=413,
        headers={"Connection": "close"},
    )


class BodyLimit:
    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        method, path = scope["method"], scope["path"]
        if (method, path) != LOGIN_FORM and not has_credential(self.auth, connection):
            await self.app(scope, _no_body(), send)
            return
        limit = body_limit(method, path)
        declared = connection.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        await self.app(scope, _capped(receive, limit), send)


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses (413) the chunk taking the body past ``limit``."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, BODY_OVER.format(limit=limit))
        return message

    return capped
