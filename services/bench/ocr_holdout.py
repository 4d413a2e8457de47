"""`meterhub bench ocr-frames --holdout-renderer NAME`: whole readings on a look no model
of the run was trained on.

The frames come from one renderer (``renderers.RENDERERS``): ``dseg`` and ``polygons``
draw photo-like frames of whole displays (``display_frames``: PLN-style LCD, inverse LCD,
red LED); ``simulator`` is the demo's own meters (LCD, LED module, drum counter). The
digit models read them were trained without that renderer (``holdout_models``, cached),
or come from ``--models`` (then the run says it cannot vouch for them).

Every frame is read by Meterhub and by tesseract, ssocr and a general OCR, each given
nothing (the whole frame) and given the digit area (the display); Meterhub is also given
one box per digit, the path its learned digit models read. A reading is right (the
number shown), refused (no number, or Meterhub's reason), or wrong (another number).
The run stops reading at ``--budget-s`` and reports what it read by then.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from pydantic import ValidationError

from ..core.config.devices import OcrConfig
from ..ocr_training.display_frames import STYLES, DisplayFrame, display_frame
from ..ocr_training.renderers import RENDERERS
from ..ocr_worker.display_locator import DisplayLocator, shipped_locator
from ..ocr_worker.geometry import Box
from ..ocr_worker.pipeline import FramePipeline, Rois
from ..ocr_worker.readers import ModelFor
from ..ocr_worker.sequence_reader import SequenceReader, shipped_reader
from ..simulator.lcd import FRAME_HEIGHT, FRAME_WIDTH
from .ocr_frames import device_settings, make_frames, models_in
from .whole_readers import READERS, number_in

SIMULATOR_STYLES = {"lcd": "lcd", "led": "led", "drum": "drum"}  # bench_frames kind -> style
_SIMULATOR_LCD_AREA = (110, 47, 420, 190)  # the simulated PLN meter's bezel, any camera pose
GIVEN = ("nothing", "loose", "area", "digits")  # what a reader is told of where the digits are
LOOSE_ROI = 1.6  # "loose": the glass grown so, as a user might draw around a meter's face


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("held-out renderer (--holdout-renderer)")
    group.add_argument(
        "--holdout-renderer",
        choices=RENDERERS,
        default=None,
        help="read whole frames of this renderer with models trained without it, beside "
        "tesseract, ssocr and a general OCR",
    )
    group.add_argument("--per-style", type=int, default=40, help="frames per display style")
    group.add_argument(
        "--turn",
        type=float,
        default=0.0,
        metavar="DEG",
        help="turn each display by up to DEG about its centre as well (a phone held askew); "
        "the marked ways then mark the display turned, as a user sets the camera's turn",
    )
    group.add_argument(
        "--marks",
        action="store_true",
        help="draw a unit, annunciators and now and then a leading half digit inside each "
        "display's glass, as real meters, scales and multimeters show them",
    )
    add_reading_arguments(group)
    group.add_argument("--cache", type=Path, default=None, help="held-out models cache folder")
    group.add_argument("--dataset", type=Path, default=None, help="real crops (lcd/, drum/)")


def add_reading_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The options every whole-reading bench shares: its time budget and the other OCRs."""
    parser.add_argument("--budget-s", type=float, default=1200.0, help="stop reading after this")
    parser.add_argument(
        "--readers",
        default=",".join(READERS),
        help=f"other OCRs to run beside Meterhub (of {', '.join(READERS)}; empty: none)",
    )


def chosen_readers(spec: str) -> list[str] | None:
    """The other OCRs named in ``--readers``, or None with the error said."""
    readers = [name for name in spec.split(",") if name]
    if unknown := [name for name in readers if name not in READERS]:
        print(f"error: unknown readers {unknown} (known: {', '.join(READERS)})", file=sys.stderr)
        return None
    return readers


@dataclass(frozen=True)
class Case:
    style: str
    jpeg: bytes
    value: float
    ocr: OcrConfig  # the display's format (and a drum counter's ROI and alignment)
    area: Box  # upright around the display
    cells: list[Box] | None  # None: the renderer does not say where each digit is
    marked: Box | None = None  # the display as a user marks it where it is turned ...
    turn_deg: float = 0.0  # ... with the camera's turn to upright set to this
    size: tuple[int, int] = (FRAME_WIDTH, FRAME_HEIGHT)  # the frame's width and height


