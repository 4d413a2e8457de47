"""`meterhub bench ocr-frames`: whole camera frames through the OCR worker's pipeline.

A seeded set of 640×480 frames of three simulated meters, each with camera effects
(blur, noise, keystone, glare, and for the drum counter a camera knocked up to 10 px
aside, brought back by alignment marks):

- a PLN prepaid meter's LCD, read without any ROI (the display is found),
- a LED module (light on dark) with a display ROI,
- a Ferraris meter's 7-drum counter, drums caught between digits, with a display ROI.

With ``--drum-tilt DEG`` each drum counter hangs askew by up to DEG instead, and its ROI
is the upright box round the turned row, as a user draws it on the web page (no
alignment marks, no camera knock).

Each frame is judged against a previous reading; a fifth of them against one that makes
the frame implausible (a counter going backwards or racing, a balance creeping up or
jumping by more than a top-up, the "6789" garbage read), which must all be rejected.

Reported: whole-reading accuracy (every digit right and the reading accepted), misreads
(a wrong value accepted — the one outcome that must not happen), implausible frames
accepted, milliseconds per frame with OpenCV on one thread (wall and CPU time), and the
same frames' display areas read by tesseract as the baseline. Then frames per second
through real Mosquitto with one and with two worker processes in ``$share/ocr``
(``bench_workers``). Ends with one JSON line.

With ``--holdout-renderer NAME`` it measures something else: whole readings on frames of
a renderer the models were trained without, beside other OCRs (``ocr_holdout``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from ..core.config.devices import OcrAlignment, OcrConfig, OcrPlausibility
from ..core.config.simulator import FrameEffects
from ..core.quantities import QUANTITIES
from ..ocr_worker.geometry import map_box
from ..ocr_worker.pipeline import FramePipeline, Judgement, Rois
from ..ocr_worker.plausibility import Limits, Sample
from ..ocr_worker.readers import DigitModel, ModelFor
from ..simulator.drum import (
    DrumLayout,
    lower_steps,
    reference_frame,
    render_drum_frame,
    shown_steps,
)
from ..simulator.lcd import encode_jpeg, render_lcd_frame
from ..simulator.led import FACE, render_led_frame

T0 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
IMPLAUSIBLE_SHARE = 0.2
TARGET_ACCURACY, TARGET_MEDIAN_MS, TARGET_SCALING = 0.98, 15.0, 1.7
MIX = (("lcd", 0.4), ("led", 0.1), ("drum", 0.5))
LED_ROI = (FACE[0] - 15, FACE[1] - 15, FACE[2] + 30, FACE[3] + 30)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=600, help="frames in the set (≥ 500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline-frames", type=int, default=150, help="frames of the set read by tesseract"
    )
    parser.add_argument(
        "--stream-frames", type=int, default=240, help="frames sent through the broker per run"
    )
    parser.add_argument("--no-workers", action="store_true", help="skip the broker runs")
    parser.add_argument("--show", type=int, default=12, help="frames not read right to list")
    parser.add_argument(
        "--drum-tilt",
        type=float,
        default=0.0,
        metavar="DEG",
        help="hang each drum counter askew by up to DEG, marked by the upright box round its "
        "row (no alignment marks)",
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=None,
        help="folder with digits_lcd.onnx / digits_drum.onnx to read with (default: the shipped "
        "models; the broker runs always use those)",
    )
    from .ocr_holdout import add_arguments as add_holdout_arguments

    add_holdout_arguments(parser)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class BenchFrame:
    kind: str  # lcd | led | drum
    device: str
    jpeg: bytes
    value: float  # what the display shows
    ocr: OcrConfig
    previous: Sample
    implausible: bool
    # a drum counter's register, fully turned, where it differs from ``value``: the last
    # drum within the reader's snap of its next digit, where either number is right
    lower: float | None = None


def device_settings(data_dir: Path) -> dict[str, OcrConfig]:
    """The three meters as a user would set them up (drum: ROI plus alignment marks)."""
    layout = DrumLayout(7)
    reference = data_dir / "ocr" / "ferraris" / "reference.jpg"
    reference.parent.mkdir(parents=True, exist_ok=True)
    reference.write_bytes(encode_jpeg(reference_frame(7)))
    return {
        "lcd": OcrConfig(display="lcd7", digits=6, decimals=2, quantity="token_balance_kwh"),
        "led": OcrConfig(
            display="lcd7", digits=4, decimals=1, quantity="energy_import_kwh", display_roi=LED_ROI
        ),
        "drum": OcrConfig(
            display="drum",
            digits=7,
            decimals=1,
            quantity="energy_import_kwh",
            display_roi=layout.window,
            alignment=OcrAlignment(reference=str(reference), marks=layout.marks, search_px=30),
        ),
    }


def make_frames(
    count: int, seed: int, settings: dict[str, OcrConfig], drum_tilt: float = 0.0
) -> list[BenchFrame]:
    rng = np.random.default_rng(seed)
    kinds = rng.choice([k for k, _ in MIX], size=count, p=[share for _, share in MIX])
    frames = []
    for kind in kinds:
        effects = FrameEffects(
            blur=rng.uniform(0, 1.2),
            noise=rng.uniform(0, 10),
            perspective=rng.uniform(0, 0.05 if kind != "drum" else 0.03),
            glare=rng.uniform(0, 0.4 if kind != "drum" else 0.3),
        )
        lower, ocr = None, settings[kind]
        if kind == "lcd":
            units = int(rng.integers(0, 10 ** int(rng.integers(3, 7))))
            whole, cents = divmod(units, 100)
            image = render_lcd_frame(f"{whole}.{cents:02d}", 6, effects, rng)
            value = units / 100
        elif kind == "led":
            tenths = int(rng.integers(0, 10 ** int(rng.integers(2, 5))))
            image = render_led_frame(f"{tenths // 10}.{tenths % 10}", 4, effects, rng)
            value = tenths / 10
        else:
            steps = float(rng.uniform(0, 10**7))
            if rng.random() < 0.3:  # carries through several drums are the hard case
                steps = float(int(rng.integers(1, 10**5)) * 100 - rng.uniform(0, 1.2))
            image = render_drum_frame(steps, 7, effects, rng, shift_px=0.0 if drum_tilt else 10.0)
            if drum_tilt:
                image, ocr = _askew(image, float(rng.uniform(-drum_tilt, drum_tilt)), ocr)
            shown, fully_turned = shown_steps(steps, 7), lower_steps(steps, 7)
            value = shown / 10
            if fully_turned != shown:
                lower = fully_turned / 10
        implausible = bool(rng.random() < IMPLAUSIBLE_SHARE)
        frames.append(
            BenchFrame(
                kind=kind,
                device={"lcd": "pln", "led": "led", "drum": "ferraris"}[kind],
                jpeg=encode_jpeg(image),
                value=value,
                ocr=ocr,
                previous=_previous(kind, value if lower is None else lower, implausible, rng),
                implausible=implausible,
                lower=lower,
            )
        )
    return frames


def _askew(image: np.ndarray, tilt_deg: float, ocr: OcrConfig) -> tuple[np.ndarray, OcrConfig]:
    """The frame turned ``tilt_deg`` about the drum window's centre, and the settings of a
    user who drew the upright box round the turned row over it."""
    assert ocr.display_roi is not None
    x, y, w, h = ocr.display_roi
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), tilt_deg, 1.0)
    height, width = image.shape[:2]
    turned = cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    box = map_box(np.vstack([turn, [0.0, 0.0, 1.0]]), ocr.display_roi, image.shape)
    return turned, ocr.model_copy(update={"display_roi": box, "alignment": None})


def _previous(kind: str, value: float, implausible: bool, rng: np.random.Generator) -> Sample:
    """A reading an hour before that makes ``value`` (a register: its lowest right
    reading) plausible, or not."""
    at = T0 - HOUR
    if kind == "lcd":  # a prepaid balance
        if not implausible:
            fell = rng.random() < 0.8
            return Sample(at, value + rng.uniform(0, 3) if fell else value - rng.uniform(5, 100))
        how = rng.integers(3)
        change = (rng.uniform(0.05, 0.9), rng.uniform(1001, 5000), -rng.uniform(30, 100))[how]
        return Sample(at, value - change)
    if not implausible:  # a counter
        return Sample(at, max(0.0, value - rng.uniform(0, 5)))
    backwards = rng.random() < 0.5
    return Sample(at, value + rng.uniform(0.2, 500) if backwards else value - rng.uniform(30, 9000))


@dataclass
class Tally:
    correct: int = 0
    misread: int = 0
    rejected: int = 0
    implausible_accepted: int = 0
    frames: int = 0
    lower_digit: int = 0  # right as the register fully turned (``BenchFrame.lower``)

    @property
    def accuracy(self) -> float:
        return self.correct / self.frames if self.frames else 0.0


def models_in(folder: Path) -> ModelFor:
    """Digit models from a folder instead of the package's (comparing trained models)."""
    from ..ocr_worker.classifier import DigitClassifier, model_path

    loaded: dict[str, DigitModel | None] = {}

    def model_for(kind: str) -> DigitModel | None:
        if kind not in loaded:
            path = model_path(kind, folder)  # type: ignore[arg-type]
            loaded[kind] = DigitClassifier.from_file(path) if path.is_file() else None
        return loaded[kind]

    return model_for


