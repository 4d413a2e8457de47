"""Lock-out runs without a broker: what counts toward replacing a stored value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.core.config.devices import OcrConfig
from services.core.quantities import QUANTITIES
from services.ocr_worker.lockout import Lockouts
from services.ocr_worker.pipeline import Judgement
from services.ocr_worker.plausibility import Limits, Sample

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
QUANTITY = QUANTITIES["energy_import_kwh"]
OCR = OcrConfig(
    digits=6, decimals=1, quantity="energy_import_kwh", plausibility={"max_value": 200000}
)
LIMITS = Limits.for_quantity(OCR.plausibility, QUANTITY, OCR.decimals)
WRONG = Sample(T0 - timedelta(minutes=1), 99999.9)


def refused(lockouts: Lockouts, value: float, seconds: float, previous: Sample | None = WRONG):
    judgement = Judgement(QUANTITY.kind, LIMITS, previous, T0 + timedelta(seconds=seconds))
    return lockouts.refused("pln", judgement, value, OCR)


def test_agreeing_frames_unlock_only_once_they_span_the_minimum() -> None:
    lockouts = Lockouts()
    steps = [refused(lockouts, 12345.7, s) for s in (0, 30, 60, 90)]
    assert [s.agreeing for s in steps] == [1, 2, 3, 4] and not any(s.unlocked for s in steps)
    done = refused(lockouts, 12345.8, 120)
    assert done.unlocked and done.corrected_from == 99999.9 and done.span_s == 120
    assert refused(lockouts, 12345.8, 130).agreeing == 1  # a fresh start after unlocking


def test_an_outlier_or_a_value_wrong_by_itself_breaks_the_run() -> None:
    lockouts = Lockouts()
    refused(lockouts, 12345.7, 0)
    refused(lockouts, 12345.7, 60)
    assert refused(lockouts, 54321.0, 90).agreeing == 1  # disagrees: starts its own run
    assert refused(lockouts, 12345.7, 120).agreeing == 1
    assert refused(lockouts, 300000.0, 150).agreeing == 0  # above max_value: never counts
    assert refused(lockouts, 12345.7, 300).agreeing == 1


def test_a_rise_faster_than_the_limits_between_frames_is_no_agreement() -> None:
    lockouts = Lockouts()
    refused(lockouts, 12345.7, 0)
    assert refused(lockouts, 12346.0, 60).agreeing == 2  # 0.3 kWh in a minute: possible
    assert refused(lockouts, 12400.0, 120).agreeing == 1  # 54 kWh in a minute: not


def test_release_ends_a_run_and_no_run_starts_without_a_stored_value() -> None:
    lockouts = Lockouts()
    refused(lockouts, 12345.7, 0)
    refused(lockouts, 12345.7, 60)
    lockouts.release("pln")
    assert refused(lockouts, 12345.7, 200).agreeing == 1
    assert refused(lockouts, 12345.7, 400, previous=None).agreeing == 0
