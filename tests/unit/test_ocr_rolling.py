"""Drum counters caught between digits resolve the way the mechanism turns, or not at all."""

from __future__ import annotations

import numpy as np
import pytest

from services.ocr_worker.rolling import (
    SNAP,
    DrumPosition,
    UnresolvableRoll,
    drum_position,
    resolve,
)
from services.simulator.drum import READ_SNAP, drum_turns, lower_steps, shown_steps


def drums(*turns: float) -> list[DrumPosition]:
    """Drums left to right from their positions on the 0–10 circle (3.4: 40 % past 3)."""
    return [DrumPosition(int(t) % 10, round(t - int(t), 6), 1.0) for t in turns]


@pytest.mark.parametrize(
    ("turns", "shown"),
    [
        ((1, 2, 3, 4, 5, 6, 7), "1234567"),
        ((1, 2, 3, 4, 5, 6, 7.5), "1234567"),  # the last drum halfway: the lower digit
        ((4.5, 9.5), "49"),  # carried halfway: both still show the lower digit
        ((4.95, 9.95), "50"),  # within a snap of the next digit: it shows
        ((5, 9.95), "50"),  # the left drum read as a clean 5 fits the same position
        ((4, 9.02), "49"),  # the carry has barely begun
        ((3.5, 9.5, 9.5), "399"),  # a carry through two drums
        ((3.97, 9.97, 9.97), "400"),
        ((9.96, 9.96, 9.96), "000"),  # the register wraps
        ((0, 0, 0.3), "000"),
        ((0.96, 0.04), "10"),  # misfits of a few hundredths are estimation noise
    ],
)
def test_drums_resolve_to_what_a_meter_reader_writes_down(turns, shown):
    assert resolve(drums(*turns)).digits == shown


@pytest.mark.parametrize(
    ("turns", "why"),
    [
        ((4.5, 3.0), "digit 1 stands 0.50 of the way from 4 to 5 while the drum to its right"),
        ((2, 4.5, 7.2), "digit 2"),
        ((5.0, 9.5), "carried it 0.50"),  # a drum that turned on its own, ahead of the carry
        ((1.5, 9.0, 9.0), "digit 1"),
    ],
)
def test_a_drum_between_digits_without_a_carry_is_rejected(turns, why):
    with pytest.raises(UnresolvableRoll, match=why):
        resolve(drums(*turns))


@pytest.mark.parametrize(
    ("true_turn", "measured", "shown"),
    [
        (9.85, 9.90, "49"),  # short of the last tenth: only the lower digit is right
        (9.91, 9.87, "49"),  # in the last tenth, measured short: the lower digit, right
        (9.93, 9.96, "50"),  # measured past 0.95: the next digit, right (it looks at rest)
        (9.99, 9.94, "49"),  # measured short by 0.05: still one of the two right numbers
        (0.02, 9.99, "50"),  # at rest on the next digit, measured a hair before it
    ],
)
def test_the_last_drum_ticking_over_reads_one_of_the_two_right_numbers(
    true_turn: float, measured: float, shown: str
) -> None:
    """In the last ``SNAP`` of a step both the register's fully turned digit and the
    next one are right; with the turn measured to within ``turn_error`` either way, the
    reading is always one of them, never a refusal."""
    steps = 40 + true_turn if true_turn >= 1 else 50 + true_turn
    right = {f"{shown_steps(steps, 2):02d}", f"{lower_steps(steps, 2):02d}"}
    carried = 4 + max(0.0, measured - 9.0)
    read = resolve(drums(carried, measured), turn_error=0.05).digits
    assert read == shown and read in right


def test_every_register_value_the_simulated_counter_shows_resolves_to_its_reading():
    """The renderer's mechanism (carry during the right drum's last step) and the
    resolver agree for positions read exactly, across wraps of every drum."""
    assert SNAP == READ_SNAP
    rng = np.random.default_rng(11)
    values = [
        *rng.uniform(0, 10**7, 3000),
        *(
            k * 10**e - d
            for e in range(1, 7)
            for k in (1, 3)
            for d in (0.01, 0.05, 0.08, 0.12, 0.5, 0.95)
        ),
    ]
    for value in values:
        turns = drum_turns(value, 7)
        assert resolve(drums(*turns)).digits == f"{shown_steps(value, 7):07d}", value


