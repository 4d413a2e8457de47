"""The password file `meterhub broker config` writes: hard to attack, and mosquitto takes it."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from services.broker.passwords import hash_password, render_passwd
from tests.security.brokers import BAD_LOGIN, PASSWORDS, SUCCESS, Client, generated_broker

# mosquitto_passwd's 101 PBKDF2 rounds cost an attacker nothing; well above that, not
# far from OWASP's figure, while a login still costs the broker little (docs/security.md).
MIN_ITERATIONS = 50_000


def _fields(line: str) -> tuple[str, int, bytes, bytes]:
    user, _, hashed = line.partition(":")
    _, kind, iterations, salt, digest = hashed.split("$")
    assert kind == "7"  # PBKDF2-HMAC-SHA512
    return user, int(iterations), base64.b64decode(salt), base64.b64decode(digest)


def test_hashes_are_pbkdf2_sha512_with_many_iterations() -> None:
    user, iterations, salt, digest = _fields(render_passwd({"pln": "pln-secret"}).strip())
    assert user == "pln" and iterations >= MIN_ITERATIONS and len(salt) == 12
    assert digest == hashlib.pbkdf2_hmac("sha512", b"pln-secret", salt, iterations)
    assert hash_password("pln-secret") != hash_password("pln-secret")  # salted


def test_the_broker_accepts_the_strong_hashes(tmp_path: Path) -> None:
    broker = generated_broker(tmp_path, ["pln"], PASSWORDS)
    for line in (tmp_path / "passwd").read_text().splitlines():
        assert _fields(line)[1] >= MIN_ITERATIONS
    with broker:
        good = Client(broker.host, broker.port, "pln", PASSWORDS["pln"])
        wrong = Client(broker.host, broker.port, "pln", "pln-secreT")
        try:
            assert good.connack == SUCCESS
            assert wrong.connack in BAD_LOGIN
        finally:
            good.close()
            wrong.close()
