"""Who may use the page: password hashes, sessions, lock-out, API tokens.

Sessions are random ids in an HttpOnly cookie; the server keeps only their SHA-256 (in
``<data_dir>/web/sessions.json``), so a login survives a restart and a copy of the file
opens nothing. Each session carries its own CSRF token for forms and scripts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config.web import WebConfig, is_loopback

# scrypt cost: 2^15 × 8 × 128 B = 32 MiB and about 0.1 s per check on a small server,
# which also slows password guessing.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
SESSION_COOKIE = "meterhub_session"
LOGIN_CSRF_COOKIE = "meterhub_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_SESSIONS = 1000
MAX_TRACKED_ADDRESSES = 10_000


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


@dataclass
class Session:
    csrf: str
    expires: float


class SessionStore:
    """Logged-in browsers by the hash of their cookie; written through to a small file."""

    def __init__(self, path: Path, max_age_s: float) -> None:
        self.path, self.max_age_s = path, max_age_s
        self._sessions: dict[str, Session] = {}
        try:
            raw = json.loads(path.read_text())
            self._sessions = {k: Session(**v) for k, v in raw.items()}
        except (FileNotFoundError, ValueError, TypeError):
            pass

    def create(self) -> tuple[str, Session]:
        """A new session: (cookie value, session)."""
        self._purge()
        if len(self._sessions) >= MAX_SESSIONS:  # drop the oldest rather than grow without end
            oldest = min(self._sessions, key=lambda k: self._sessions[k].expires)
            del self._sessions[oldest]
        cookie = secrets.token_urlsafe(32)
        session = Session(csrf=secrets.token_urlsafe(24), expires=time.time() + self.max_age_s)
        self._sessions[_digest(cookie)] = session
        self._save()
        return cookie, session

    def get(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        session = self._sessions.get(_digest(cookie))
        if session is None or session.expires < time.time():
            return None
        return session

    def end(self, cookie: str | None) -> None:
        if cookie and self._sessions.pop(_digest(cookie), None) is not None:
            self._save()

    def _purge(self) -> None:
        now = time.time()
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires >= now}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({k: vars(s) for k, s in self._sessions.items()}, out)
        os.replace(temporary, self.path)


@dataclass
class LoginGuard:
    """Locks an address out after ``max_failures`` failures within ``window_s``."""

    max_failures: int
    window_s: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.setdefault(address, deque())
        while times and times[0] < now - self.window_s:
            times.popleft()
        return times

    def locked_for_s(self, address: str) -> float:
        """Seconds until ``address`` may try again (0: it may now)."""
        now = time.monotonic()
        times = self._recent(address, now)
        if len(times) < self.max_failures:
            return 0.0
        return max(times[-1] + self.window_s - now, 0.0)

    def fail(self, address: str) -> int:
        """Count a failure; returns the attempts left before lock-out."""
        now = time.monotonic()
        times = self._recent(address, now)
        times.append(now)
        if len(self._failures) > MAX_TRACKED_ADDRESSES:  # a scan must not fill memory
            since = now - self.window_s
            self._failures = {a: t for a, t in self._failures.items() if t and t[-1] >= since}
        return max(self.max_failures - len(times), 0)

    def succeed(self, address: str) -> None:
        self._failures.pop(address, None)


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
        self.sessions = SessionStore(data_dir / "web" / "sessions.json", login.session_days * 86400)
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