@pytest.mark.parametrize(
    ("probabilities", "lower", "fraction"),
    [
        ({3: 0.6, 4: 0.4}, 3, 0.4),
        ({4: 0.7, 3: 0.3}, 3, 0.7),
        ({9: 0.5, 0: 0.5}, 9, 0.5),  # 9 rolls to 0
        ({0: 0.8, 9: 0.2}, 9, 0.8),
        ({6: 0.9, 2: 0.1}, 6, 0.0),  # two unrelated digits: not a drum between them
    ],
)
def test_drum_position_follows_the_classifier_convention(probabilities, lower, fraction):
    p = np.zeros(10)
    for digit, value in probabilities.items():
        p[digit] = value
    position = drum_position(p)
    assert (position.lower, round(position.fraction, 6)) == (lower, fraction)


def test_the_turn_of_a_rolling_drum_is_measured_from_the_still_ones():
    """Where the classifier's fraction is coarse, the digits' rows of ink against those
    of the drums at rest measure it to about a hundredth of a step."""
    from services.core.config.devices import OcrConfig
    from services.core.config.simulator import FrameEffects
    from services.ocr_worker.drum_geometry import measure
    from services.ocr_worker.geometry import crop
    from services.simulator.drum import DrumLayout, render_drum_frame

    rng = np.random.default_rng(5)
    layout, ocr = DrumLayout(7), OcrConfig(display="drum", digits=7, decimals=1)
    errors = []
    for fraction in np.linspace(0.03, 0.97, 25):
        value = 1234560 + 7 + fraction  # six drums at rest, the last between 7 and 8
        image = render_drum_frame(value, 7, FrameEffects(blur=0.6, noise=4), rng, shift_px=2)
        cells = [crop(image, layout.drum_box(i)).image for i in range(ocr.digits)]
        at_rest = [DrumPosition(d, 0.0, 1.0) for d in (1, 2, 3, 4, 5, 6)]
        measured = measure(cells, [*at_rest, DrumPosition(7, 0.5, 0.5)])
        assert measured[-1] is not None, fraction
        error = abs(measured[-1].fraction - fraction)
        errors.append(min(error, 1 - error))  # 0.97 of the way and the next digit at rest agree
    assert np.median(errors) < 0.015 and max(errors) < 0.04, np.round(errors, 3)


def test_a_carry_through_most_drums_is_measured_against_the_drums_at_rest():
    """4599.88: the four right drums are 0.88 of the way on and look still to the
    classifier (standing on 6000). They outnumber the three drums at rest, yet the place
    of rest is taken from those: the carried drums measure near 0.88, not 0 (which read
    4600.0 where the meter showed 4599.9)."""
    from services.core.config.simulator import FrameEffects
    from services.ocr_worker.drum_geometry import measure
    from services.ocr_worker.geometry import crop
    from services.simulator.drum import DrumLayout, render_drum_frame

    rng = np.random.default_rng(3)
    layout = DrumLayout(7)
    looks_still = [DrumPosition(d, 0.0, 1.0) for d in (0, 0, 4, 6, 0, 0, 0)]
    for _ in range(5):
        effects = FrameEffects(blur=0.6, noise=4, perspective=0.02)
        image = render_drum_frame(45999.88, 7, effects, rng, shift_px=3)
        cells = [crop(image, layout.drum_box(i)).image for i in range(7)]
        measured = measure(cells, looks_still)
        assert all(m is not None for m in measured)
        assert [round(m.fraction, 1) for m in measured[:3]] == [0.0, 0.0, 0.0]
        assert all(abs(m.fraction - 0.88) < 0.04 for m in measured[3:]), measured


def test_still_looking_drums_that_sit_apart_with_one_at_rest_reject_the_frame():
    """The same carry with the two leading drums unsure: one drum at rest is too little
    to measure against, and the classifier called turned drums still, so its own
    fractions are not read either (they read 4600.0)."""
    from services.core.config.simulator import FrameEffects
    from services.ocr_worker.drum_geometry import measure
    from services.ocr_worker.geometry import crop
    from services.simulator.drum import DrumLayout, render_drum_frame

    rng = np.random.default_rng(4)
    layout = DrumLayout(7)
    unsure = [DrumPosition(9, 0.9, 0.5)] * 2
    looks_still = [*unsure, *(DrumPosition(d, 0.0, 1.0) for d in (4, 6, 0, 0, 0))]
    image = render_drum_frame(45999.88, 7, FrameEffects(blur=0.6, noise=4), rng, shift_px=3)
    cells = [crop(image, layout.drum_box(i)).image for i in range(7)]
    with pytest.raises(UnresolvableRoll, match="digits 3 and 4 both look at rest"):
        measure(cells, looks_still)
