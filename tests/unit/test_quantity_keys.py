"""Every config field and message field naming a quantity is checked against the catalogue."""

from __future__ import annotations

import json

import pytest

from services.core.config import ConfigError, load_config_text
from services.core.messages import Correction, InvalidMessage

TYPO = "token_balanse_kwh"


@pytest.mark.parametrize(
    "text",
    [
        f"devices:\n  pln:\n    kind: camera\n    ocr:\n      quantity: {TYPO}\n",
        "devices:\n  pln:\n    kind: camera\n    ocr: {}\n"
        f"storage:\n  firebase:\n    legacy:\n      device: pln\n      quantity: {TYPO}\n",
        "devices:\n  pln:\n    kind: camera\n    ocr: {}\n"
        f"token_entry:\n  devices:\n    pln:\n      balance_quantity: {TYPO}\n",
    ],
    ids=["ocr", "firebase-legacy", "token-balance"],
)
def test_a_misspelt_quantity_is_a_config_error_naming_the_key(text: str) -> None:
    with pytest.raises(ConfigError, match=f"unknown quantity '{TYPO}'"):
        load_config_text(text)


def test_a_correction_of_an_unknown_quantity_is_refused() -> None:
    payload = json.dumps(
        {"device": "pln", "ts": "2026-01-01T00:00:00Z", "quantity": TYPO, "value": 1}
        | {"who": "x", "via": "web"}
    )
    with pytest.raises(InvalidMessage, match="unknown quantity"):
        Correction.from_payload(payload)


def test_a_keypad_balance_must_be_a_balance_quantity() -> None:
    text = "token_entry:\n  devices:\n    pln:\n      balance_quantity: power_w\n"
    with pytest.raises(ConfigError, match="'power_w' is not a balance quantity"):
        load_config_text(text)
