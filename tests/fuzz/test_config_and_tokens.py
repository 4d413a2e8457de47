"""Config files and typed tokens: whatever a person writes is taken or refused with the
reason, and a refused config names where the problem is."""

from __future__ import annotations

import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.config import ConfigError, MeterhubConfig, load_config_text
from services.core.config.loader import effective_config
from services.domain.tokens import TOKEN_BITS, TokenRefused, normalise_token
from services.notifier.token_flow import normalise_token as bot_token_digits
from tests.fuzz.strategies import JSON_VALUES, SETTINGS

SECTIONS = sorted(MeterhubConfig.model_fields)
# ``file:line: field: why``, or ``file: why`` for what has no line.
PROBLEM = re.compile(r"^<fuzz>(:\d+)?: .")


def _loads_or_names_the_problem(text: str) -> None:
    try:
        loaded = load_config_text(text, "<fuzz>")
    except ConfigError as error:
        # Each problem starts a line; a key or a YAML excerpt may carry line breaks of its own.
        assert PROBLEM.match(str(error)), str(error)
        return
    effective_config(loaded)  # what `config check` prints must come out too


@settings(**SETTINGS)
@given(st.text(max_size=400))
def test_any_text_as_a_config_loads_or_names_the_problem(text: str) -> None:
    _loads_or_names_the_problem(text)


@settings(**SETTINGS)
@given(
    st.dictionaries(
        st.sampled_from(SECTIONS) | st.text(max_size=8),
        JSON_VALUES | st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5),
        max_size=4,
    )
)
def test_any_mapping_of_sections_loads_or_names_the_problem(sections: dict) -> None:
    _loads_or_names_the_problem(yaml.safe_dump(sections, allow_unicode=True))


@settings(**SETTINGS)
@given(
    device=st.text(max_size=12),
    fields=st.dictionaries(
        st.sampled_from(["kind", "name", "ocr", "serial", "rs485", "capture", "model"]),
        JSON_VALUES,
        max_size=4,
    ),
)
def test_any_device_entry_loads_or_names_the_problem(device: str, fields: dict) -> None:
    _loads_or_names_the_problem(yaml.safe_dump({"devices": {device: fields}}, allow_unicode=True))


TOKENISH = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 -", max_size=40),
    st.integers(0, 10**21).map(lambda n: f"{n:020d}"),
    st.text(alphabet="0123456789", min_size=20, max_size=20),
    st.just("²" * 20),
    st.just("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"),
)


@settings(**SETTINGS)
@given(TOKENISH)
def test_a_typed_token_is_twenty_ascii_digits_below_2_66_or_refused_with_a_reason(
    text: str,
) -> None:
    try:
        token = normalise_token(text)
    except TokenRefused as error:
        assert str(error).strip()
        return
    assert len(token) == 20 and token.isascii() and token.isdigit()
    assert int(token) < 2**TOKEN_BITS


@settings(**SETTINGS)
@given(st.lists(TOKENISH, max_size=5))
def test_the_bot_offers_only_digits_token_entry_can_type(parts: list[str]) -> None:
    """What the bot offers for confirmation must be plain digits: anything else fails later,
    after the user confirmed it."""
    digits = bot_token_digits(parts)
    if digits is not None:
        assert len(digits) == 20 and digits.isascii() and digits.isdigit()
        assert normalise_token(digits) == digits  # token entry would type it


def test_the_bot_does_not_offer_a_twenty_digit_number_past_66_bits() -> None:
    assert bot_token_digits([str(2**TOKEN_BITS)]) is None  # 20 digits, one past the limit
    assert bot_token_digits([str(2**TOKEN_BITS - 1)]) == str(2**TOKEN_BITS - 1)
    assert bot_token_digits(["1234", "5678", "9012", "3456", "7890"]) == "12345678901234567890"
