"""Hypothesis strategies for bad input: noise, and real messages broken in small ways.

Noise tests the first check of each parser; a real message with a byte changed and its
checksum made right again gets past the checksum into the code behind it, which is
where a parser that trusts its input breaks.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from services.core.quantities import QUANTITIES
from services.simulator.p1 import P1MeterModel

SETTINGS = {"max_examples": 100, "deadline": None}
QUANTITY_NAMES = sorted(QUANTITIES)


def real_telegram(seed: int = 1) -> str:
    return P1MeterModel(rng=random.Random(seed)).telegram(datetime(2026, 11, 22, 5, tzinfo=UTC))


@st.composite
def mutated(draw: st.DrawFn, original: bytes, max_changes: int = 4) -> bytes:
    """``original`` with a few bytes changed, inserted, deleted, or cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_changes))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "cut"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            del data[at:]
    return bytes(data)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def broken_reading(draw: st.DrawFn) -> bytes:
    """A Reading's JSON with one field missing, of the wrong type, or out of range."""
    reading: dict[str, Any] = {
        "device": "m1",
        "ts": "2026-11-22T05:00:00Z",
        "source": "p1",
        "values": {draw(st.sampled_from(QUANTITY_NAMES)): 1.0},
        "confidence": 0.9,
    }
    field = draw(st.sampled_from([*reading, "extra"]))
    how = draw(st.sampled_from(["drop", "replace"]))
    if how == "drop" and field in reading:
        del reading[field]
    else:
        reading[field] = draw(
            st.one_of(
                JSON_VALUES,
                st.sampled_from(
                    [
                        "2026-11-22T05:00:00",  # no zone
                        "yesterday",
                        {"no_such_quantity": 1},
                        {"power_w": "many"},
                        {},
                        "../../etc",
                        "UPPER",
                        -1,
                        2,
                    ]
                ),
            )
        )
    text = json.dumps(reading)
    # JSON has no NaN or infinity; Python's json writes them and a sloppy device might too.
    if draw(st.booleans()):
        text = text.replace("1.0", draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999"])))
    return text.encode()


BAD_BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(str.encode),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)


# Times, days and months as people type them, out to the calendar's edges (year 1 and
# year 9999 with a ±14 h offset), where the arithmetic behind a parameter overflows.
ZONE_OFFSETS = st.sampled_from(["Z", "+14:00", "-14:00", "+01:00", "-00:30", ""])
CALENDAR_EDGES = st.sampled_from(
    ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
     "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "0001-01", "9999-12", "1969-12",
     "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "2199-12-31T23:59:59-14:00"]
)  # fmt: skip
QUERY_TIMES = st.one_of(
    CALENDAR_EDGES,
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: d.isoformat()[:7]),
    st.tuples(st.datetimes(), ZONE_OFFSETS).map(lambda t: t[0].isoformat() + t[1]),
)
