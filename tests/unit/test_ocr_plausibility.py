"""Plausibility rules by quantity kind, one table row per case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.core.config.devices import OcrPlausibility
from services.core.quantities import QUANTITIES, QuantityKind
from services.ocr_worker.plausibility import RULES, Limits, Sample, judge

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
COUNTER = Limits.for_quantity(OcrPlausibility(), QUANTITIES["energy_import_kwh"], decimals=1)
BALANCE = Limits.for_quantity(OcrPlausibility(), QUANTITIES["token_balance_kwh"], decimals=2)
GAUGE = Limits.for_quantity(
    OcrPlausibility(min_value=0, max_value=300), QUANTITIES["voltage_l1_v"], decimals=1
)
# A six-drum register with one decimal: 99999.9 is its last value before 00000.0.
REGISTER = Limits.for_quantity(
    OcrPlausibility(), QUANTITIES["energy_import_kwh"], decimals=1, digits=6
)
FAST_SIM = Limits.for_quantity(
    OcrPlausibility(), QUANTITIES["token_balance_kwh"], decimals=2, rate_scale=3600
)


def at(seconds: float, value: float) -> Sample:
    return Sample(T0 + timedelta(seconds=seconds), value)


# (name, kind, limits, previous, new, reason fragment or None, top_up)
CASES = [
    ("first reading", QuantityKind.COUNTER, COUNTER, None, at(0, 12345.6), None, None),
    ("counter steady", QuantityKind.COUNTER, COUNTER, at(0, 100.0), at(60, 100.0), None, None),
    ("counter at 3 kW", QuantityKind.COUNTER, COUNTER, at(0, 100.0), at(3600, 103.0), None, None),
    (
        "one digit step at once",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 100.0),
        at(1, 100.1),
        None,
        None,
    ),
    (
        "counter backwards",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 100.0),
        at(60, 99.9),
        "went backwards",
        None,
    ),
    (
        "counter at 100 kW",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 100.0),
        at(60, 101.7),
        "rose too fast",
        None,
    ),
    (
        "a misread first digit",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 1234.5),
        at(60, 7234.5),
        "rose too fast",
        None,
    ),
    # A register turns over from all nines to zero; a reading just as far back is a misread.
    ("turns over", QuantityKind.COUNTER, REGISTER, at(0, 99999.8), at(60, 0.1), None, None),
    (
        "turns over too fast",
        QuantityKind.COUNTER,
        REGISTER,
        at(0, 99990.0),
        at(60, 0.1),
        "went backwards",
        None,
    ),
    (
        "backwards, not at full scale",
        QuantityKind.COUNTER,
        REGISTER,
        at(0, 50000.2),
        at(60, 50000.1),
        "went backwards",
        None,
    ),
    (
        "a late frame from before the turn",
        QuantityKind.COUNTER,
        REGISTER,
        at(60, 0.2),
        at(0, 99999.9),
        None,
        None,
    ),
    (
        "no digits known: no turn believed",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 99999.8),
        at(60, 0.1),
        "went backwards",
        None,
    ),
    # A frame delivered late is judged against the later state, in time order.
    (
        "late frame, older and lower",
        QuantityKind.COUNTER,
        COUNTER,
        at(60, 100.5),
        at(0, 100.1),
        None,
        None,
    ),
    (
        "late frame, older but higher",
        QuantityKind.COUNTER,
        COUNTER,
        at(60, 100.5),
        at(0, 100.9),
        "went backwards",
        None,
    ),
    (
        "same instant, other value",
        QuantityKind.COUNTER,
        COUNTER,
        at(0, 100.0),
        at(0, 100.5),
        "rose too fast",
        None,
    ),
    (
        "balance falls at 450 W",
        QuantityKind.BALANCE,
        BALANCE,
        at(0, 127.0),
        at(3600, 126.55),
        None,
        None,
    ),
    (
        "balance falls at 60 kW",
        QuantityKind.BALANCE,
        BALANCE,
        at(0, 127.0),
        at(60, 126.0),
        "fell too fast",
        None,
    ),
    (
        "balance flickers one step up",
        QuantityKind.BALANCE,
        BALANCE,
        at(0, 127.0),
        at(60, 127.01),
        None,
        None,
    ),
    (
        "balance creeps up",
        QuantityKind.BALANCE,
        BALANCE,
        at(0, 127.0),
        at(60, 127.5),
        "less than a top-up",
        None,
    ),
    ("token of 20 kWh", QuantityKind.BALANCE, BALANCE, at(0, 127.0), at(60, 147.0), None, 20.0),
    (
        "token seen by a late frame",
        QuantityKind.BALANCE,
        BALANCE,
        at(60, 147.0),
        at(0, 127.0),
        None,
        None,
    ),
    # The original prepaid bot once said "Sisa token kamu: 6789*".
    (
        "garbage 6789",
        QuantityKind.BALANCE,
        BALANCE,
        at(0, 127.0),
        at(60, 6789.0),
        "more than a top-up",
        None,
    ),
    (
        "simulated meter at 3600x",
        QuantityKind.BALANCE,
        FAST_SIM,
        at(0, 127.0),
        at(2, 126.1),
        None,
        None,
    ),
    ("gauge jumps freely", QuantityKind.GAUGE, GAUGE, at(0, 230.0), at(1, 20.0), None, None),
    (
        "gauge out of range",
        QuantityKind.GAUGE,
        GAUGE,
        at(0, 230.0),
        at(1, 2300.0),
        "above the highest",
        None,
    ),
]


@pytest.mark.parametrize(
    ("kind", "limits", "previous", "new", "reason", "top_up"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_plausibility(kind, limits, previous, new, reason, top_up):
    verdict = judge(kind, previous, new, limits)
    if reason is None:
        assert verdict.accepted, verdict.reason
    else:
        assert not verdict.accepted and reason in verdict.reason
    assert verdict.top_up == top_up


def test_every_quantity_kind_has_rules_and_every_catalogued_quantity_a_kind():
    # Forecasts are derived by storage into ``state``; no reading (so no frame) carries one.
    assert set(RULES) == set(QuantityKind) - {QuantityKind.FORECAST}
    assert {q.kind for q in QUANTITIES.values()} <= set(RULES)


def test_a_configured_rate_replaces_the_default_for_the_unit():
    slow = Limits.for_quantity(
        OcrPlausibility(max_rate_per_h=2.0), QUANTITIES["energy_import_kwh"], decimals=1
    )
    assert judge(QuantityKind.COUNTER, at(0, 100.0), at(3600, 103.0), COUNTER).accepted
    verdict = judge(QuantityKind.COUNTER, at(0, 100.0), at(3600, 103.0), slow)
    assert "rose too fast" in verdict.reason and "at most 2 kWh/h" in verdict.reason
