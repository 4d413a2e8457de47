"""The fast channel extremes are numpy's, exactly (the shipped networks learned on those)."""

from __future__ import annotations

import numpy as np

from services.ocr_worker.channels import brightest, dimmest


def test_channel_extremes_equal_numpys_reductions() -> None:
    image = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    assert np.array_equal(brightest(image), image.max(axis=2))
    assert np.array_equal(dimmest(image), image.min(axis=2))
