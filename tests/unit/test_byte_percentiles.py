"""The histogram percentiles are ``np.percentile``'s numbers, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from services.ocr_worker.byte_percentiles import byte_median, byte_percentiles, percentiles

QS = (0, 2, 25, 33.3, 50, 75, 98, 99.5, 100)


@pytest.mark.parametrize("shape", [(1,), (2,), (3,), (7, 3), (32, 128), (480, 640), (481, 641)])
@pytest.mark.parametrize("levels", [(0, 256), (100, 103)])
def test_the_same_numbers_as_numpy(shape: tuple[int, ...], levels: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape) + levels[0])
    for _ in range(10):
        image = rng.integers(*levels, shape, dtype=np.uint8)
        assert byte_percentiles(image, QS) == [np.percentile(image, q) for q in QS]
        assert byte_median(image) == np.median(image)


def test_a_strided_view_counts_only_its_own_pixels() -> None:
    image = np.random.default_rng(1).integers(0, 256, (60, 90), dtype=np.uint8)
    view = image[::2, ::3]
    assert byte_percentiles(view, QS) == [np.percentile(view, q) for q in QS]


def test_other_arrays_go_to_numpy() -> None:
    image = np.random.default_rng(2).random((20, 30)).astype(np.float32)
    assert percentiles(image, (2, 50, 98)) == list(np.percentile(image, (2, 50, 98)))


@pytest.mark.parametrize("bad", [np.zeros((0,), np.uint8), np.zeros((4, 4), np.float32)])
def test_anything_but_a_non_empty_byte_array_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="non-empty uint8"):
        byte_percentiles(bad, (50,))
