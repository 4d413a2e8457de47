"""ROIs, rotation and alignment marks: crops land on the same pixels however the camera
is mounted or knocked."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.ocr_worker.geometry import (
    AlignmentFailed,
    Reference,
    align,
    box_in_frame,
    crop,
)


def scene(seed: int = 3) -> np.ndarray:
    """A textured grey frame with distinct features (blobs, bars) everywhere."""
    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(rng.integers(0, 255, (480, 640), dtype=np.uint8), (0, 0), 3)
    image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
    for _ in range(40):
        x, y = (int(v) for v in rng.integers(20, 600, 2))
        cv2.circle(image, (x, y % 460), int(rng.integers(4, 14)), int(rng.integers(0, 255)), -1)
    return image


def moved(image: np.ndarray, dx: float, dy: float, degrees: float = 0.0) -> tuple:
    matrix = cv2.getRotationMatrix2D((320, 240), degrees, 1.0)
    matrix[:, 2] += (dx, dy)
    shifted = cv2.warpAffine(image, matrix, (640, 480), borderMode=cv2.BORDER_REFLECT)
    return shifted, np.vstack([matrix, [0, 0, 1]])


@pytest.mark.parametrize(
    ("rotation_deg", "turn"),
    [
        (90, cv2.ROTATE_90_CLOCKWISE),  # camera on its side: turn back counter-clockwise
        (-90, cv2.ROTATE_90_COUNTERCLOCKWISE),
        (180, cv2.ROTATE_180),
    ],
)
def test_a_turned_camera_gives_the_upright_crop_of_the_same_box(rotation_deg, turn):
    upright = scene()
    sideways = cv2.rotate(upright, turn)
    box = (200, 120, 160, 90)  # in the upright scene
    x, y, w, h = box
    # The same region, marked on the frame as the camera sends it.
    marker = np.zeros_like(upright)
    marker[y : y + h, x : x + w] = 255
    ys, xs = np.nonzero(cv2.rotate(marker, turn))
    marked = (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)

    view = crop(sideways, marked, rotation_deg)
    assert view.image.shape == (h, w)
    assert np.abs(view.image.astype(int) - upright[y : y + h, x : x + w]).mean() < 1.0
    assert box_in_frame(marked, sideways.shape, rotation_deg, None) == marked


def test_a_crop_maps_its_boxes_back_onto_the_frame():
    frame = scene()
    view = crop(frame, (100, 50, 200, 100), rotation_deg=90)
    # Turned back counter-clockwise, the crop's top-left corner was the box's top-right.
    found = view.box_in_frame((0, 0, 10, 20), frame.shape)
    assert np.abs(np.subtract(found, (280, 50, 20, 10))).max() <= 1


def marks_reference(image: np.ndarray) -> Reference:
    marks = [(60, 60, 48, 48), (520, 70, 48, 48), (300, 380, 48, 48)]
    return Reference(marks, [image[y : y + h, x : x + w].copy() for x, y, w, h in marks])


@pytest.mark.parametrize(("dx", "dy", "degrees"), [(0, 0, 0), (12, -7, 0), (-20, 15, 2.0)])
def test_alignment_marks_carry_the_rois_with_a_bumped_camera(dx, dy, degrees):
    reference_image = scene()
    frame, truth = moved(reference_image, dx, dy, degrees)
    reference = marks_reference(reference_image)
    transform = align(frame, reference, search_px=40, min_score=0.6)
    roi = np.array([[200.0, 150.0, 1.0], [420.0, 260.0, 1.0]])
    assert np.abs(roi @ transform.T - roi @ truth.T).max() < 1.0

    # The aligned crop of a ROI drawn on the reference shows what the reference showed.
    box = (200, 150, 120, 60)
    x, y, w, h = box
    view = crop(frame, box, alignment=transform)
    assert np.abs(view.image.astype(int) - reference_image[y : y + h, x : x + w]).mean() < 8


def test_one_mark_corrects_a_shift():
    reference_image = scene()
    frame, _ = moved(reference_image, 9, 4)
    one = Reference([(300, 200, 60, 60)], [reference_image[200:260, 300:360].copy()])
    transform = align(frame, one, search_px=20, min_score=0.6)
    assert np.allclose(transform[:2, 2], (9, 4), atol=0.5)


def test_a_mark_out_of_reach_rejects_instead_of_misplacing_the_rois():
    reference_image = scene()
    frame, _ = moved(reference_image, 60, 0)  # further than the search radius
    with pytest.raises(AlignmentFailed, match="alignment mark 1 not found"):
        align(frame, marks_reference(reference_image), search_px=20, min_score=0.7)
    with pytest.raises(AlignmentFailed, match="not found"):
        align(np.full_like(frame, 128), marks_reference(reference_image), 40, 0.6)
