"""Token entry: how each meter's keypad is pressed and how long to wait for it.

Press and gap timing share their defaults and bounds with ``KeypadCommand``, the
message they end up in, so a config that validates is a command the bus accepts.
"""

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from ..messages import KeypadCommand
from ..quantities import QUANTITIES, TOKEN_BALANCE, QuantityKey, QuantityKind
from .base import Section

_PRESS = KeypadCommand.model_fields["press_ms"]
_GAP = KeypadCommand.model_fields["gap_ms"]
PressMs = Annotated[int, *_PRESS.metadata]
GapMs = Annotated[int, *_GAP.metadata]
# An STS token's length: the most digits a half-typed entry can hold.
TOKEN_DIGITS = 20
MAX_CLEAR_PRESSES = TOKEN_DIGITS


class KeypadLayout(Section):
    """The symbol the keypad firmware uses for each key of the meter (one character each)."""

    digits: str = Field(
        default="0123456789",
        min_length=10,
        max_length=10,
        description="Symbols of the keys 0, 1, ..., 9, in that order.",
    )
    enter: str = Field(
        default="E", min_length=1, max_length=1, description="Symbol of the Enter key (↵)."
    )
    backspace: str = Field(
        default="B", min_length=1, max_length=1, description="Symbol of the Backspace key (←)."
    )

    @model_validator(mode="after")
    def _distinct_visible_symbols(self) -> "KeypadLayout":
        symbols = [*self.digits, self.enter, self.backspace]
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"key symbols must all differ: {''.join(symbols)!r}")
        if not all(s.isprintable() and not s.isspace() for s in symbols):
            raise ValueError("key symbols must be visible characters")
        return self

    def symbol_of(self, key: str) -> str:
        """``key``: a digit, ``enter`` or ``backspace``."""
        return self.digits[int(key)] if key.isdigit() else getattr(self, key)

    def key_of(self, symbol: str) -> str | None:
        """The key a symbol presses (a digit, ``enter``, ``backspace``); None if unknown."""
        keys = {self.enter: "enter", self.backspace: "backspace"}
        keys.update({s: str(d) for d, s in enumerate(self.digits)})
        return keys.get(symbol)


class TokenKeypadConfig(Section):
    layout: KeypadLayout = Field(
        default_factory=KeypadLayout, description="Key symbols the keypad firmware presses."
    )
    press_ms: PressMs = Field(
        default=_PRESS.default, description="How long a solenoid holds a key down."
    )
    gap_ms: GapMs = Field(default=_GAP.default, description="Pause between two key presses.")
    clear_presses: int = Field(
        default=TOKEN_DIGITS,
        ge=0,
        le=MAX_CLEAR_PRESSES,
        description="Backspace presses before the digits, to clear a half-typed entry left "
        "on the meter (by a keypad that lost power or its connection mid-token, or a hand): "
        "a token typed after leftover digits is garbage, and a meter locks its keypad after "
        "repeated wrong entries. The default erases a whole token; Backspace on an empty "
        "entry does nothing.",
    )
    balance_quantity: QuantityKey = Field(
        default=TOKEN_BALANCE, description="Quantity of the meter's prepaid balance."
    )

    @field_validator("balance_quantity")
    @classmethod
    def _is_a_balance(cls, key: str) -> str:
        if QUANTITIES[key].kind is not QuantityKind.BALANCE:
            balances = sorted(k for k, q in QUANTITIES.items() if q.kind is QuantityKind.BALANCE)
            raise ValueError(f"{key!r} is not a balance quantity (one of {balances})")
        return key


class TokenEntryConfig(Section):
    devices: dict[str, TokenKeypadConfig] = Field(
        default_factory=dict,
        description="Keypad per device id. A camera meter whose display shows a balance "
        "gets the default keypad without being listed.",
    )
    ack_timeout_margin_s: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="Time for the keypad to take a command, and added to the time the "
        "presses themselves take before typing counts as failed.",
    )
    settle_s: float = Field(
        default=3.0,
        ge=0,
        le=120,
        description="Wait after the last key before photographing the new balance.",
    )
    baseline_max_age_s: float = Field(
        default=900.0,
        ge=0,
        description="A balance seen longer ago than this is photographed afresh before "
        "typing, so use since then is not mistaken for a refused token.",
    )
    verify_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Wait for a reading of the balance (a capture or a pre-typing baseline).",
    )