def read_all(
    frames: list[BenchFrame], data_dir: Path, model_for: ModelFor | None = None
) -> tuple[dict[str, Tally], list[float], list[float], list[str]]:
    pipeline = FramePipeline(data_dir, model_for=model_for)
    tallies = {kind: Tally() for kind, _ in MIX}
    wall, cpu, reasons = [], [], []
    for frame in frames:
        quantity = QUANTITIES[frame.ocr.quantity]
        limits = Limits.for_quantity(
            OcrPlausibility(), quantity, frame.ocr.decimals, digits=frame.ocr.digits
        )
        judgement = Judgement(quantity.kind, limits, frame.previous, T0)
        started, started_cpu = time.perf_counter(), time.thread_time()
        outcome = pipeline.process(frame.device, frame.jpeg, frame.ocr, Rois(), judgement)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        tally = tallies[frame.kind]
        accepted = outcome.accepted and outcome.read is not None
        if frame.implausible:
            tally.implausible_accepted += accepted
            continue
        tally.frames += 1
        if accepted and abs(outcome.read.value - frame.value) < 1e-9:
            tally.correct += 1
        elif accepted and frame.lower is not None and abs(outcome.read.value - frame.lower) < 1e-9:
            tally.correct += 1
            tally.lower_digit += 1
        elif accepted:
            tally.misread += 1
            reasons.append(f"{frame.kind}: showed {frame.value}, read {outcome.read.value}")
        else:
            tally.rejected += 1
            reasons.append(f"{frame.kind}: showed {frame.value}, rejected: {outcome.reason}")
    return tallies, wall, cpu, reasons


