"""One frame, start to finish, in one worker thread: check and decode the JPEG, keep it
for the web page, align, read the digits, judge the reading against the previous
accepted one, and draw what was made of it.

Nothing here raises: every way a frame can fail ends in an ``Outcome`` with the reason,
which the service publishes on ``<dev>/rejected``. That holds for failures nobody
foresaw too (a reader's bug, a full disk): they are named by their exception class, so
a meter is never silent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from ..core.config.devices import OcrConfig
from ..core.messages import OTHER_REGISTER
from ..core.quantities import QuantityKind
from ..core.roi_rules import roi_problems
from ..core.runtime.logs import kv
from .annotate import ANNOTATED_NAME, RAW_NAME, Overlay, annotate, image_dir, write_atomically
from .device_classifiers import DeviceClassifiers
from .display_locator import DisplayLocator, shipped_locator
from .geometry import AlignmentFailed, Box, ReferenceCache, align
from .lcd7 import OtherLayout, UnreadableDisplay, decode_image
from .plausibility import Limits, Sample, Verdict, judge
from .readers import DigitModel, DigitsRead, ModelFor, Setup, read_digits
from .register_mark import mark_seen
from .sequence_reader import SequenceReader, shipped_reader

log = logging.getLogger("meterhub.ocr")
MAX_DETAIL_CHARS = 200  # of an unforeseen error's message in a rejection


@dataclass(frozen=True)
class Rois:
    """ROIs in force for a device (the web page's, else the config's)."""

    display: Box | None = None
    digits: Sequence[Box] = ()
    updated: datetime | None = None  # when they were marked; None: the config's

    @property
    def empty(self) -> bool:
        return self.display is None and not self.digits


@dataclass(frozen=True)
class Judgement:
    """How to judge a reading: the quantity's kind, its limits, the previous accepted
    value and the new frame's time."""

    kind: QuantityKind
    limits: Limits
    previous: Sample | None
    ts: datetime


@dataclass(frozen=True)
class Outcome:
    read: DigitsRead | None
    reason: str | None  # None: accepted
    top_up: float | None = None
    elapsed_ms: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    implausible: bool = False  # read, but refused by the plausibility rules
    layout_seen: str | None = None  # a cycling display showed another register: what of it
    failed: bool = False  # the reader itself broke on this frame (a bug), not the frame

    @property
    def other_register(self) -> bool:
        return self.layout_seen is not None

    @property
    def accepted(self) -> bool:
        return self.reason is None


def classifier_models() -> ModelFor:
    """The trained digit classifiers, loaded on first use; None for a kind without a
    model file (``meterhub ocr train`` builds them)."""
    missing: set[str] = set()

    def model_for(kind: str) -> DigitModel | None:
        if kind in missing:
            return None
        try:
            from .classifier import DigitClassifier

            return DigitClassifier.load(kind)  # type: ignore[arg-type,return-value]
        except (ImportError, FileNotFoundError, ValueError) as error:
            missing.add(kind)
            log.warning("no digit model", extra=kv(kind=kind, reason=error))
            return None

    return model_for


