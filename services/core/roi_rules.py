"""What makes a set of ROIs usable, checked wherever ROIs are set or applied: the config,
the web page's PUT, the retained ``<dev>/ocr/rois`` a worker takes, and each frame.

Boxes are ``(x, y, w, h)`` in pixels of the frame as the camera sends it. A box too small
to hold a digit, digits out of order or piled on each other would otherwise reach the
readers and fail there (a 1×1 crop is no digit image), or read the digits in the wrong
order as a plausible wrong number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

Box = tuple[int, int, int, int]

# The digit classifier sees 24×32 px: a box narrower or lower than this would be blown up
# more than three times, and a 7-segment digit needs its three bars and two gaps at least.
# A display holds at least one digit, so the same floor holds for it.
MIN_ROI_SIDE_PX = 8
# Digit boxes may touch and overlap a little (drum windows sit close); more than this
# share of the smaller box means two boxes on one digit.
MAX_DIGIT_OVERLAP = 0.25


def roi_problems(
    display: Box | None,
    digits: Sequence[Box],
    *,
    rotation_deg: float = 0.0,
    digits_shown: int | None = None,
    frame: tuple[int, int] | None = None,
) -> list[str]:
    """Every reason the ROIs cannot be used, in words for a person; empty: usable.

    ``rotation_deg`` (the device's turn to upright) gives the reading direction in the
    frame; ``digits_shown``, the number of digit boxes wanted; ``frame`` (width, height),
    the frame they must lie in, when one is known.
    """
    named = ([("display", display)] if display is not None else []) + [
        (f"digit {i}", box) for i, box in enumerate(digits, start=1)
    ]
    problems = [
        f"{name} is {w}x{h} px, under the {MIN_ROI_SIDE_PX} px a digit needs"
        for name, (_, _, w, h) in named
        if min(w, h) < MIN_ROI_SIDE_PX
    ]
    if display is not None and digits_shown is not None:
        across = display[3] if round(rotation_deg / 90) % 2 else display[2]  # upright width
        if across < digits_shown * MIN_ROI_SIDE_PX:
            problems.append(
                f"display is {across} px across, under the {digits_shown} x {MIN_ROI_SIDE_PX} "
                f"px its {digits_shown} digits need"
            )
    if digits and digits_shown is not None and len(digits) != digits_shown:
        problems.append(
            f"the display shows {digits_shown} digits: mark one box per digit "
            f"({len(digits)} given), or none"
        )
    if frame is not None:
        width, height = frame
        outside = [
            name
            for name, (x, y, w, h) in named
            if x < 0 or y < 0 or x + w > width or y + h > height
        ]
        if outside:
            problems.append(f"{', '.join(outside)} reach outside the {width}×{height} frame")
    problems += _order_problems(digits, rotation_deg)
    problems += [
        f"digits {a} and {b} overlap by {share:.0%} (at most {MAX_DIGIT_OVERLAP:.0%})"
        for (a, first), (b, second) in combinations(enumerate(digits, start=1), 2)
        if (share := _overlap(first, second)) > MAX_DIGIT_OVERLAP
    ]
    return problems


def _order_problems(digits: Sequence[Box], rotation_deg: float) -> list[str]:
    """Digit boxes must follow the display's left-to-right, which a camera turned by
    ``rotation_deg`` sees along (cos, sin) of it in the frame (y down)."""
    angle = math.radians(rotation_deg)
    along = [(x + w / 2) * math.cos(angle) + (y + h / 2) * math.sin(angle) for x, y, w, h in digits]
    return [
        f"digit {i + 1} is not after digit {i} (mark digits left to right as the display reads)"
        for i in range(1, len(along))
        if along[i] <= along[i - 1]
    ]


def _overlap(first: Box, second: Box) -> float:
    """The shared area as a share of the smaller box."""
    x0, y0 = max(first[0], second[0]), max(first[1], second[1])
    x1 = min(first[0] + first[2], second[0] + second[2])
    y1 = min(first[1] + first[3], second[1] + second[3])
    shared = max(x1 - x0, 0) * max(y1 - y0, 0)
    smaller = min(first[2] * first[3], second[2] * second[3])
    return shared / smaller if smaller > 0 else 0.0