def tesseract_baseline(frames: list[BenchFrame], sample: int, seed: int) -> dict[str, object]:
    """Tesseract (single text line, digits and point only) on each frame's display area:
    the region the pipeline reads (the found LCD window is given to it as a fixed box)."""
    if shutil.which("tesseract") is None:
        return {"name": "tesseract", "available": False}
    rng = np.random.default_rng(seed)
    chosen = [frames[i] for i in sorted(rng.choice(len(frames), min(sample, len(frames)), False))]
    chosen = [f for f in chosen if not f.implausible]
    right, times = 0, []
    for frame in chosen:
        image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
        x, y, w, h = frame.ocr.display_roi or (110, 47, 420, 190)
        _, png = cv2.imencode(".png", image[y : y + h, x : x + w])
        started = time.perf_counter()
        result = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "7", "-c",
             "tessedit_char_whitelist=0123456789."],
            input=png.tobytes(), capture_output=True, check=False, timeout=30,
        )  # fmt: skip
        times.append((time.perf_counter() - started) * 1000)
        text = result.stdout.decode(errors="replace").strip().replace(" ", "")
        digits = text.replace(".", "")
        if digits.isdigit() and int(digits) / 10**frame.ocr.decimals == frame.value:
            right += 1
    return {
        "name": "tesseract --psm 7 on the display area",
        "frames": len(chosen),
        "accuracy": round(right / len(chosen), 4) if chosen else 0.0,
        "median_ms": round(statistics.median(times), 1) if times else None,
    }


