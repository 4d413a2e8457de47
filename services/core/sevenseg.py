"""Seven-segment digit patterns, kept in one place so the LCD renderer and reader agree.

Segment names follow the usual convention::

     aaa
    f   b
     ggg
    e   c
     ddd
"""

from __future__ import annotations

SEGMENT_NAMES = "abcdefg"

SEGMENTS: dict[str, frozenset[str]] = {
    "0": frozenset("abcdef"),
    "1": frozenset("bc"),
    "2": frozenset("abdeg"),
    "3": frozenset("abcdg"),
    "4": frozenset("bcfg"),
    "5": frozenset("acdfg"),
    "6": frozenset("acdefg"),
    "7": frozenset("abc"),
    "8": frozenset("abcdefg"),
    "9": frozenset("abcdfg"),
    "-": frozenset("g"),
}

# Some meter makers draw 7 with a hooked top and 6/9 without their tails; none of these
# collides with another character, so the reader accepts them too.
_VARIANTS: dict[str, frozenset[str]] = {
    "7": frozenset("abcf"),
    "6": frozenset("cdefg"),
    "9": frozenset("abcfg"),
}

_DECODE: dict[frozenset[str], str] = {
    **{segs: char for char, segs in SEGMENTS.items()},
    **{segs: char for char, segs in _VARIANTS.items()},
}


def decode(lit: frozenset[str]) -> str | None:
    """The character shown by the lit segments, or None if no character looks like that."""
    return _DECODE.get(lit)
