"""What tests that render the held-out DSEG fonts need: the fonts themselves."""

from __future__ import annotations

import pytest

from services.ocr_training.font_digits import dseg_fonts

needs_fonts = pytest.mark.skipif(
    not dseg_fonts(), reason="no DSEG fonts here (Debian's fonts-dseg, installed by make)"
)