@dataclass
class Score:
    right: int = 0
    refused: int = 0
    wrong: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    misreads: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # refused because the reader broke

    def add(
        self, read: float | None, value: float, reason: str | None = None, failed: bool = False
    ) -> None:
        if failed:
            self.failures.append(reason or "the reader failed")
        if read is None:
            self.refused += 1
            self.reasons[_short(reason or "no number read")] += 1
        elif abs(read - value) < 1e-9:
            self.right += 1
        else:
            self.wrong += 1
            self.misreads.append(f"showed {value:g}, read {read:g}")


def run(args: argparse.Namespace) -> int:
    cv2.setNumThreads(1)
    renderer = args.holdout_renderer
    readers = chosen_readers(args.readers)
    if readers is None:
        return 2
    model_for = _models(args, renderer)
    if model_for is None:
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="meterhub-bench-holdout-"))
    try:
        cases = make_cases(
            renderer, args.per_style, args.seed, workdir, args.turn, marks=args.marks
        )
        sequence = sequence_reader_without(renderer, args)
        locator = locator_without(renderer, args) if sequence is not None else None
        scores = score(
            cases, readers, model_for, workdir / "data", args.budget_s, sequence, locator
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    title = f"frames of `{renderer}`, models trained without it"
    if args.marks:
        title += "; units, annunciators and half digits in the glass"
    settings = {"holdout_renderer": renderer, "marks": args.marks}
    return report(title, settings, scores, readers, args.show)


def _models(args: argparse.Namespace, renderer: str) -> ModelFor | None:
    if args.models:
        print(f"models from {args.models}: whether they saw {renderer} is up to whoever "
              "trained them")  # fmt: skip
        return models_in(args.models)
    from ..core.train_extra import INSTALL_HINT
    from ..ocr_training.holdout_models import default_cache, models_without
    from ..ocr_training.train_cli import DEFAULT_DATASET, missing_train_packages

    if missing := missing_train_packages():
        print(
            f"error: training models without {renderer} needs {', '.join(missing)}: "
            f"{INSTALL_HINT}, or pass --models DIR",
            file=sys.stderr,
        )
        return None
    folder = models_without(
        renderer,
        args.dataset or DEFAULT_DATASET,
        args.cache or default_cache(),
        args.seed,
        lambda line: print(f"  {line}", flush=True),
    )
    return models_in(folder)


def sequence_reader_without(renderer: str, args: argparse.Namespace) -> SequenceReader | None:
    """The shipped sequence reader where it never saw ``renderer``; else, where models are
    trained for the run, one trained without it (cached); else none (displays are then
    read by their segments alone, and the run says so)."""
    from ..ocr_training.holdout_models import sequence_model_without
    from ..ocr_training.train_cli import DEFAULT_DATASET

    def trained(cache: Path, say: Callable[[str], None]) -> SequenceReader:
        dataset = args.dataset or DEFAULT_DATASET
        return SequenceReader(sequence_model_without(renderer, dataset, cache, args.seed, say))

    return _learned_without("sequence reader", shipped_reader(), trained, renderer, args)


def locator_without(renderer: str, args: argparse.Namespace) -> DisplayLocator | None:
    """The display locator, chosen as ``sequence_reader_without`` chooses the reader."""
    from ..ocr_training.holdout_models import locator_model_without

    def trained(cache: Path, say: Callable[[str], None]) -> DisplayLocator:
        return DisplayLocator(locator_model_without(renderer, cache, args.seed, say))

    return _learned_without("display locator", shipped_locator(), trained, renderer, args)


Learned = TypeVar("Learned", SequenceReader, DisplayLocator)


def _learned_without(
    what: str,
    shipped: Learned | None,
    trained: Callable[[Path, Callable[[str], None]], Learned],
    renderer: str,
    args: argparse.Namespace,
) -> Learned | None:
    sources = shipped.meta.get("sources") if shipped is not None else None
    if shipped is not None and isinstance(sources, dict) and renderer not in sources:
        print(f"  {what}: the shipped one, trained on {', '.join(sources)} (not {renderer})")
        return shipped
    if args.models is None:
        from ..ocr_training.holdout_models import default_cache

        return trained(args.cache or default_cache(), lambda line: print(f"  {line}", flush=True))
    if shipped is None:
        print(f"  {what}: not built; not used in this run")
    else:
        seen = "does not say what it was trained on" if sources is None else f"saw {renderer}"
        print(f"  {what}: the shipped one {seen}; not used in this run")
    return None


def make_cases(
    renderer: str,
    per_style: int,
    seed: int,
    workdir: Path,
    turn_deg: float = 0.0,
    marks: bool = False,
) -> list[Case]:
    """``per_style`` frames of each style the renderer draws, interleaved by style so a
    run cut short by its budget still covers every style; each display turned by up to
    ``turn_deg`` and with ``marks`` in its glass (``display_frame``; not the
    simulator's)."""
    if renderer == "simulator":
        by_style = _simulator_cases(per_style, seed, workdir)
    else:
        by_style = {style: [] for style in STYLES}
        rng = np.random.default_rng([seed, RENDERERS.index(renderer), 18])
        for style in STYLES:
            for _ in range(per_style):
                frame = display_frame(renderer, style, rng, turn_deg, marks)
                ocr = OcrConfig(display="lcd7", digits=frame.digits, decimals=frame.decimals,
                                quantity="energy_import_kwh")  # fmt: skip
                by_style[style].append(_case(style, frame, ocr))
    rows = zip_longest(*by_style.values())
    return [case for row in rows for case in row if case is not None]


def _case(style: str, frame: DisplayFrame, ocr: OcrConfig) -> Case:
    """A turned display is marked as its glass turned upright; its digits are not
    marked (upright boxes round turned digits overlap)."""
    if frame.glass is None:
        return Case(style, frame.jpeg, frame.value, ocr, frame.display, frame.cells)
    (cx, cy), (w, h) = frame.glass.centre, frame.glass.size
    marked = (round(cx - w / 2), round(cy - h / 2), round(w), round(h))
    return Case(style, frame.jpeg, frame.value, ocr, frame.display, None, marked,
                frame.glass.upright_deg)  # fmt: skip


def _simulator_cases(per_style: int, seed: int, workdir: Path) -> dict[str, list[Case]]:
    settings = device_settings(workdir / "data")
    areas = {"lcd": _SIMULATOR_LCD_AREA, "led": settings["led"].display_roi}
    by_style: dict[str, list[Case]] = {style: [] for style in SIMULATOR_STYLES.values()}
    frames = make_frames(per_style * 30, seed, settings)  # a tenth are LED modules
    for frame in frames:
        style = SIMULATOR_STYLES[frame.kind]
        if frame.implausible or len(by_style[style]) >= per_style:
            continue
        area = areas.get(frame.kind) or frame.ocr.display_roi
        by_style[style].append(Case(style, frame.jpeg, frame.value, frame.ocr, area, None))
    return by_style


def score(
    cases: list[Case],
    readers: list[str],
    model_for: ModelFor,
    data_dir: Path,
    budget_s: float,
    sequence: SequenceReader | None = None,
    locator: DisplayLocator | None = None,
) -> dict[str, dict[str, Score]]:
    """Scores by style, then by ``reader/given``."""
    pipeline = FramePipeline(data_dir, model_for=model_for, sequence=sequence, locator=locator)
    available = {name: READERS[name] for name in readers if READERS[name][1]()}
    for name in readers:
        if name not in available:
            print(f"  {name}: not installed (install {READERS[name][2]}); not scored")
    scores: dict[str, dict[str, Score]] = {}
    began = time.monotonic()
    for done, case in enumerate(cases):
        if done and time.monotonic() - began > budget_s:
            print(f"  budget of {budget_s:.0f} s spent: {done} of {len(cases)} frames read")
            break
        by_reader = scores.setdefault(case.style, {})
        for given, ocr in _meterhub_setups(case).items():
            outcome = pipeline.process("bench", case.jpeg, ocr, Rois(), None)
            read = outcome.read.value if outcome.accepted and outcome.read else None
            by_reader.setdefault(f"meterhub/{given}", Score()).add(
                read, case.value, outcome.reason, outcome.failed
            )
        image = cv2.imdecode(np.frombuffer(case.jpeg, np.uint8), cv2.IMREAD_COLOR)
        x, y, w, h = case.area
        for name, (reader, _, _) in available.items():
            for given, view in (("nothing", image), ("area", image[y : y + h, x : x + w])):
                read = number_in(reader(view, given == "area"), case.ocr.decimals)
                by_reader.setdefault(f"{name}/{given}", Score()).add(read, case.value)
        if (done + 1) % 10 == 0:
            print(f"  {done + 1}/{len(cases)} frames read, {time.monotonic() - began:.0f} s",
                  flush=True)  # fmt: skip
    return scores


def _meterhub_setups(case: Case) -> dict[str, OcrConfig]:
    """The device set up four ways: nothing marked, the display marked loosely and
    tightly, every digit."""
    setups = {}
    area = case.marked or case.area
    turn = {"rotation_deg": case.turn_deg} if case.marked else {}
    if case.ocr.display == "lcd7":
        unmarked = {"display_roi": None, "digit_rois": []}
        setups["nothing"] = case.ocr.model_copy(update=unmarked)
        loose = {**unmarked, "display_roi": _loose(area, case.size), **turn}
        setups["loose"] = case.ocr.model_copy(update=loose)
    marked = {"area": {"display_roi": area, **turn}, "digits": {"digit_rois": case.cells}}
    for given, update in marked.items():
        if given == "digits" and case.cells is None:
            continue
        try:
            setups[given] = OcrConfig.model_validate(
                {**case.ocr.model_dump(), **({} if case.ocr.display == "drum" else update)}
            )
        except ValidationError as error:  # ROIs that break the rules: counted as refused
            print(f"  {case.style}: {given} not usable: {error.errors()[0]['msg']}")
    return setups


def _loose(area: Box, size: tuple[int, int] = (FRAME_WIDTH, FRAME_HEIGHT)) -> Box:
    """``area`` grown by ``LOOSE_ROI`` about its centre, inside a frame of ``size``."""
    x, y, w, h = area
    width, height = size
    grown_w, grown_h = w * LOOSE_ROI, h * LOOSE_ROI
    x0, y0 = max(0, round(x + (w - grown_w) / 2)), max(0, round(y + (h - grown_h) / 2))
    x1 = min(width, round(x + (w + grown_w) / 2))
    y1 = min(height, round(y + (h + grown_h) / 2))
    return (x0, y0, x1 - x0, y1 - y0)


def report(
    title: str,
    what: dict[str, object],
    scores: dict[str, dict[str, Score]],
    readers: list[str],
    show: int,
    bench: str = "ocr-frames",
) -> int:
    """Prints the table under ``title`` and the JSON line (``bench`` and ``what`` first);
    exits 1 where Meterhub read a wrong number, or broke on a frame (a bug a refusal
    would hide)."""
    print(f"\nwhole readings on {title} (right / refused / wrong):")
    print(f"  {'style':8} {'reader':10} {'given':8} {'right':>12} {'refused':>8} {'wrong':>6}")
    result: dict[str, dict[str, list[int]]] = {}
    meterhub_wrong = meterhub_failed = 0
    for style, by_reader in scores.items():
        result[style] = {}
        for key, s in sorted(by_reader.items(), key=lambda item: _order(item[0], readers)):
            reader, given = key.split("/")
            total = s.right + s.refused + s.wrong
            print(f"  {style:8} {reader:10} {given:8} {s.right:>5}/{total:<3} "
                  f"{s.right / total:4.0%} {s.refused:>8} {s.wrong:>6}")  # fmt: skip
            result[style][key] = [s.right, s.refused, s.wrong]
            if reader == "meterhub":
                meterhub_wrong += s.wrong
                meterhub_failed += len(s.failures)
                for failure in s.failures:
                    print(f"{'':32}FAILED: {failure}")
                for reason, count in s.reasons.most_common(show and 3):
                    print(f"{'':32}refused {count}×: {reason}")
                for misread in s.misreads[:show]:
                    print(f"{'':32}WRONG: {misread}")
    print(json.dumps({"bench": bench, **what, "scores": result, "meterhub_wrong": meterhub_wrong,
                      "meterhub_failed": meterhub_failed}))  # fmt: skip
    return 0 if meterhub_wrong == meterhub_failed == 0 else 1


def _order(key: str, readers: list[str]) -> tuple[int, int]:
    reader, given = key.split("/")
    names = ["meterhub", *readers]
    return (names.index(reader) if reader in names else len(names), GIVEN.index(given))


def _short(reason: str) -> str:
    """A refusal's kind, without the numbers that make each one unique."""
    return "".join("#" if c.isdigit() else c for c in reason)[:90]
