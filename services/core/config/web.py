"""The web page and REST API: where it listens and who may use it.

Login is on when a password hash is configured (``password_hash``, or the variable
named by ``password_hash_env``). Without one the page is served to this machine only:
a non-loopback ``host`` without a password is refused at start (see docs/web.md).
"""

import ipaddress
import os
import re

from pydantic import Field, SecretStr, field_validator

from .base import Section

# scrypt:<log2 n>:<r>:<p>:<salt, base64url>:<hash, base64url> -- no '$', so the hash
# survives shell, .env and compose interpolation unquoted.
PASSWORD_HASH = re.compile(r"^scrypt:\d{1,2}:\d{1,2}:\d{1,2}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$")
MIN_API_TOKEN_CHARS = 24
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the page on this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _hash_shape(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not PASSWORD_HASH.match(value.get_secret_value()):
        raise ValueError(
            "not a Meterhub password hash (make one with `meterhub web hash-password`)"
        )
    return value


def _token_length(token: str) -> str:
    if len(token) < MIN_API_TOKEN_CHARS:
        raise ValueError(f"an API token needs at least {MIN_API_TOKEN_CHARS} characters")
    return token


class WebLoginConfig(Section):
    """Sessions, lock-out and API tokens (only used when a password is configured)."""

    username: str = Field(
        default="admin", min_length=1, max_length=64, description="User name on the login page."
    )
    password_hash: SecretStr | None = Field(
        default=None,
        description="scrypt hash of the password (`meterhub web hash-password`); use "
        "{ENV_NAME}, or leave unset and set the variable named by password_hash_env.",
    )
    password_hash_env: str = Field(
        default="METERHUB_WEB_PASSWORD_HASH",
        description="Environment variable read for the hash when password_hash is unset.",
    )
    api_tokens: list[SecretStr] = Field(
        default_factory=list,
        description="Bearer tokens for scripts (Authorization: Bearer ...), at least "
        f"{MIN_API_TOKEN_CHARS} characters each; use {{ENV_NAME}}.",
    )
    api_tokens_env: str = Field(
        default="METERHUB_WEB_API_TOKENS",
        description="Environment variable with more API tokens, comma-separated.",
    )
    session_days: float = Field(
        default=30.0, gt=0, le=366, description="A login lasts this long on a browser."
    )
    max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins from one address before lock-out."
    )
    lockout_s: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="Failures count within this window, and a locked address waits this long.",
    )

    _hash = field_validator("password_hash")(_hash_shape)

    @field_validator("api_tokens")
    @classmethod
    def _long_tokens(cls, tokens: list[SecretStr]) -> list[SecretStr]:
        for token in tokens:
            _token_length(token.get_secret_value())
        return tokens

    def effective_password_hash(self) -> str | None:
        """The configured hash, else the environment's; ValueError if that one is malformed."""
        if self.password_hash is not None:
            return self.password_hash.get_secret_value()
        from_env = os.environ.get(self.password_hash_env, "").strip()
        if not from_env:
            return None
        _hash_shape(SecretStr(from_env))
        return from_env

    def effective_api_tokens(self) -> list[str]:
        tokens = [t.get_secret_value() for t in self.api_tokens]
        extra = os.environ.get(self.api_tokens_env, "")
        tokens += [_token_length(t.strip()) for t in extra.split(",") if t.strip()]
        return tokens


def _proxy_address(entry: str) -> str:
    """An address or network (``10.0.0.0/8``): what uvicorn's ``forwarded_allow_ips`` takes,
    less ``*``, which would let any client pick the address the lock-out sees."""
    try:
        ipaddress.ip_network(entry)
    except ValueError:
        raise ValueError(
            f"web.trusted_proxies: {entry!r} is not an IP address or network (a name or '*' "
            "would let a client choose its own address)"
        ) from None
    return entry


class WebConfig(Section):
    enabled: bool = Field(default=True, description="Serve the web page and REST API.")
    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8080, ge=0, le=65535, description="Port to listen on (0: any free).")
    discover_boards: bool = Field(
        default=True,
        description="List on the health page the boards that announce themselves over mDNS "
        "(`_meterhub._tcp`), with a hint for those not in the config.",
    )
    login: WebLoginConfig = Field(
        default_factory=WebLoginConfig, description="Password, sessions, lock-out, API tokens."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (IP addresses or networks) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; from anyone else they are ignored, so a client "
        "cannot choose the address its failed logins count against. Empty: none.",
    )
    open_without_login: bool = Field(
        default=False,
        description="Serve a non-loopback host without a password. Only behind a reverse "
        "proxy that asks for a login itself; otherwise anyone on the network may type "
        "tokens into your meter.",
    )

    live_view_interval_s: float = Field(
        default=1.0,
        ge=0.2,
        le=60.0,
        description="Seconds between the captures a camera meter's page asks for while its "
        "live view is on (and someone watches); the frames come as fast as the camera sends them.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        return [_proxy_address(entry.strip()) for entry in value]
