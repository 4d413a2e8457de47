"""Who may use the page: password hashes, sessions, lock-out, API tokens.

Sessions are random ids in an HttpOnly cookie; the server keeps only their SHA-256 (in
``<data_dir>/web/sessions.json``), so a login survives a restart and a copy of the file
opens nothing. Each session carries its own CSRF token for forms and scripts.

Sessions are bound to the credentials they were opened under (a fingerprint of the user
name, password hash and API tokens stored with them): after a change of any of these the
web service starts with none. ``meterhub web logout-all`` ends every session at once, the
running service's included, through a marker file the service checks on each request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config.web import WebConfig, is_loopback
from ..core.runtime.logs import kv

log = logging.getLogger("meterhub.web")

# scrypt cost: 2^15 × 8 × 128 B = 32 MiB and about 0.1 s per check on a small server,
# which also slows password guessing.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
SESSION_COOKIE = "meterhub_session"
LOGIN_CSRF_COOKIE = "meterhub_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_SESSIONS = 1000
MAX_TRACKED_KEYS = 10_000
SESSIONS_FILE = "sessions.json"
LOGOUT_ALL_FILE = "logout-all"  # holds the time before which every session is ended
SESSIONS_FORMAT = 2


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, log2_n: int = SCRYPT_LOG2_N) -> str:
    """A hash for ``web.login.password_hash``: ``scrypt:<log2 n>:<r>:<p>:<salt>:<hash>``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=2**log2_n, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM
    )
    return f"scrypt:{log2_n}:{SCRYPT_R}:{SCRYPT_P}:{_b64(salt)}:{_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a hash made by ``hash_password``."""
    _, log2_n, r, p, salt, expected = stored.split(":")
    digest = hashlib.scrypt(
        password.encode(),
        salt=_unb64(salt),
        n=2 ** int(log2_n),
        r=int(r),
        p=int(p),
        maxmem=SCRYPT_MAXMEM,
        dklen=len(_unb64(expected)),
    )
    return hmac.compare_digest(digest, _unb64(expected))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_fingerprint(username: str, password_hash: str | None, tokens: list[str]) -> str:
    """What sessions are bound to: changing the user, password or any API token changes it."""
    digest = hashlib.sha256(b"meterhub-sessions\0")
    for part in [username, password_hash or "", *sorted(tokens)]:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


@dataclass
class Session:
    csrf: str
    created: float
    expires: float


def end_all_sessions(web_dir: Path) -> None:
    """End every session opened until now, also those of a running web service."""
    web_dir.mkdir(parents=True, exist_ok=True)
    marker = web_dir / LOGOUT_ALL_FILE
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(repr(time.time()))
    os.replace(temporary, marker)