def run(args: argparse.Namespace) -> int:
    if args.holdout_renderer:
        from .ocr_holdout import run as run_holdout

        return run_holdout(args)
    cv2.setNumThreads(1)
    workdir = Path(tempfile.mkdtemp(prefix="meterhub-bench-ocr-"))
    try:
        settings = device_settings(workdir)
        began = time.perf_counter()
        frames = make_frames(args.frames, args.seed, settings, args.drum_tilt)
        askew = f", drum rows askew by up to {args.drum_tilt:g}°" if args.drum_tilt else ""
        print(
            f"ocr-frames: {len(frames)} frames of 640×480 "
            f"({', '.join(f'{sum(f.kind == k for f in frames)} {k}' for k, _ in MIX)}{askew}), "
            f"{sum(f.implausible for f in frames)} judged against an implausible previous; "
            f"made in {time.perf_counter() - began:.0f} s"
        )
        model_for = models_in(args.models) if args.models else None
        tallies, wall, cpu, reasons = read_all(frames, workdir / "data", model_for)
        result = _report(tallies, wall, cpu, reasons, args.show)
        if args.drum_tilt:
            result["drum_tilt_deg"] = args.drum_tilt
        result["baseline"] = tesseract_baseline(frames, args.baseline_frames, args.seed)
        base = result["baseline"]
        if base.get("frames"):
            print(
                f"  baseline: {base['name']}: accuracy {base['accuracy']:.1%} on "
                f"{base['frames']} frames, median {base['median_ms']:.0f} ms/frame"
            )
        if not args.no_workers:
            from .ocr_workers import scaling

            result["workers"] = scaling(frames, settings, args.stream_frames, workdir)
        print(json.dumps(result))
        ok = result["accuracy"] >= TARGET_ACCURACY and result["implausible_accepted"] == 0
        return 0 if ok and result["misreads"] == 0 else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _report(tallies: dict[str, Tally], wall: list, cpu: list, reasons: list, show: int) -> dict:
    total = Tally()
    for kind, tally in tallies.items():
        lower = f" ({tally.lower_digit} of them the lower digit)" if tally.lower_digit else ""
        print(
            f"  {kind:5} {tally.correct:4}/{tally.frames:<4} read right ({tally.accuracy:6.1%}), "
            f"{tally.misread} misread, {tally.rejected} rejected, "
            f"{tally.implausible_accepted} implausible accepted{lower}"
        )
        for name in ("correct", "misread", "rejected", "implausible_accepted", "frames"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    for reason in reasons[:show]:
        print(f"    {reason}")
    median_wall, median_cpu = statistics.median(wall), statistics.median(cpu)
    p90 = float(np.percentile(wall, 90))
    print(
        f"  all   {total.accuracy:.2%} whole-reading accuracy (target ≥ {TARGET_ACCURACY:.0%}), "
        f"{total.misread} misreads, {total.implausible_accepted} implausible accepted (target 0)"
    )
    print(
        f"  time per frame, one thread: median {median_wall:.1f} ms wall, {median_cpu:.1f} ms CPU "
        f"(target ≤ {TARGET_MEDIAN_MS:.0f}), p90 {p90:.1f} ms wall; load {os.getloadavg()[0]:.1f}"
    )
    return {
        "bench": "ocr-frames",
        "frames": len(wall),
        "plausible_frames": total.frames,
        "accuracy": round(total.accuracy, 4),
        "by_kind": {k: round(t.accuracy, 4) for k, t in tallies.items()},
        "misreads": total.misread,
        "rejected": total.rejected,
        "implausible_accepted": total.implausible_accepted,
        "median_ms": round(median_wall, 2),
        "median_cpu_ms": round(median_cpu, 2),
        "p90_ms": round(p90, 2),
    }
