"""How a simulated camera sees a meter front: never mounted quite square."""

from __future__ import annotations

import math

import cv2
import numpy as np


def camera_view(
    front: np.ndarray,
    keystone: float,
    edge: int,
    turn_deg: float,
    scale: float,
    offset: np.ndarray,
) -> np.ndarray:
    """``front`` projected with one edge's corners pulled together by ``keystone`` (a
    share of that edge), then turned, scaled and moved by ``offset`` pixels. Callers draw
    the values, so each keeps its own random sequence."""
    h, w = front.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src.copy()
    if keystone > 0:
        i, j = edge, (edge + 1) % 4
        pull = (dst[j] - dst[i]) * keystone / 2
        dst[i] += pull
        dst[j] -= pull
    turn = math.radians(turn_deg)
    cos, sin = math.cos(turn) * scale, math.sin(turn) * scale
    centre = np.array([w / 2, h / 2], np.float32)
    rot = np.array([[cos, -sin], [sin, cos]], np.float32)
    dst = (dst - centre) @ rot.T + centre + np.asarray(offset, np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    return cv2.warpPerspective(
        front, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
