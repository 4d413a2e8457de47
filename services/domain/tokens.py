"""What counts as a token, and the key presses that type one.

An STS token (IEC 62055-41), the kind PLN sells, is a 66-bit number written as 20
decimal digits. Twenty digits reach past 2^66, so a 20-digit value at or above it is a
typo, not a token; it is refused before a single key is pressed, because a meter locks
its keypad after repeated wrong entries.
"""

from __future__ import annotations

import re

from ..core.config import MeterhubConfig
from ..core.config.token_entry import TOKEN_DIGITS, TokenKeypadConfig
from ..core.quantities import QUANTITIES, QuantityKind

# TOKEN_DIGITS is defined beside the keypad's config (a layer below, which clears that
# many digits); services take both from here.
TOKEN_BITS = 66
_SEPARATORS = re.compile(r"[\s-]+")
_TOKEN = re.compile(rf"[0-9]{{{TOKEN_DIGITS}}}")


class TokenRefused(ValueError):
    """A token that is not typed; ``str(error)`` says why, for the user."""


def normalise_token(text: str) -> str:
    """The 20 digits of ``text`` (spaces and dashes dropped), or TokenRefused saying why."""
    token = _SEPARATORS.sub("", text)
    if not token:
        raise TokenRefused("no token given")
    if not token.isascii() or not token.isdigit():
        raise TokenRefused("a token has only digits (spaces and dashes are allowed between)")
    if not _TOKEN.fullmatch(token):
        raise TokenRefused(f"a token has {TOKEN_DIGITS} digits, this has {len(token)}")
    if int(token) >= 2**TOKEN_BITS:
        raise TokenRefused(
            f"not a token: {TOKEN_DIGITS}-digit tokens are below {2**TOKEN_BITS} "
            f"({TOKEN_BITS} bits); check the digits"
        )
    return token


def grouped(token: str) -> str:
    """``1234 5678 ...`` as printed on a PLN receipt, for messages."""
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


def key_sequence(token: str, keypad: TokenKeypadConfig) -> str:
    """Clearing Backspaces, the digits, then Enter, as the keypad firmware's symbols."""
    layout = keypad.layout
    return (
        layout.backspace * keypad.clear_presses
        + "".join(layout.symbol_of(digit) for digit in token)
        + layout.enter
    )


def typing_time_s(keys: int, press_ms: int, gap_ms: int) -> float:
    """How long the solenoids need for ``keys`` presses: each held, gaps between."""
    return (keys * press_ms + max(keys - 1, 0) * gap_ms) / 1000


def keypads(config: MeterhubConfig) -> dict[str, TokenKeypadConfig]:
    """Meters that take tokens: those listed, and every camera meter showing a balance."""
    found: dict[str, TokenKeypadConfig] = {}
    for device, settings in config.devices.items():
        listed = config.token_entry.devices.get(device)
        shown = QUANTITIES.get(settings.ocr.quantity) if settings.ocr else None
        if listed is not None:
            found[device] = listed
        elif shown is not None and shown.kind is QuantityKind.BALANCE:
            found[device] = TokenKeypadConfig(balance_quantity=shown.key)
    return found


def masked(token: str) -> str:
    """A token as the ``rejected`` topic shows it: a bought token is money, so only its end."""
    return f"…{token[-4:]}" if len(token) > 4 else token