class SessionStore:
    """Logged-in browsers by the hash of their cookie; written through to a small file."""

    def __init__(self, web_dir: Path, max_age_s: float, credential: str) -> None:
        self.path, self.max_age_s, self.credential = web_dir / SESSIONS_FILE, max_age_s, credential
        self._marker = web_dir / LOGOUT_ALL_FILE
        self._marker_seen: float | None = None
        self._ended_before = 0.0
        self._sessions = self._load()

    def _load(self) -> dict[str, Session]:
        try:
            raw = json.loads(self.path.read_text())
            if raw.get("format") != SESSIONS_FORMAT or raw.get("credential") != self.credential:
                log.info("sessions ended: the login credentials changed, or an older file")
                self.path.unlink()
                return {}
            sessions = {k: Session(**v) for k, v in raw["sessions"].items()}
        except (FileNotFoundError, ValueError, TypeError, AttributeError, KeyError):
            return {}
        for session in sessions.values():  # a shorter session_days applies to open ones too
            session.expires = min(session.expires, session.created + self.max_age_s)
        return sessions

    def create(self) -> tuple[str, Session]:
        """A new session: (cookie value, session)."""
        self._purge()
        if len(self._sessions) >= MAX_SESSIONS:  # drop the oldest rather than grow without end
            oldest = min(self._sessions, key=lambda k: self._sessions[k].expires)
            del self._sessions[oldest]
        cookie, now = secrets.token_urlsafe(32), time.time()
        session = Session(csrf=secrets.token_urlsafe(24), created=now, expires=now + self.max_age_s)
        self._sessions[_digest(cookie)] = session
        self._save()
        return cookie, session

    def get(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        session = self._sessions.get(_digest(cookie))
        if session is None or session.expires < time.time():
            return None
        if session.created <= self._logged_out_before():
            self.end(cookie)
            return None
        return session

    def end(self, cookie: str | None) -> None:
        if cookie and self._sessions.pop(_digest(cookie), None) is not None:
            self._save()

    def _logged_out_before(self) -> float:
        """The time in the logout-all marker, re-read only when the file changes."""
        try:
            changed = self._marker.stat().st_mtime_ns
        except FileNotFoundError:
            return 0.0
        if changed != self._marker_seen:
            try:
                self._ended_before = float(self._marker.read_text())
            except (OSError, ValueError):
                self._ended_before = time.time()  # unreadable: end everything, to be safe
            self._marker_seen = changed
            log.info("every session ended (logout-all)", extra=kv(before=self._ended_before))
        return self._ended_before

    def _purge(self) -> None:
        now, ended = time.time(), self._logged_out_before()
        self._sessions = {
            k: s for k, s in self._sessions.items() if s.expires >= now and s.created > ended
        }

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        content = {
            "format": SESSIONS_FORMAT,
            "credential": self.credential,
            "sessions": {k: vars(s) for k, s in self._sessions.items()},
        }
        with os.fdopen(fd, "w") as out:
            json.dump(content, out)
        os.replace(temporary, self.path)


@dataclass
class LoginGuard:
    """Locks a key out after ``max_failures`` failures within ``window_s``.

    Keys are the client's address and the credential tried (``user:<name>``), so an
    attacker who changes address still meets the user's own limit.
    """

    max_failures: int
    window_s: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] < now - self.window_s:
            times.popleft()
        return times

    def locked_for_s(self, *keys: str) -> float:
        """Seconds until all of ``keys`` may try again (0: they may now)."""
        now = time.monotonic()
        waits = [0.0]
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                waits.append(max(times[-1] + self.window_s - now, 0.0))
        return max(waits)

    def fail(self, *keys: str) -> int:
        """Count a failure against each key; returns the attempts left before lock-out."""
        now = time.monotonic()
        left = self.max_failures
        for key in keys:
            times = self._recent(key, now)
            times.append(now)
            left = min(left, max(self.max_failures - len(times), 0))
        if len(self._failures) > MAX_TRACKED_KEYS:  # a scan must not fill memory
            since = now - self.window_s
            self._failures = {k: t for k, t in self._failures.items() if t and t[-1] >= since}
        return left

    def succeed(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


def address_key(address: str) -> str:
    return f"address:{address}"


def user_key(username: str) -> str:
    return f"user:{username.strip().casefold()}"


@dataclass
class Principal:
    """Who is asking: ``local`` (login off), ``session`` (browser) or ``token`` (script)."""

    kind: str
    csrf: str | None = None


class Auth:
    """The login settings in force, resolved once at start."""

    def __init__(self, web: WebConfig, data_dir: Path) -> None:
        login = web.login
        self.username = login.username
        self.password_hash = login.effective_password_hash()
        self.api_tokens = login.effective_api_tokens()
        self.enabled = self.password_hash is not None
        self.loopback_only = not self.enabled and is_loopback(web.host)
        credential = credential_fingerprint(self.username, self.password_hash, self.api_tokens)
        self.sessions = SessionStore(data_dir / "web", login.session_days * 86400, credential)
        self.guard = LoginGuard(login.max_failures, login.lockout_s)

    def token_valid(self, token: str) -> bool:
        # Every token is compared, so timing says nothing about which one nearly matched.
        matches = [hmac.compare_digest(token.encode(), t.encode()) for t in self.api_tokens]
        return any(matches)

    def check_login(self, username: str, password: str) -> bool:
        assert self.password_hash is not None
        right_user = hmac.compare_digest(username.encode(), self.username.encode())
        return verify_password(password, self.password_hash) and right_user


class StartRefused(RuntimeError):
    """The web service will not start with these settings; the message says what to change."""


def check_startable(web: WebConfig) -> None:
    """Refuse a page open to the network without a password, unless explicitly allowed."""
    if web.login.effective_password_hash() is not None or is_loopback(web.host):
        return
    if web.open_without_login:
        return
    raise StartRefused(
        f"web.host {web.host} makes the page reachable from the network, but no password "
        f"is set: set web.login.password_hash (or ${web.login.password_hash_env}) to the "
        "output of `meterhub web hash-password`, or bind web.host to 127.0.0.1"
    )
