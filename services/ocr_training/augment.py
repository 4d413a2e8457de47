"""Camera effects for digit crops: what a cheap camera and a rough crop do to a digit.

Applied to synthetic renderings and to real crops alike, each effect with its own
probability and range (``EFFECTS``), so the classifier meets blur, noise, glare, JPEG
blocks, low contrast and crops cut a little off-centre before users' cameras show them.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# effect -> probability of applying it to a crop
EFFECTS: dict[str, float] = {
    "frame": 0.15,  # edges of a bezel, window or printed line near the crop's sides
    "geometry": 0.9,  # off-centre crop, scale, rotation, shear, perspective
    "lighting": 0.6,  # uneven illumination across the crop
    "glare": 0.15,
    "blur": 0.5,
    "resolution": 0.3,  # seen from further away, scaled back up
    "contrast": 0.5,  # washed out, or gamma
    "noise": 0.5,
    "jpeg": 0.5,
}


def camera_effects(
    image: np.ndarray, rng: np.random.Generator, *, vertical_shift: float = 0.06
) -> np.ndarray:
    """A grey uint8 crop as a camera might have delivered it instead.

    ``vertical_shift`` bounds the crop's vertical offset (a fraction of its height): a
    drum digit's vertical position means how far it has rolled, so drums get less.
    """
    out = image.astype(np.float32)
    for effect, share in EFFECTS.items():
        if rng.random() < share:
            out = _APPLY[effect](out, rng, vertical_shift)
    return np.clip(out, 0, 255).astype(np.uint8)


def _frame(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    out = image.copy()
    frame_lines(out, rng)
    return out


def frame_lines(image: np.ndarray, rng: np.random.Generator) -> None:
    """Straight edges near the crop's sides: a display's frame or bezel, printed lines,
    the housing around a drum's window. Drawn in place on a grey image."""
    h, w = image.shape
    boxed = rng.random() < 0.25  # a whole frame in one tone around the digit
    level = rng.uniform(0, 255)
    for side in ("top", "bottom", "left", "right"):
        if not boxed and rng.random() < 0.6:
            continue
        size = h if side in ("top", "bottom") else w
        inset = round(rng.uniform(0, 0.16) * size)
        thick = max(1, round(rng.uniform(0.03, 0.1) * size))
        span = (
            slice(inset, inset + thick)
            if side in ("top", "left")
            else slice(max(size - inset - thick, 0), size - inset)
        )
        tone = level if boxed else rng.uniform(0, 255)
        if side in ("top", "bottom"):
            image[span, :] = tone
        else:
            image[:, span] = tone


def _geometry(image: np.ndarray, rng: np.random.Generator, vertical_shift: float) -> np.ndarray:
    h, w = image.shape
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    angle = math.radians(rng.uniform(-4, 4))
    scale_x, scale_y = rng.uniform(0.88, 1.12), rng.uniform(0.9, 1.1)
    shear = rng.uniform(-0.12, 0.12)
    matrix = np.array(
        [
            [scale_x * math.cos(angle), -math.sin(angle) + shear],
            [math.sin(angle), scale_y * math.cos(angle)],
        ],
        np.float32,
    )
    centre = np.array([w / 2, h / 2], np.float32)
    moved = (corners - centre) @ matrix.T + centre
    moved += np.array([rng.uniform(-0.08, 0.08) * w, rng.uniform(-1, 1) * vertical_shift * h])
    moved += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * np.array([w, h])  # keystone
    warp = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    return cv2.warpPerspective(
        image, warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _lighting(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    h, w = image.shape
    theta = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((xx / w - 0.5) * math.cos(theta) + (yy / h - 0.5) * math.sin(theta)) * 2
    return image * (1 + rng.uniform(0.1, 0.45) * ramp)


def _glare(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    """A reflection adds light toward white, most where the spot is brightest."""
    h, w = image.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sx, sy = rng.uniform(0.2, 0.7) * w, rng.uniform(0.15, 0.5) * h
    spot = np.exp(-0.5 * (((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
    return image + (255 - image) * spot * rng.uniform(0.2, 0.6)


def _blur(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    sigma = rng.uniform(0.3, 1.0) * image.shape[0] / 32
    if rng.random() < 0.25:  # a shaky hand or a moving camera
        length = max(2, round(sigma * 3))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rotation = cv2.getRotationMatrix2D(
            ((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1
        )
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        return cv2.filter2D(image, -1, kernel / max(float(kernel.sum()), 1e-6))
    return cv2.GaussianBlur(image, (0, 0), sigma)


def _resolution(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    h, w = image.shape
    factor = rng.uniform(0.35, 0.75)
    small = cv2.resize(
        image, (max(4, round(w * factor)), max(6, round(h * factor))), interpolation=cv2.INTER_AREA
    )
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _contrast(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    mean = float(image.mean())
    if rng.random() < 0.5:
        return mean + (image - mean) * rng.uniform(0.35, 0.8)  # washed out
    gamma = rng.uniform(0.6, 1.6)
    return 255 * (np.clip(image, 0, 255) / 255) ** gamma


def _noise(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    return image + rng.standard_normal(image.shape).astype(np.float32) * rng.uniform(2, 10)


def _jpeg(image: np.ndarray, rng: np.random.Generator, _: float) -> np.ndarray:
    quality = int(rng.integers(25, 90))
    ok, buffer = cv2.imencode(
        ".jpg", np.clip(image, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        return image
    return cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE).astype(np.float32)


_APPLY = {
    "frame": _frame,
    "geometry": _geometry,
    "lighting": _lighting,
    "glare": _glare,
    "blur": _blur,
    "resolution": _resolution,
    "contrast": _contrast,
    "noise": _noise,
    "jpeg": _jpeg,
}