class FramePipeline:
    """Reads frames for any number of devices; safe to call from one thread at a time
    per instance (the service runs one frame at a time)."""

    def __init__(
        self,
        data_dir: Path,
        model_for: ModelFor | None = None,
        keep_images: bool = True,
        sequence: SequenceReader | Literal["shipped"] | None = "shipped",
        locator: DisplayLocator | Literal["shipped"] | None = "shipped",
    ) -> None:
        """``sequence``: the learned reader of display windows, ``locator``: the learned
        finder of the display with no ROI (None: the segments alone)."""
        self.data_dir = data_dir
        self.model_for = model_for or classifier_models()
        self.sequence = shipped_reader() if sequence == "shipped" else sequence
        self.locator = shipped_locator() if locator == "shipped" else locator
        self.device_models = DeviceClassifiers(data_dir, self.model_for)
        self.keep_images = keep_images
        self._references = ReferenceCache()

    def process(
        self,
        device: str,
        payload: bytes,
        ocr: OcrConfig,
        rois: Rois,
        judgement: Judgement | None,
        annotated_path: Path | None = None,
    ) -> Outcome:
        """``judgement`` None: the digits only, no plausibility check (``ocr read``);
        ``annotated_path``: where to draw the outcome instead of the device's image folder."""
        started = time.perf_counter()
        try:
            return self._process(device, payload, ocr, rois, judgement, annotated_path, started)
        except Exception as error:
            log.exception("frame failed", extra=kv(device=device))
            detail = str(error)
            if len(detail) > MAX_DETAIL_CHARS:
                detail = detail[:MAX_DETAIL_CHARS] + "…"
            reason = f"OCR failed on this frame: {type(error).__name__}: {detail}"
            return Outcome(None, reason, elapsed_ms=_ms(started), failed=True)

    def _process(
        self,
        device: str,
        payload: bytes,
        ocr: OcrConfig,
        rois: Rois,
        judgement: Judgement | None,
        annotated_path: Path | None,
        started: float,
    ) -> Outcome:
        timings: dict[str, float] = {}

        def lap(name: str, since: float) -> float:
            now = time.perf_counter()
            timings[name] = round((now - since) * 1000, 2)
            return now

        try:
            frame = decode_image(payload)
        except UnreadableDisplay as error:
            return Outcome(None, error.reason, elapsed_ms=_ms(started))
        mark = lap("decode", started)
        if self.keep_images:
            write_atomically(image_dir(self.data_dir, device) / RAW_NAME, payload)

        setup, marks, reason = self._setup(frame, ocr, rois)
        read: DigitsRead | None = None
        layout_seen: str | None = None
        if reason is None and setup is not None:
            try:
                read = read_digits(frame, setup, self.device_models.model_for(device))
            except OtherLayout as error:
                reason = OTHER_REGISTER if ocr.cycling else error.reason
                layout_seen = error.reason if ocr.cycling else None
            except UnreadableDisplay as error:
                reason = error.reason
        if read is not None and setup is not None and ocr.register_mark is not None:
            register = _register_mark(frame, ocr.register_mark, setup, read)
            if register is not None:
                read, (reason, layout_seen) = None, register
        mark = lap("read", mark)
        verdict = Verdict()
        if read is not None and judgement is not None:
            verdict = judge(
                judgement.kind,
                judgement.previous,
                Sample(judgement.ts, read.value),
                judgement.limits,
            )
            reason = verdict.reason
        elapsed = _ms(started)
        if self.keep_images or annotated_path is not None:
            overlay = _overlay(read, reason, verdict.top_up, ocr, setup, marks)
            target = annotated_path or image_dir(self.data_dir, device) / ANNOTATED_NAME
            write_atomically(target, annotate(frame, overlay))
            lap("annotate", mark)
        return Outcome(
            read, reason, verdict.top_up, elapsed, timings, not verdict.accepted, layout_seen
        )

    def _setup(
        self, frame: np.ndarray, ocr: OcrConfig, rois: Rois
    ) -> tuple[Setup | None, list[Box], str | None]:
        """The ROIs in force and the alignment that moves them onto this frame."""
        if rois.empty:
            rois = Rois(ocr.display_roi, ocr.digit_rois)
        height, width = frame.shape[:2]
        problems = roi_problems(
            rois.display,
            rois.digits,
            rotation_deg=ocr.rotation_deg,
            digits_shown=ocr.digits,
            frame=(width, height),
        )
        if problems:
            return None, [], "ROIs unusable: " + "; ".join(problems)
        marks: list[Box] = []
        transform = None
        if ocr.alignment is not None and not rois.empty:
            path = Path(ocr.alignment.reference)
            if not path.is_absolute():
                path = self.data_dir / path
            try:
                reference = self._references.get(path, list(ocr.alignment.marks))
                grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                transform = align(grey, reference, ocr.alignment.search_px, ocr.alignment.min_score)
            except AlignmentFailed as error:
                return None, list(ocr.alignment.marks), str(error)
            marks = [_moved(box, transform) for box in ocr.alignment.marks]
        setup = Setup(ocr, rois.display, list(rois.digits), transform, self.sequence, self.locator)
        return setup, marks, None


def _register_mark(
    frame: np.ndarray, mark: Box, setup: Setup, read: DigitsRead
) -> tuple[str, str | None] | None:
    """None when the mark is lit (the wanted register), else the refusal and, for a dark
    mark, what was seen (another register: no failure)."""
    if setup.alignment is not None:
        mark = _moved(mark, setup.alignment)
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    seen = mark_seen(grey, mark, list(read.boxes))
    if seen.state == "lit":
        return None
    if seen.state == "dark":
        return OTHER_REGISTER, f"register mark dark ({seen.share:.0%} of the digits' contrast)"
    return f"register mark unclear: {seen.share:.0%} of the digits' contrast", None


def _moved(box: Box, transform: np.ndarray) -> Box:
    x, y, w, h = box
    cx, cy, _ = transform @ np.array([x + w / 2, y + h / 2, 1.0])
    return round(cx - w / 2), round(cy - h / 2), w, h


def _overlay(
    read: DigitsRead | None,
    reason: str | None,
    top_up: float | None,
    ocr: OcrConfig,
    setup: Setup | None,
    marks: list[Box],
) -> Overlay:
    if reason is None and read is not None:
        headline = f"{read.value:.{ocr.decimals}f}  ({read.method})"
        if top_up is not None:
            headline += f"  top-up +{top_up:.{ocr.decimals}f}"
    else:
        headline = f"rejected: {reason}"
    display = read.display if read is not None else (setup.display if setup else None)
    return Overlay(
        digits=read.text if read else "",
        confidences=tuple(read.confidences) if read else (),
        boxes=tuple(read.boxes) if read else tuple(setup.digits if setup else ()),
        display=display,
        marks=tuple(marks),
        headline=headline,
        accepted=reason is None,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
